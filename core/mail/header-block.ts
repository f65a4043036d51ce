import crypto from 'node:crypto';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';
import { cleanAddressList } from './addresses.js';
import { normalizeMessageId, parseIdList } from './message-identity.js';
import type { Address, ParsedMessage } from './types.js';

/** What a letter needs to be listed: its top-level header, read without touching the body. */
export type ListingHeaders = Pick<
  ParsedMessage,
  'messageId' | 'inReplyTo' | 'references' | 'subject' | 'date' | 'from' | 'to' | 'cc' | 'bcc' | 'replyTo'
> & {
  /** A multipart/mixed letter almost always carries files; the indexer settles it exactly. */
  likelyAttachments: boolean;
  /** The journal's identity of the letter; see `messageKey`. */
  key: string;
};

const MAX_HEADER = 256 * 1024;

function headerEnd(source: Buffer): number {
  const limit = Math.min(source.length, MAX_HEADER);
  const crlf = source.indexOf('\r\n\r\n');
  const lf = source.indexOf('\n\n');
  const candidates = [crlf >= 0 && crlf < limit ? crlf : -1, lf >= 0 && lf < limit ? lf : -1].filter((i) => i >= 0);
  return candidates.length ? Math.min(...candidates) : limit;
}

/** Header text: UTF-8 when the bytes are valid UTF-8 (RFC 6532), else Latin-1 so no byte is lost. */
function decodeHeaderBytes(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return utf8.includes('\ufffd') ? bytes.toString('latin1') : utf8;
}

/** Unfolded header fields by lower-case name, in order. */
export function headerFields(source: Buffer): Map<string, string[]> {
  const text = decodeHeaderBytes(source.subarray(0, headerEnd(source)));
  const fields = new Map<string, string[]>();
  let name = '';
  let value = '';
  const push = () => {
    if (!name) return;
    const list = fields.get(name);
    if (list) list.push(value.trim());
    else fields.set(name, [value.trim()]);
  };
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name) {
      value += ` ${line.trim()}`;
      continue;
    }
    push();
    const colon = line.indexOf(':');
    if (colon <= 0) {
      name = '';
      continue;
    }
    name = line.slice(0, colon).trim().toLowerCase();
    value = line.slice(colon + 1);
  }
  push();
  return fields;
}

function decodeWords(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    return value;
  }
}

function addresses(value: string | undefined): Address[] {
  if (!value) return [];
  const parsed = addressparser(value, { flatten: true }) as Array<{ name?: string; address?: string }>;
  return cleanAddressList(parsed.map((a) => ({ name: decodeWords(a.name ?? ''), address: a.address ?? '' })));
}

/**
 * Reads the top-level header of a raw message: enough to list it (title, people, date, direction, thread ids).
 * The body is parsed later by the indexer, off the path between the server and the list.
 */
export function readListingHeaders(source: Buffer, internalDate?: string): ListingHeaders {
  const fields = headerFields(source);
  const first = (name: string) => fields.get(name)?.[0];
  const date = parseDate(first('date')) ?? internalDate ?? new Date(0).toISOString();
  const headers = {
    messageId: normalizeMessageId(first('message-id')),
    inReplyTo: parseIdList(first('in-reply-to'))[0] ?? null,
    references: parseIdList(fields.get('references')?.join(' ')),
    subject: decodeWords(first('subject') ?? '')
      .replace(/\s+/g, ' ')
      .trim(),
    date,
    from: addresses(first('from'))[0] ?? null,
    to: addresses(fields.get('to')?.join(', ')),
    cc: addresses(fields.get('cc')?.join(', ')),
    bcc: addresses(fields.get('bcc')?.join(', ')),
    replyTo: addresses(first('reply-to')),
    likelyAttachments: /^\s*multipart\/mixed/i.test(first('content-type') ?? ''),
  };
  return { ...headers, key: messageKey(headers, source) };
}

function parseDate(value: string | undefined): string | null {
  if (!value) return null;
  const time = Date.parse(value.replace(/\([^)]*\)/g, '').trim());
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}

/**
 * The journal's identity of a letter. Copies of one letter in several folders (Sent and INBOX for a letter to
 * oneself) share their Message-ID. A letter without one is known by what no copy changes: its date, sender,
 * recipients, subject and the start of its body, never by transport headers such as Received.
 */
export function messageKey(
  h: Pick<ListingHeaders, 'messageId' | 'date' | 'from' | 'to' | 'subject'>,
  source: Buffer,
): string {
  if (h.messageId) return `mid:${h.messageId}`;
  const body = source.subarray(headerEnd(source), headerEnd(source) + 65536);
  const hash = crypto.createHash('sha256');
  hash.update(`${h.date}\n${h.from?.address ?? ''}\n${h.to.map((a) => a.address).join(',')}\n${h.subject}\n`);
  hash.update(body);
  return `syn:${hash.digest('hex')}`;
}
