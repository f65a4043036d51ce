/**
 * Quoted-printable (RFC 2045 §6.7) decoded straight from the bytes of a part into bytes, in one pass. libqp, the
 * parser's decoder, turns the part into a string, runs two regular expressions over it and walks it twice; on a
 * mailbox of text letters that was the largest single cost of indexing. Lenient as mail readers are: an "=" that
 * starts no valid escape is kept as it is, and raw 8-bit bytes pass through.
 */
export function decodeQuotedPrintable(input: Uint8Array): Buffer {
  const len = input.length;
  // Decoding never makes a part longer.
  const out = Buffer.allocUnsafe(len);
  let o = 0;
  let i = 0;
  while (i < len) {
    const c = input[i] as number;
    if (c === SPACE || c === TAB) {
      // Whitespace at the end of a line was added in transport (§6.7 rule 3) and is dropped.
      let j = i + 1;
      while (j < len && (input[j] === SPACE || input[j] === TAB)) j++;
      if (j === len || input[j] === CR || input[j] === LF) {
        i = j;
        continue;
      }
      while (i < j) out[o++] = input[i++] as number;
      continue;
    }
    if (c === EQUALS) {
      const hi = i + 2 < len ? hexValue(input[i + 1] as number) : -1;
      const lo = hi >= 0 ? hexValue(input[i + 2] as number) : -1;
      if (lo >= 0) {
        out[o++] = hi * 16 + lo;
        i += 3;
        continue;
      }
      // A soft line break: "=" then (after transport whitespace) the end of the line or of the part.
      let j = i + 1;
      while (j < len && (input[j] === SPACE || input[j] === TAB)) j++;
      if (j === len) break;
      if (input[j] === LF) {
        i = j + 1;
        continue;
      }
      if (input[j] === CR && input[j + 1] === LF) {
        i = j + 2;
        continue;
      }
    }
    out[o++] = c;
    i++;
  }
  return out.subarray(0, o);
}

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const LF = 0x0a;
const EQUALS = 0x3d;

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}
