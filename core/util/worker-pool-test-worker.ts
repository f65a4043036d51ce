import { serveTasks } from './worker-task.js';

/** A worker for worker-pool.test.ts: it busy-waits as a parser stuck on a letter would, before or after settling. */
function spin(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // A synchronous loop: nothing but terminating the thread stops it.
  }
}

serveTasks<{ spinMs: number; settleFirst?: boolean }, string>(async (input, settle) => {
  if (input.settleFirst) settle();
  spin(input.spinMs);
  return { result: input.settleFirst ? 'committed' : 'read' };
});
