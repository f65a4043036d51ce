import { Readable } from 'node:stream';
import { type AddressObject, type AttachmentStream, MailParser, type MessageText, simpleParser } from 'mailparser';
import { cleanAddressList } from './addresses.js';
import { htmlToSearchText } from './html-text.js';
import { normalizeMessageId, parseIdList } from './message-identity.js';
import { findPartContent, MAX_TEXT, walkMessage } from './mime-walk.js';
import { type Address, type AttachmentInfo, emptyParsedMessage, type ParsedMessage } from './types.js';

export interface ParseHints {
  /** The server's INTERNALDATE, used when the Date header is missing or unreadable. */
  internalDate?: string;
}

/**
 * Reads a message's headers, text and attachment metadata. A message in memory goes through the fast walker;
 * a stream, or anything the walker declines, through mailparser, which hashes attachments as they pass and never
 * holds them whole. Broken input never throws; what could not be read is reported in `parseError`.
 */
export async function parseMessage(source: Buffer | Readable, hints: ParseHints = {}): Promise<ParsedMessage> {
  if (Buffer.isBuffer(source)) {
    try {
      return walkMessage(source, hints.internalDate);
    } catch {
      // Unusual structure or charset: the general parser below reads it.
    }
  }
  return parseWithMailparser(source, hints);
}

/** The general parser, exported so tests can hold the fast walker to its results. */
export async function parseWithMailparser(source: Buffer | Readable, hints: ParseHints = {}): Promise<ParsedMessage> {
  const result = emptyParsedMessage(hints.internalDate ?? new Date().toISOString());
  let html = '';
  const parser = new MailParser({
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    checksumAlgo: 'sha256',
  });
  let attachmentNo = 0;
  const done = new Promise<void>((resolve) => {
    parser.on('headers', (headers) => applyHeaders(result, headers, hints));
    parser.on('data', (data: AttachmentStream | MessageText) => {
      if (data.type === 'text') {
        result.text = (data.text ?? '').slice(0, MAX_TEXT);
        if (typeof data.html === 'string') {
          result.hasHtml = true;
          html = data.html;
        }
        return;
      }
      attachmentNo++;
      const attachment = data;
      let size = 0;
      attachment.content.on('data', (chunk: Buffer) => {
        size += chunk.length;
      });
      attachment.content.on('end', () => {
        const info: AttachmentInfo = {
          part: attachment.partId ?? String(attachmentNo),
          name: attachment.filename ?? '',
          contentType: attachment.contentType || 'application/octet-stream',
          size: attachment.size || size,
          sha256: attachment.checksum ?? '',
          inline: attachment.contentDisposition === 'inline' || Boolean(attachment.related),
        };
        result.attachments.push(info);
        attachment.release?.();
      });
    });
    parser.on('end', () => resolve());
    parser.on('error', (error: Error) => {
      result.parseError = error.message || String(error);
      resolve();
    });
  });
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  input.on('error', (error: Error) => parser.destroy(error));
  input.pipe(parser);
  await done;
  if (!result.text && html) result.text = htmlToSearchText(html).slice(0, MAX_TEXT);
  return result;
}

/**
 * The content of an attachment recorded at indexing by its sha256: looked up with the parser that recorded it (the
 * walker, else mailparser), so the bytes saved are the bytes that were hashed. Null when neither finds it.
 */
export async function extractAttachment(source: Buffer, sha256: string): Promise<Buffer | null> {
  const fast = findPartContent(source, sha256);
  if (fast) return fast;
  const parsed = await simpleParser(source, {
    skipHtmlToText: true,
    skipTextToHtml: true,
    skipTextLinks: true,
    skipImageLinks: true,
    checksumAlgo: 'sha256',
  });
  return parsed.attachments.find((a) => a.checksum === sha256)?.content ?? null;
}

type HeaderValue = string | string[] | Date | AddressObject | AddressObject[] | { value: string } | undefined;

function applyHeaders(result: ParsedMessage, headers: Map<string, unknown>, hints: ParseHints): void {
  const get = (key: string) => headers.get(key) as HeaderValue;
  const subject = get('subject');
  if (typeof subject === 'string') result.subject = subject.replace(/\s+/g, ' ').trim();
  const date = get('date');
  if (date instanceof Date && !Number.isNaN(date.getTime())) result.date = date.toISOString();
  else if (hints.internalDate) result.date = hints.internalDate;
  const messageId = get('message-id');
  result.messageId = normalizeMessageId(typeof messageId === 'string' ? messageId : null);
  const inReplyTo = get('in-reply-to');
  result.inReplyTo = parseIdList(typeof inReplyTo === 'string' ? inReplyTo : null)[0] ?? null;
  const references = get('references');
  result.references = parseIdList(
    typeof references === 'string' || Array.isArray(references) ? (references as string | string[]) : null,
  );
  result.from = addresses(get('from'))[0] ?? null;
  result.to = addresses(get('to'));
  result.cc = addresses(get('cc'));
  result.bcc = addresses(get('bcc'));
  result.replyTo = addresses(get('reply-to'));
}

function addresses(value: HeaderValue): Address[] {
  if (!value || typeof value === 'string' || value instanceof Date || Array.isArray(value) === false) {
    const single = value as AddressObject | undefined;
    return single && typeof single === 'object' && 'value' in single && Array.isArray(single.value)
      ? flatten(single.value)
      : [];
  }
  return (value as AddressObject[]).flatMap((v) => flatten(v.value));
}

function flatten(list: AddressObject['value']): Address[] {
  // Groups ("undisclosed-recipients: a@b, c@d;") nest their members; the journal wants the people.
  return cleanAddressList(list.flatMap((entry) => (entry.group ? entry.group : [entry])));
}
