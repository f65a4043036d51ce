import { siblingModule } from '../util/spawn-worker.js';
import { WorkerPool } from '../util/worker-pool.js';
import type { DigestedMessage, DigestInput } from './digest.js';

const entry = siblingModule(import.meta.url, 'digest-worker');

/** Parsing and compressing run on every core but the one fetching and writing. */
export function createDigestPool(size?: number): WorkerPool<DigestInput, DigestedMessage> {
  return new WorkerPool<DigestInput, DigestedMessage>(entry, size);
}
