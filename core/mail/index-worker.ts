import fs from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { BlobLocation } from '../db/blob-store.js';
import type { IndexTask } from '../db/index-repo.js';
import { Journal } from '../db/journal.js';
import { serveTasks } from '../util/worker-task.js';
import { adoptWriteGate, WriteGate } from '../util/write-gate.js';
import { parseMessage } from './parse.js';
import type { ParsedMessage } from './types.js';

/** A group of letters to index; the worker parses them and commits the results through its own connection. */
export interface IndexJob {
  dbFile: string;
  tasks: IndexTask[];
}

/** Sources above this are parsed as a stream from the pack instead of being read whole. */
const STREAM_ABOVE = 32 * 1024 * 1024;
const fds = new Map<string, number>();
let journal: Journal | null = null;

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

export function parseTask(task: IndexTask): Promise<ParsedMessage> {
  const loc = task.location;
  const source =
    loc.length > STREAM_ABOVE
      ? fs.createReadStream(loc.file, { start: loc.offset, end: loc.offset + loc.length - 1 })
      : readBlob(loc);
  return parseMessage(source, { internalDate: task.date });
}

// Index commits give way to the thread listing letters (see util/write-gate.ts).
const shared = (workerData as { gate?: SharedArrayBuffer } | null)?.gate;
if (shared) adoptWriteGate(new WriteGate(shared), false);

// Committing here, not on the thread that talks to the server, puts full-text indexing on this core too.
serveTasks<IndexJob, { indexed: number }>(async (job, settle) => {
  if (!journal || journal.file !== job.dbFile) {
    journal?.close();
    journal = Journal.open(job.dbFile);
  }
  const results: Array<{ task: IndexTask; parsed: ParsedMessage }> = [];
  for (const task of job.tasks) results.push({ task, parsed: await parseTask(task) });
  // The commit takes the write gate shared with other threads: it must never be cut off by the parse deadline.
  settle();
  journal.index.commit(results);
  return { result: { indexed: results.length } };
});
