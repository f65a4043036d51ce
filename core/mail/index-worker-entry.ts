import fs from 'node:fs';
import os from 'node:os';

/**
 * Indexing is background work: at a lower priority it takes whatever CPU the listing and the server leave idle
 * instead of slowing them. The priority is lowered here, before the worker loads its modules (mailparser,
 * better-sqlite3), so even that start-up does not compete with a sync that has just begun. On Linux a thread's
 * id names it to setpriority; elsewhere this is skipped.
 */
try {
  const tid = Number(/task\/(\d+)$/.exec(fs.readlinkSync('/proc/thread-self'))?.[1]);
  if (tid) os.setPriority(tid, 10);
} catch {
  // Not Linux, or not permitted: the worker runs at normal priority.
}
await import(
  new URL(import.meta.url.endsWith('.ts') ? './index-worker.ts' : './index-worker.js', import.meta.url).href
);
