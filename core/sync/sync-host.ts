import { type ErrorKind, InterlogError } from '../errors.js';
import type { SendEvent } from '../send/outbox-sender.js';
import { siblingModule, spawnWorker } from '../util/spawn-worker.js';
import type { SyncRequest } from './engine.js';
import type { SyncEvent } from './imap/account-sync.js';
import type { SyncAccountResult } from './progress.js';

export type HostMessage = { type: 'stop' };
export type WorkerMessage =
  | { type: 'event'; event: SyncEvent | SendEvent }
  | { type: 'done'; results: SyncAccountResult[] }
  | { type: 'failed'; kind: ErrorKind; message: string };

export interface SyncHandle {
  result: Promise<SyncAccountResult[]>;
  stop(): void;
}

const entry = siblingModule(import.meta.url, 'sync-worker');

/**
 * Starts a sync in a worker thread: better-sqlite3 and message digests are synchronous work that must never
 * block the thread that draws the UI or answers the user. Events arrive on `onEvent`.
 */
export function startSyncWorker(request: SyncRequest, onEvent: (event: SyncEvent | SendEvent) => void): SyncHandle {
  // A small young generation: the fetched sources are short-lived and should not accumulate between collections.
  const worker = spawnWorker(entry, { workerData: request, resourceLimits: { maxYoungGenerationSizeMb: 8 } });
  let settled = false;
  const result = new Promise<SyncAccountResult[]>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.type === 'event') onEvent(message.event);
      else if (message.type === 'done') {
        settled = true;
        resolve(message.results);
      } else {
        settled = true;
        reject(new InterlogError(message.kind, message.message));
      }
    });
    worker.on('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`the sync worker stopped unexpectedly (exit code ${code})`));
    });
  });
  return {
    result,
    stop: () => worker.postMessage({ type: 'stop' } satisfies HostMessage),
  };
}
