import { siblingModule } from '../util/spawn-worker.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { WriteGate } from '../util/write-gate.js';
import type { IndexJob } from './index-worker.js';

export type IndexPool = WorkerPool<IndexJob, { indexed: number }>;

const entry = siblingModule(import.meta.url, 'index-worker-entry');

/** Bodies are parsed and indexed on every core; the thread that talks to the server only reads headers. */
export function createIndexPool(size?: number, gate?: WriteGate): IndexPool {
  return new WorkerPool<IndexJob, { indexed: number }>(entry, size, undefined, { gate: gate?.buffer });
}
