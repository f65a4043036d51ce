import { siblingModule } from '../util/spawn-worker.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { IndexInput } from './index-worker.js';
import type { ParsedMessage } from './types.js';

export type IndexPool = WorkerPool<IndexInput, ParsedMessage>;

const entry = siblingModule(import.meta.url, 'index-worker');

/** Bodies are parsed on every core; the thread that talks to the server only reads headers. */
export function createIndexPool(size?: number): IndexPool {
  return new WorkerPool<IndexInput, ParsedMessage>(entry, size);
}
