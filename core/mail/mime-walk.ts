import crypto from 'node:crypto';
import iconv from 'iconv-lite';
import libmime from 'libmime';
import { headerFields, readListingHeaders } from './header-block.js';
import { htmlToSearchText } from './html-text.js';
import { decodeQuotedPrintable } from './quoted-printable.js';
import type { AttachmentInfo, ParsedMessage } from './types.js';

/** Search text beyond this is not indexed: a 5 MB log pasted into a letter would only bloat the index. */
export const MAX_TEXT = 256 * 1024;
const MAX_DEPTH = 32;
const MAX_PARTS = 2000;

/** Thrown for input this walker leaves to the general parser (mailparser): it is never a verdict on the mail. */
export class Unsupported extends Error {}

interface Leaf {
  part: string;
  type: string;
  params: Record<string, string>;
  disposition: string;
  dispositionParams: Record<string, string>;
  encoding: string;
  contentId: string | null;
  inRelated: boolean;
  body: Buffer;
}

/**
 * A fast reader of a whole message held in memory: finds MIME parts by boundary with native searches, decodes
 * only the text parts to characters, and hashes attachments without copying them around. It covers the
 * structures real mail uses; anything else (unknown charsets, broken boundaries) raises Unsupported and the
 * caller falls back to mailparser, which is slower but reads almost anything.
 */
export function walkMessage(source: Buffer, internalDate?: string): ParsedMessage {
  const headers = readListingHeaders(source, internalDate);
  const leaves: Leaf[] = [];
  walk(source, '', 0, false, leaves);
  const texts: string[] = [];
  const htmls: string[] = [];
  const attachments: AttachmentInfo[] = [];
  let textLength = 0;
  for (const leaf of leaves) {
    const isBodyText =
      (leaf.type === 'text/plain' || leaf.type === 'text/html' || leaf.type === 'message/delivery-status') &&
      leaf.disposition !== 'attachment';
    const content = decodeTransfer(leaf.body, leaf.encoding);
    if (isBodyText) {
      if (textLength > MAX_TEXT) continue;
      const text = decodeCharset(content, leaf.params.charset);
      textLength += text.length;
      if (leaf.type === 'text/html') htmls.push(text);
      else texts.push(flowed(text, leaf.params));
      continue;
    }
    attachments.push({
      part: leaf.part || '1',
      name: attachmentName(leaf),
      contentType: leaf.type,
      size: content.length,
      sha256: crypto.createHash('sha256').update(content).digest('hex'),
      inline: leaf.disposition === 'inline' || (leaf.inRelated && leaf.contentId !== null),
    });
  }
  const text = texts.length ? texts.join('\n') : htmls.map(htmlToSearchText).join('\n');
  const { key: _key, likelyAttachments: _likely, ...top } = headers;
  return { ...top, text: text.slice(0, MAX_TEXT), hasHtml: htmls.length > 0, attachments, parseError: null };
}

/**
 * The decoded content of the part whose sha256 is `sha256`, found the way `walkMessage` found it when the letter
 * was indexed; null when this walker cannot read the structure or no part has that content.
 */
export function findPartContent(source: Buffer, sha256: string): Buffer | null {
  const leaves: Leaf[] = [];
  try {
    walk(source, '', 0, false, leaves);
  } catch {
    return null;
  }
  for (const leaf of leaves) {
    let content: Buffer;
    try {
      content = decodeTransfer(leaf.body, leaf.encoding);
    } catch {
      continue;
    }
    if (crypto.createHash('sha256').update(content).digest('hex') === sha256) return content;
  }
  return null;
}

function walk(entity: Buffer, part: string, depth: number, inRelated: boolean, out: Leaf[]): void {
  if (depth > MAX_DEPTH || out.length > MAX_PARTS) throw new Unsupported('too deeply nested');
  const split = splitEntity(entity);
  const fields = headerFields(split.header);
  const contentType = libmime.parseHeaderValue(fields.get('content-type')?.[0] ?? 'text/plain');
  const type = (contentType.value || 'text/plain').toLowerCase().trim();
  const params = lowerKeys(contentType.params);
  if (type.startsWith('multipart/')) {
    const boundary = params.boundary;
    if (!boundary) throw new Unsupported('multipart without a boundary');
    const children = splitMultipart(split.body, boundary);
    const related = inRelated || type === 'multipart/related';
    children.forEach((child, i) => {
      walk(child, part ? `${part}.${i + 1}` : String(i + 1), depth + 1, related, out);
    });
    return;
  }
  const disposition = libmime.parseHeaderValue(fields.get('content-disposition')?.[0] ?? '');
  const dispositionValue = (disposition.value || '').toLowerCase().trim();
  out.push({
    part,
    type,
    params,
    disposition: dispositionValue,
    dispositionParams: lowerKeys(disposition.params),
    encoding: (fields.get('content-transfer-encoding')?.[0] ?? '7bit').toLowerCase().trim(),
    contentId: fields.get('content-id')?.[0] ?? null,
    inRelated,
    body: split.body,
  });
}

