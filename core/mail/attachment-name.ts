import fs from 'node:fs';
import path from 'node:path';
import { INVISIBLE } from './visible-text.js';

/**
 * The longest name we write, in UTF-8 bytes. Most file systems allow 255 bytes (ext4, APFS) or 255 UTF-16 units
 * (NTFS); staying well under leaves room for the " (12)" that `uniqueName` adds and for other tools' suffixes.
 */
export const MAX_NAME_BYTES = 200;

/** An extension longer than this is not one a program would dispatch on; it is cut like the rest of the name. */
const MAX_EXTENSION = 16;

/** Path separators and what Windows refuses in a name (":" also opens an NTFS alternate data stream). */
const FORBIDDEN = /[<>:"/\\|?*]/g;
/** DOS device names: a file called "CON.txt" or "com1.tar.gz" opens the device on Windows, whatever follows. */
const RESERVED = /^(con|prn|aux|nul|clock\$|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])$/i;

const EXTENSIONS: Record<string, string> = {
  'application/pdf': '.pdf',
  'application/zip': '.zip',
  'application/gzip': '.gz',
  'application/json': '.json',
  'application/xml': '.xml',
  'application/msword': '.doc',
  'application/vnd.ms-excel': '.xls',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': '.docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': '.xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': '.pptx',
  'application/vnd.oasis.opendocument.text': '.odt',
  'application/vnd.oasis.opendocument.spreadsheet': '.ods',
  'application/octet-stream': '.bin',
  'message/rfc822': '.eml',
  'message/delivery-status': '.txt',
  'text/plain': '.txt',
  'text/html': '.html',
  'text/csv': '.csv',
  'text/calendar': '.ics',
  'text/xml': '.xml',
  'text/vcard': '.vcf',
  'text/x-vcard': '.vcf',
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/gif': '.gif',
  'image/webp': '.webp',
  'image/bmp': '.bmp',
  'image/tiff': '.tif',
  'image/svg+xml': '.svg',
  'audio/mpeg': '.mp3',
  'audio/ogg': '.ogg',
  'video/mp4': '.mp4',
};

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The name split at its last dot, when what follows looks like an extension a program would act on. */
function splitExtension(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0) return { stem: name, ext: '' };
  const ext = name.slice(dot);
  if (ext.length > MAX_EXTENSION + 1 || /\s/.test(ext)) return { stem: name, ext: '' };
  return { stem: name.slice(0, dot), ext };
}

/** Cuts whole code points off the end until the text fits in `max` UTF-8 bytes (never half a surrogate pair). */
function cutToBytes(text: string, max: number): string {
  if (bytes(text) <= max) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = bytes(ch);
    if (used + n > max) break;
    out += ch;
    used += n;
  }
  return out;
}

/** Windows drops trailing dots and spaces (so "a.exe." runs as "a.exe"); leading dots hide a file on Unix. */
const trimEnds = (s: string) => s.replace(/^[\s.]+|[\s.]+$/g, '');

function guard(name: string): string {
  const { stem } = splitExtension(name);
  // "CON.txt", "con .tar.gz", "LPT1": Windows matches the part before the first dot, ignoring trailing spaces.
  const device = (stem.split('.')[0] ?? '').trimEnd();
  return RESERVED.test(device) ? `_${name}` : name;
}

function shorten(name: string, max: number): string {
  const { stem, ext } = splitExtension(name);
  if (bytes(name) <= max) return name;
  if (ext && bytes(ext) < max / 2) return `${trimEnds(cutToBytes(stem, max - bytes(ext)))}${ext}`;
  return trimEnds(cutToBytes(name, max));
}

/** The extension a file of this type usually has, with its dot, or '' when the type is unknown. */
export function extensionFor(contentType: string): string {
  return EXTENSIONS[contentType.split(';')[0]?.trim().toLowerCase() ?? ''] ?? '';
}

/**
 * A name an attachment can be saved under, whatever the letter claimed: one path component (no directory, no
 * "..", no drive), nothing invisible or reordering, no Windows device name, at most MAX_NAME_BYTES, never empty.
 * The extension is kept when the name has to be shortened, since it decides which program opens the file.
 * Applying it twice gives the same name.
 */
export function safeAttachmentName(name: string, contentType = 'application/octet-stream'): string {
  // Half a surrogate pair, or the replacement character a broken decoding left, is not part of any real name.
  let clean = name
    .replace(/[\p{Cs}\ufffd]/gu, '')
    .normalize('NFC')
    .replace(INVISIBLE, '');
  // Only the last component of a path counts: "../../etc/passwd" is "passwd", "C:\\Windows\\x.dll" is "x.dll".
  clean = clean.split(/[/\\]/).pop() ?? '';
  clean = clean.replace(FORBIDDEN, '_').replace(/\s+/g, ' ');
  clean = trimEnds(clean);
  // Cutting can leave a trailing dot or a device name ("CON.    x" → "CON."), so trim and guard after it too.
  clean = trimEnds(shorten(guard(clean), MAX_NAME_BYTES));
  clean = shorten(guard(clean), MAX_NAME_BYTES);
  if (!clean || !/[^\s._]/.test(clean)) clean = `attachment${extensionFor(contentType)}`;
  return clean;
}

/** The n-th variant of a name: "offer.pdf", "offer (2).pdf", "offer (3).pdf"…, still within MAX_NAME_BYTES. */
export function numberedName(name: string, n: number): string {
  if (n <= 1) return name;
  const suffix = ` (${n})`;
  const { stem, ext } = splitExtension(name);
  return `${cutToBytes(stem, MAX_NAME_BYTES - bytes(ext) - bytes(suffix))}${suffix}${ext}`;
}

/**
 * The first of `numberedName`'s variants not yet taken in `dir`. Between this check and the write another file
 * may appear, so a writer should create with the 'wx' flag and ask again on EEXIST (see `writeUniqueFile`).
 */
export function uniqueName(dir: string, name: string, taken = (file: string) => fs.existsSync(file)): string {
  for (let n = 1; ; n++) {
    const candidate = numberedName(name, n);
    if (!taken(path.join(dir, candidate))) return candidate;
  }
}

/** Writes `data` as a new file in `dir` under the first free variant of `name`; returns the path written. */
export function writeUniqueFile(dir: string, name: string, data: Uint8Array): string {
  for (let n = 1; ; n++) {
    const file = path.join(dir, numberedName(name, n));
    try {
      fs.writeFileSync(file, data, { flag: 'wx', mode: 0o644 });
      return file;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}
