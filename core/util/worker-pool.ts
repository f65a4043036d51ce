import os from 'node:os';
import type { ResourceLimits, TransferListItem, Worker } from 'node:worker_threads';
import { spawnWorker } from './spawn-worker.js';

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  /** Armed while the task may still be cut off (see RunOptions.deadlineMs). */
  deadline?: ReturnType<typeof setTimeout>;
}

interface Slot {
  worker: Worker;
  busy: number;
  /** Why the pool ended this worker, for the tasks it held. */
  stopped?: string;
}

export interface RunOptions {
  /**
   * A task that neither answers nor settles (see serveTasks) within this time is failed and its worker replaced:
   * a letter that sends a parser into an endless loop costs one task, not a stalled queue. Work after `settle()`
   * (a commit holding the database's write lock) is never cut off.
   */
  deadlineMs?: number;
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
    worker.on('message', (msg: { id: number; result?: unknown; error?: string; settled?: boolean }) => {
      const task = this.pending.get(msg.id);
      if (!task) return;
      clearTimeout(task.deadline);
      if (msg.settled) return;
      this.pending.delete(msg.id);
      slot.busy--;
      if (msg.error !== undefined) task.reject(new Error(msg.error));
      else task.resolve(msg.result);
    });
    const failAll = (error: Error) => {
      for (const [id, task] of this.pending) {
        if (task.slot !== slot) continue;
        this.pending.delete(id);
        clearTimeout(task.deadline);
        task.reject(slot.stopped ? new Error(slot.stopped) : error);
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

  run(input: In, transfer: TransferListItem[] = [], options: RunOptions = {}): Promise<Out> {
    if (this.closed) return Promise.reject(new Error('worker pool is closed'));
    const slot = this.slots.reduce((a, b) => (b.busy < a.busy ? b : a));
    const id = this.nextId++;
    slot.busy++;
    return new Promise<Out>((resolve, reject) => {
      const task: Pending & { slot: Slot } = { resolve: resolve as (v: unknown) => void, reject, slot };
      if (options.deadlineMs !== undefined) {
        const seconds = Math.max(1, Math.round(options.deadlineMs / 1000));
        task.deadline = setTimeout(() => {
          slot.stopped = `it took longer than ${seconds} s to read`;
          void slot.worker.terminate();
        }, options.deadlineMs);
        task.deadline.unref();
      }
      this.pending.set(id, task);
      slot.worker.ref();
      slot.worker.postMessage({ id, input }, transfer);
    }).finally(() => {
      if (slot.busy === 0) slot.worker.unref();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.pending.values()) clearTimeout(task.deadline);
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
