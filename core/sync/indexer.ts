import type { IndexTask } from '../db/index-repo.js';
import type { Journal } from '../db/journal.js';
import type { IndexPool } from '../mail/index-pool.js';

const BATCH = 200;

/**
 * Reads the bodies of listed letters on the worker pool and commits their text, attachments and search entries.
 * Its queue is the journal itself (letters not yet indexed), so a crash loses nothing: the next run picks up.
 */
export class Indexer {
  private running: Promise<void> | null = null;
  private more = false;
  private failure: unknown = null;

  constructor(
    private readonly journal: Journal,
    private readonly pool: IndexPool,
    private readonly onIndexed?: (count: number) => void,
  ) {}

  /** New letters were listed: index them, now or right after the current pass. */
  kick(): void {
    this.more = true;
    if (!this.running) {
      this.running = this.run()
        .catch((error: unknown) => {
          this.failure = error;
        })
        .finally(() => {
          this.running = null;
        });
    }
  }

  /** Resolves once every listed letter is indexed. */
  async drain(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
  }

  private async run(): Promise<void> {
    while (this.more) {
      this.more = false;
      let after = 0;
      // Two batches in flight: the pool parses one while the previous one commits.
      let previous: Promise<void> = Promise.resolve();
      for (;;) {
        const tasks = this.journal.index.pending(BATCH, after);
        if (tasks.length === 0) break;
        after = tasks[tasks.length - 1]?.messageRow ?? after;
        const parsed = Promise.all(tasks.map((task) => this.parse(task)));
        parsed.catch(() => {}); // observed below; keeps a failure from being reported as unhandled meanwhile
        await previous;
        previous = parsed.then((results) => {
          this.journal.index.commit(results);
          this.onIndexed?.(results.length);
        });
      }
      await previous;
    }
  }

  private async parse(task: IndexTask) {
    const parsed = await this.pool.run({ ...task.location, internalDate: task.date });
    return { task, parsed };
  }
}
