import { simpleParser } from 'mailparser';
import { htmlToSearchText } from './html-text.js';
import { sanitizeHtml } from './sanitize-html.js';

export interface DisplayMessage {
  /** The plain text: the text part, else the words of the HTML part. */
  text: string;
  /** The HTML body reduced to the sanitizer's allow-list, or null when the letter has no HTML part. */
  html: string | null;
  /** Remote images left out of `html`; ask again with `remoteImages` to have them. */
  blockedImages: number;
}

/**
 * What the reading pane shows of a raw source. Reading happens on demand, one letter at a time, so it uses
 * mailparser's simpleParser, which puts inline (cid:) images into the HTML as data: URLs; the sync path keeps its
 * own faster walker.
 */
export async function readMessageForDisplay(
  source: Buffer,
  options: { remoteImages?: boolean } = {},
): Promise<DisplayMessage> {
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
  return { text, html: sanitized?.html ?? null, blockedImages: sanitized?.blockedImages ?? 0 };
}