function lowerKeys(params: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params ?? {})) out[k.toLowerCase()] = v;
  return out;
}

function splitEntity(entity: Buffer): { header: Buffer; body: Buffer } {
  if (entity[0] === 0x0a) return { header: entity.subarray(0, 0), body: entity.subarray(1) };
  if (entity[0] === 0x0d && entity[1] === 0x0a) return { header: entity.subarray(0, 0), body: entity.subarray(2) };
  const crlf = entity.indexOf('\r\n\r\n');
  const lf = entity.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return { header: entity, body: entity.subarray(entity.length) };
  if (crlf >= 0 && (lf < 0 || crlf <= lf))
    return { header: entity.subarray(0, crlf + 2), body: entity.subarray(crlf + 4) };
  return { header: entity.subarray(0, lf + 1), body: entity.subarray(lf + 2) };
}

/** The parts between `--boundary` delimiter lines (RFC 2046 5.1.1), preamble and epilogue dropped. */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let start = -1;
  let from = 0;
  for (;;) {
    const at = body.indexOf(delimiter, from);
    if (at < 0) break;
    from = at + delimiter.length;
    if (at > 0 && body[at - 1] !== 0x0a) continue;
    const closing = body[from] === 0x2d && body[from + 1] === 0x2d;
    let lineEnd = body.indexOf(0x0a, from);
    if (lineEnd < 0) lineEnd = body.length - 1;
    const rest = body
      .subarray(from + (closing ? 2 : 0), lineEnd)
      .toString('latin1')
      .trim();
    if (rest !== '') continue; // "--boundaryX" is another boundary that merely starts the same way
    if (start >= 0) {
      let end = at;
      if (body[end - 1] === 0x0a) end--;
      if (body[end - 1] === 0x0d) end--;
      parts.push(body.subarray(start, Math.max(start, end)));
    }
    if (closing) return parts;
    start = lineEnd + 1;
  }
  if (start < 0) throw new Unsupported('multipart boundary not found');
  // A missing closing delimiter: the last part runs to the end, as every mail client reads it.
  parts.push(body.subarray(start));
  return parts;
}

function decodeTransfer(body: Buffer, encoding: string): Buffer {
  if (encoding === 'base64') return Buffer.from(body.toString('latin1'), 'base64');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  if (encoding === '7bit' || encoding === '8bit' || encoding === 'binary' || encoding === '') return body;
  throw new Unsupported(`transfer encoding ${encoding}`);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeCharset(content: Buffer, charset: string | undefined): string {
  const declared = (charset ?? '').trim().toLowerCase();
  // 8-bit text that names no charset, or claims US-ASCII, is nowadays almost always UTF-8 sent by a careless
  // program; libmime would read it as windows-1252 and garble it. Only bytes that are not UTF-8 fall back.
  if (declared === '' || declared === 'us-ascii' || declared === 'ascii') {
    try {
      return strictUtf8.decode(content);
    } catch {
      return iconv.decode(content, 'windows-1252');
    }
  }
  const name = libmime.normalizeCharset(declared).toLowerCase();
  if (name === 'utf-8' || name === 'utf8') return content.toString('utf8');
  if (!iconv.encodingExists(name)) throw new Unsupported(`charset ${charset}`);
  return iconv.decode(content, name);
}

function flowed(text: string, params: Record<string, string>): string {
  if ((params.format ?? '').toLowerCase() !== 'flowed') return text;
  return libmime.decodeFlowed(text, (params.delsp ?? '').toLowerCase() === 'yes');
}

function attachmentName(leaf: Leaf): string {
  const raw = leaf.dispositionParams.filename ?? leaf.params.name ?? '';
  let name = raw;
  try {
    name = libmime.decodeWords(raw);
  } catch {
    // keep the undecoded name: better than none
  }
  return name.trim();
}
