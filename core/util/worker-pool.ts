import os from 'node:os';
import type { ResourceLimits, TransferListItem, Worker } from 'node:worker_threads';
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

  /**
   * @param limits heap limits per worker: a small young generation makes the many short-lived buffers of mail
   * parsing die young instead of piling up, and the old-generation cap turns a pathological letter into one
   * failed task (the worker is replaced) instead of a process out of memory.
   */
  constructor(
    private readonly entry: URL,
    size = Math.max(1, os.availableParallelism()),
    private readonly limits: ResourceLimits = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 256 },
    private readonly workerData?: unknown,
  ) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  private spawn(): Slot {
    const worker = spawnWorker(this.entry, { resourceLimits: this.limits, workerData: this.workerData });
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
      if (this.closed) return;
      failAll(new Error(`worker exited with code ${code}`));
      // A worker killed by one bad task is replaced; the tasks it held were failed above, not lost silently.
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots[index] = this.spawn();
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
