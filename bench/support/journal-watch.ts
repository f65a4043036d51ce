import Database from 'better-sqlite3';

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
