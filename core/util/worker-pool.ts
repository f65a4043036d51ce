import os from 'node:os';
import type { TransferListItem, Worker } from 'node:worker_threads';
import { spawnWorker } from './spawn-worker.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  busy: number;
}

/**
 * A fixed set of worker threads taking tasks round the least busy one. Workers answer `{ id, result }` or
 * `{ id, error }`; a worker that dies fails its tasks instead of hanging them.
 */
export class WorkerPool<In, Out> {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending & { slot: Slot }>();
  private nextId = 1;
  private closed = false;

  constructor(entry: URL, size = Math.max(1, os.availableParallelism())) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn(entry));
  }

  private spawn(entry: URL): Slot {
    const worker = spawnWorker(entry);
    const slot: Slot = { worker, busy: 0 };
    worker.unref();
    worker.on('message', (msg: { id: number; result?: unknown; error?: string }) => {
      const task = this.pending.get(msg.id);
      if (!task) return;
      this.pending.delete(msg.id);
      slot.busy--;
      if (msg.error !== undefined) task.reject(new Error(msg.error));
      else task.resolve(msg.result);
    });
    const failAll = (error: Error) => {
      for (const [id, task] of this.pending) {
        if (task.slot !== slot) continue;
        this.pending.delete(id);
        task.reject(error);
      }
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`worker exited with code ${code}`));
    });
    return slot;
  }

  run(input: In, transfer: TransferListItem[] = []): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<Out>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, slot });
      slot.worker.ref();
      slot.worker.postMessage({ id, input }, transfer);
    }).finally(() => {
      if (slot.busy === 0) slot.worker.unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
