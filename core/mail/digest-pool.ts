import { WorkerPool } from '../util/worker-pool.js';
import type { DigestedMessage, DigestInput } from './digest.js';

const entry = new URL(import.meta.url.endsWith('.ts') ? './digest-worker.ts' : './digest-worker.js', import.meta.url);

/** Parsing and compressing run on every core but the one fetching and writing. */
export function createDigestPool(size?: number): WorkerPool<DigestInput, DigestedMessage> {
  return new WorkerPool<DigestInput, DigestedMessage>(entry, size);
}
