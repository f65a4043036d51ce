/**
 * A write lock shared by the threads of one sync (the thread listing letters and the index workers), so the
 * listing never waits on SQLite's busy handler, which sleeps in steps of up to 100 ms: waiters here wake the
 * moment the lock is free, and an urgent writer (listing) goes before the others (indexing). Other processes
 * still meet through SQLite's own lock.
 */
export class WriteGate {
  private readonly state: Int32Array;

  constructor(readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(8)) {
    // [0]: 1 while some thread holds the lock; [1]: urgent writers waiting.
    this.state = new Int32Array(buffer);
  }

  acquire(urgent: boolean): void {
    const s = this.state;
    if (urgent) Atomics.add(s, 1, 1);
    try {
      for (;;) {
        const waiting = Atomics.load(s, 1);
        if (!urgent && waiting > 0) {
          Atomics.wait(s, 1, waiting, 20);
          continue;
        }
        if (Atomics.compareExchange(s, 0, 0, 1) === 0) return;
        Atomics.wait(s, 0, 1, 50);
      }
    } finally {
      if (urgent) {
        Atomics.sub(s, 1, 1);
        Atomics.notify(s, 1);
      }
    }
  }

  release(): void {
    Atomics.store(this.state, 0, 0);
    Atomics.notify(this.state, 0);
  }
}

let threadGate: { gate: WriteGate; urgent: boolean } | null = null;

/** Makes this thread's write transactions take `gate` first. */
export function adoptWriteGate(gate: WriteGate, urgent: boolean): void {
  threadGate = { gate, urgent };
}

/** Runs `work` holding this thread's write gate, if it has one. */
export function withWriteGate<T>(work: () => T): T {
  if (!threadGate) return work();
  const { gate, urgent } = threadGate;
  gate.acquire(urgent);
  try {
    return work();
  } finally {
    gate.release();
  }
}
