// The MIME encodings the generated mail uses, working on Buffers so that hundreds of megabytes stay cheap.

export type Charset = 'utf-8' | 'koi8-r' | 'windows-1251';

const CRLF = Buffer.from('\r\n');

/** Characters the single-byte charsets lack, replaced the way Russian mailers of that era did. */
const FALLBACK: Record<string, string> = { '№': 'N', '«': '"', '»': '"', '—': '-', '–': '-', '…': '...' };

/** Reverse tables built from the platform's decoders, so no hand-typed KOI8-R table can be wrong. */
const singleByteTables = new Map<Charset, Uint8Array>();

function singleByteTable(charset: Charset): Uint8Array {
  let table = singleByteTables.get(charset);
  if (!table) {
    table = new Uint8Array(0x10000);
    const decoder = new TextDecoder(charset);
    for (let byte = 0x80; byte <= 0xff; byte++) {
      const char = decoder.decode(Uint8Array.of(byte));
      if (char.length === 1 && char !== '\ufffd') table[char.charCodeAt(0)] = byte;
    }
    singleByteTables.set(charset, table);
  }
  return table;
}

export function encodeText(text: string, charset: Charset): Buffer {
  if (charset === 'utf-8') return Buffer.from(text, 'utf8');
  const table = singleByteTable(charset);
  const out = Buffer.allocUnsafe(text.length * 3);
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) {
      out[at++] = code;
      continue;
    }
    const byte = table[code] ?? 0;
    if (byte !== 0) {
      out[at++] = byte;
      continue;
    }
    const fallback = FALLBACK[text.charAt(i)] ?? '?';
    at += out.write(fallback, at, 'latin1');
  }
  return out.subarray(0, at);
}

const BASE64_LINE = 76;
const BASE64_CHUNK = 57 * 1024; // 57 input bytes make exactly one 76-character line

/** Base64 in 76-character CRLF lines, encoded chunk by chunk so no multi-megabyte string is ever built. */
export function base64Lines(data: Buffer): Buffer {
  const encodedLength = Math.ceil(data.length / 3) * 4;
  const lines = Math.ceil(encodedLength / BASE64_LINE);
  const out = Buffer.allocUnsafe(encodedLength + lines * 2);
  let at = 0;
  for (let offset = 0; offset < data.length; offset += BASE64_CHUNK) {
    const encoded = Buffer.from(data.subarray(offset, offset + BASE64_CHUNK).toString('base64'), 'latin1');
    for (let line = 0; line < encoded.length; line += BASE64_LINE) {
      at += encoded.copy(out, at, line, Math.min(line + BASE64_LINE, encoded.length));
      out[at++] = 0x0d;
      out[at++] = 0x0a;
    }
  }
  return out.subarray(0, at);
}

const HEX = Buffer.from('0123456789ABCDEF');
const QP_MAX = 76;

/** Quoted-printable (RFC 2045 6.7): CRLF in the input are hard line breaks, long lines get soft breaks. */
export function quotedPrintable(data: Buffer): Buffer {
  const out = Buffer.allocUnsafe(data.length * 3 + Math.ceil(data.length / 24) * 3 + 2);
  let at = 0;
  let column = 0;
  const softBreak = () => {
    out[at++] = 0x3d;
    out[at++] = 0x0d;
    out[at++] = 0x0a;
    column = 0;
  };
  for (let i = 0; i < data.length; i++) {
    const byte = data[i] as number;
    if (byte === 0x0d && data[i + 1] === 0x0a) {
      out[at++] = 0x0d;
      out[at++] = 0x0a;
      column = 0;
      i++;
      continue;
    }
    const atLineEnd = i + 1 === data.length || (data[i + 1] === 0x0d && data[i + 2] === 0x0a);
    const whitespace = byte === 0x20 || byte === 0x09;
    const literal = (byte >= 0x21 && byte <= 0x7e && byte !== 0x3d) || (whitespace && !atLineEnd);
    const width = literal ? 1 : 3;
    // keep room for the '=' of a soft break unless this is the line's last character
    if (column + width > (atLineEnd ? QP_MAX : QP_MAX - 1)) softBreak();
    if (literal) {
      out[at++] = byte;
    } else {
      out[at++] = 0x3d;
      out[at++] = HEX[byte >> 4] as number;
      out[at++] = HEX[byte & 0x0f] as number;
    }
    column += width;
  }
  return out.subarray(0, at);
}

export function isAscii(text: string): boolean {
  return /^[\x20-\x7e]*$/.test(text);
}

const WORD_MAX = 75;

/** RFC 2047 B words, split at character boundaries so none exceeds 75 characters; folded with CRLF SP. */
export function encodedWordB(text: string, charset: Charset = 'utf-8'): string {
  const prefix = `=?${charset.toUpperCase()}?B?`;
  const maxBytes = Math.floor((WORD_MAX - prefix.length - 2) / 4) * 3;
  const words: string[] = [];
  let chunk = '';
  let chunkBytes = 0;
  for (const char of text) {
    const bytes = encodeText(char, charset).length;
    if (chunkBytes + bytes > maxBytes) {
      words.push(`${prefix}${encodeText(chunk, charset).toString('base64')}?=`);
      chunk = '';
      chunkBytes = 0;
    }
    chunk += char;
    chunkBytes += bytes;
  }
  if (chunk !== '') words.push(`${prefix}${encodeText(chunk, charset).toString('base64')}?=`);
  return words.join('\r\n ');
}

/** RFC 2047 Q words: space as '_', everything outside a safe set as =XX. */
export function encodedWordQ(text: string, charset: Charset): string {
  const prefix = `=?${charset}?Q?`;
  const room = WORD_MAX - prefix.length - 2;
  const words: string[] = [];
  let word = '';
  for (const byte of encodeText(text, charset)) {
    const safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
    const token = byte === 0x20 ? '_' : safe ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase()}`;
    if (word.length + token.length > room) {
      words.push(`${prefix}${word}?=`);
      word = '';
    }
    word += token;
  }
  if (word !== '') words.push(`${prefix}${word}?=`);
  return words.join('\r\n ');
}

const ATTR_CHAR = /[A-Za-z0-9!#$&+\-.^_`|~]/;
const PARAM_LINE = 60;

/** RFC 2231 parameter, continued in numbered sections (name*0*=, name*1*=) when it would make a long line. */
export function rfc2231Parameter(name: string, value: string): string {
  const escaped = [...Buffer.from(value, 'utf8')].map((byte) => {
    const char = String.fromCharCode(byte);
    return byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  });
  const full = `UTF-8''${escaped.join('')}`;
  if (full.length <= PARAM_LINE) return `${name}*=${full}`;
  const sections: string[] = [];
  let section = "UTF-8''";
  for (const token of escaped) {
    if (section.length + token.length > PARAM_LINE) {
      sections.push(section);
      section = '';
    }
    section += token;
  }
  sections.push(section);
  return sections.map((part, index) => `${name}*${index}*=${part}`).join(';\r\n ');
}

/** Collects a message as Buffers and joins them once. */
export class MessageBuffer {
  private readonly parts: Buffer[] = [];
  private length = 0;

  /** Appends ASCII text (headers, boundaries, encoded bodies). */
  text(value: string): this {
    return this.bytes(Buffer.from(value, 'latin1'));
  }

  line(value = ''): this {
    return this.text(value).bytes(CRLF);
  }

  bytes(value: Buffer): this {
    this.parts.push(value);
    this.length += value.length;
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }
}
