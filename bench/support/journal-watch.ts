import { spawn } from 'node:child_process';
import Database from 'better-sqlite3';
import { CLI } from '../../e2e/fixtures/cli.js';
import { peakRss } from './measure.js';

/**
 * Watches a journal that another process is filling, through a read-only connection, and notes when every
 * expected letter is listed and when every one is indexed. Each sample must be cheap: the watcher shares the
 * machine's cores with the sync it measures (COUNT(*) over the full-text table costs tens of milliseconds, so
 * "indexed" is read from the pending-index marker instead, and only once everything is listed).
 */
export class JournalWatch {
  listedMs: number | null = null;
  indexedMs: number | null = null;
  private reader: Database.Database | null = null;

  constructor(
    private readonly file: string,
    private readonly expected: number,
  ) {}

  /** Takes one sample at `elapsedMs`; safe to call before the journal exists. */
  sample(elapsedMs: number): void {
    try {
      this.reader ??= new Database(this.file, { readonly: true, fileMustExist: true });
      if (this.listedMs === null && this.count('SELECT COUNT(*) AS n FROM interactions') >= this.expected) {
        this.listedMs = elapsedMs;
      }
      if (this.listedMs !== null && this.indexedMs === null && this.pending() === 0) this.indexedMs = elapsedMs;
    } catch {
      // The journal is being created; try again on the next sample.
    }
  }

  /** Final counts, read after the sync has exited; times not reached while watching become `endMs`. */
  finish(endMs: number): { interactions: number; indexed: number; listedMs: number; indexedMs: number } {
    const reader = this.reader ?? new Database(this.file, { readonly: true });
    this.reader = reader;
    const interactions = this.count('SELECT COUNT(*) AS n FROM interactions');
    const indexed = this.count('SELECT COUNT(*) AS n FROM interactions_fts');
    reader.close();
    this.reader = null;
    return {
      interactions,
      indexed,
      listedMs: this.listedMs ?? endMs,
      indexedMs: this.indexedMs ?? endMs,
    };
  }

  private pending(): number {
    return this.count('SELECT COUNT(*) AS n FROM messages WHERE indexed_at IS NULL');
  }

  private count(sql: string): number {
    return ((this.reader as Database.Database).prepare(sql).get() as { n: number }).n;
  }
}

/**
 * Runs the real `interlog sync` on a journal to its end, sampling the process's peak RSS and the journal every
 * `pollMs`; throws when the command fails.
 */
export async function measuredSync(db: string, expected: number, pollMs: number) {
  const start = performance.now();
  const child = spawn(process.execPath, [CLI, '--db', db, 'sync'], { stdio: ['ignore', 'ignore', 'inherit'] });
  let peak = 0;
  const watch = new JournalWatch(db, expected);
  const poll = setInterval(() => {
    peak = Math.max(peak, peakRss(child.pid as number) ?? 0);
    watch.sample(performance.now() - start);
  }, pollMs);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  const totalMs = performance.now() - start;
  if (code !== 0) throw new Error(`interlog sync exited with ${code}`);
  return { totalMs, peak, ...watch.finish(totalMs) };
}
