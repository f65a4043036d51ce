import { simpleParser } from 'mailparser';
import { htmlToSearchText } from './html-text.js';
import { parseMessage } from './parse.js';
import { sanitizeHtml } from './sanitize-html.js';

export interface DisplayMessage {
  /** The plain text: the text part, else the words of the HTML part. */
  text: string;
  /** The HTML body reduced to the sanitizer's allow-list, or null when the letter has no HTML part. */
  html: string | null;
  /** Remote images left out of `html`; ask again with `remoteImages` to have them. */
  blockedImages: number;
  /**
   * Why the letter could not be read in full, or null. Then `text` starts with a line saying so and holds what
   * could be read, or the raw source itself; `html` is null.
   */
  unreadable: string | null;
}

/** The words every "could not be read" notice contains, in the reading pane and on the command line. */
export const UNREADABLE = 'could not be read';
/** More raw source than this is not put into the reading pane; the journal keeps all of it. */
const MAX_RAW_SHOWN = 512 * 1024;

/**
 * What the reading pane shows of a raw source. Reading happens on demand, one letter at a time, so it uses
 * mailparser's simpleParser, which puts inline (cid:) images into the HTML as data: URLs; the sync path keeps its
 * own faster walker.
 */
export async function readMessageForDisplay(
  source: Buffer,
  options: { remoteImages?: boolean; parseError?: string | null } = {},
): Promise<DisplayMessage> {
  // The indexer already failed on this letter (it may have exhausted a worker's memory): do not try again here.
  if (options.parseError) return rawView(source, options.parseError);
  try {
    return await readWithMailparser(source, options);
  } catch (error) {
    // mailparser refuses some structures outright (deep nesting, a huge header); the walker may still read the text.
    const reason = error instanceof Error ? error.message : String(error);
    const parsed = await parseMessage(source).catch(() => null);
    if (!parsed || parsed.parseError || !parsed.text) return rawView(source, reason);
    const notice = `Part of this letter ${UNREADABLE} (${reason}); below is the text that could be read.`;
    return { text: `${notice}\n\n${parsed.text}`, html: null, blockedImages: 0, unreadable: reason };
  }
}

async function readWithMailparser(source: Buffer, options: { remoteImages?: boolean }): Promise<DisplayMessage> {
  const parsed = await simpleParser(source, {
    skipTextToHtml: true,
    skipTextLinks: true,
    checksumAlgo: false,
    // A huge HTML part still displays; it just gets no text version from mailparser's converter.
    maxHtmlLengthToParse: 2_000_000,
  });
  const rawHtml = typeof parsed.html === 'string' ? parsed.html : null;
  const sanitized = rawHtml === null ? null : sanitizeHtml(rawHtml, options);
  const text = parsed.text ?? (rawHtml ? htmlToSearchText(rawHtml) : '');
  return { text, html: sanitized?.html ?? null, blockedImages: sanitized?.blockedImages ?? 0, unreadable: null };
}

/** The raw source as text, under a notice: a letter nothing can parse is still there to be read by a person. */
function rawView(source: Buffer, reason: string): DisplayMessage {
  const shown = source.subarray(0, MAX_RAW_SHOWN);
  const utf8 = shown.toString('utf8');
  const text = (utf8.includes('\ufffd') ? shown.toString('latin1') : utf8).replace(/[^\P{Cc}\t\n\r]/gu, '\ufffd');
  const more =
    source.length > shown.length ? `\n… ${source.length - shown.length} more bytes are kept in the journal.` : '';
  const notice = `This letter ${UNREADABLE} (${reason}). Its raw source is kept; here it is as it came.`;
  return { text: `${notice}\n\n${text}${more}`, html: null, blockedImages: 0, unreadable: reason };
}
