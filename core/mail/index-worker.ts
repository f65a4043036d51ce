import fs from 'node:fs';
import type { BlobLocation } from '../db/blob-store.js';
import { serveTasks } from '../util/worker-task.js';
import { parseMessage } from './parse.js';
import type { ParsedMessage } from './types.js';

export interface IndexInput extends BlobLocation {
  internalDate?: string;
}

/** Sources above this are parsed as a stream from the pack instead of being read whole. */
const STREAM_ABOVE = 16 * 1024 * 1024;
const fds = new Map<string, number>();

function readBlob(loc: BlobLocation): Buffer {
  let fd = fds.get(loc.file);
  if (fd === undefined) {
    fd = fs.openSync(loc.file, 'r');
    fds.set(loc.file, fd);
  }
  const out = Buffer.allocUnsafe(loc.length);
  let done = 0;
  while (done < loc.length) {
    const n = fs.readSync(fd, out, done, loc.length - done, loc.offset + done);
    if (n === 0) throw new Error(`the source in ${loc.file} is cut short`);
    done += n;
  }
  return out;
}

serveTasks<IndexInput, ParsedMessage>(async (input) => {
  const hints = input.internalDate ? { internalDate: input.internalDate } : {};
  const source =
    input.length > STREAM_ABOVE
      ? fs.createReadStream(input.file, { start: input.offset, end: input.offset + input.length - 1 })
      : readBlob(input);
  return { result: await parseMessage(source, hints) };
});
