import crypto from 'node:crypto';
import fs from 'node:fs';
import zlib from 'node:zlib';
import { parseMessage } from './parse.js';
import type { ParsedMessage } from './types.js';

/** A message ready to be written: parsed, hashed and, when it pays, compressed for the blob store. */
export interface DigestedMessage {
  parsed: ParsedMessage;
  sha256: string;
  size: number;
  codec: 'raw' | 'br';
  /** The bytes to store inline; absent when the source lives in a file (large messages). */
  stored?: Uint8Array;
}

export type DigestInput =
  | { kind: 'buffer'; data: Uint8Array; internalDate?: string }
  | { kind: 'file'; path: string; sha256: string; size: number; internalDate?: string };

/** Everything CPU-heavy a new message needs, in one place so it can run in a worker thread. */
export async function digestMessage(input: DigestInput): Promise<DigestedMessage> {
  const hints = input.internalDate ? { internalDate: input.internalDate } : {};
  if (input.kind === 'file') {
    const parsed = await parseMessage(fs.createReadStream(input.path), hints);
    return { parsed, sha256: input.sha256, size: input.size, codec: 'raw' };
  }
  const data = Buffer.from(input.data.buffer, input.data.byteOffset, input.data.byteLength);
  const sha256 = crypto.createHash('sha256').update(data).digest('hex');
  const parsed = await parseMessage(data, hints);
  // Quality 1 brotli compresses mail text well at several hundred MB/s; keep it only when it saves something.
  const compressed = zlib.brotliCompressSync(data, {
    params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length },
  });
  if (compressed.length < data.length * 0.9)
    return { parsed, sha256, size: data.length, codec: 'br', stored: compressed };
  return { parsed, sha256, size: data.length, codec: 'raw', stored: data };
}
