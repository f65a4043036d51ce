import { parentPort, workerData } from 'node:worker_threads';
import { InterlogError } from '../errors.js';
import { runSync, type SyncRequest } from './engine.js';
import type { HostMessage, WorkerMessage } from './sync-host.js';

const port = parentPort;
if (!port) throw new Error('sync-worker must run in a worker thread');
const controller = new AbortController();
const post = (message: WorkerMessage) => port.postMessage(message);

port.on('message', (message: HostMessage) => {
  if (message.type === 'stop') controller.abort(new Error('stopped'));
});

runSync(workerData as SyncRequest, (event) => post({ type: 'event', event }), controller.signal)
  .then((results) => post({ type: 'done', results }))
  .catch((error: unknown) => {
    const kind = error instanceof InterlogError ? error.kind : 'protocol';
    const text = error instanceof Error ? error.message : String(error);
    post({ type: 'failed', kind, message: controller.signal.aborted ? 'stopped' : text });
  })
  .finally(() => port.close());
