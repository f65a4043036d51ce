import { afterEach, describe, expect, it } from 'vitest';
import { siblingModule } from './spawn-worker.js';
import { WorkerPool } from './worker-pool.js';

const entry = siblingModule(import.meta.url, 'worker-pool-test-worker');
let pool: WorkerPool<{ spinMs: number; settleFirst?: boolean }, string> | null = null;
afterEach(async () => {
  await pool?.close();
  pool = null;
});

describe('worker pool deadlines', () => {
  it('fails a task stuck past its deadline, replaces the worker, and goes on with the next task', async () => {
    pool = new WorkerPool(entry, 1);
    const started = Date.now();
    await expect(pool.run({ spinMs: 60_000 }, [], { deadlineMs: 1_000 })).rejects.toThrow(
      'it took longer than 1 s to read',
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    await expect(pool.run({ spinMs: 0 }, [], { deadlineMs: 20_000 })).resolves.toBe('read');
  });

  it('never cuts off a task that has settled (its commit), however long that takes', async () => {
    pool = new WorkerPool(entry, 1);
    // Started first, so the short deadline below measures the task, not the worker's start-up on a busy machine.
    await pool.run({ spinMs: 0 });
    await expect(pool.run({ spinMs: 2_500, settleFirst: true }, [], { deadlineMs: 500 })).resolves.toBe('committed');
  });
});
