import type { IndexTask } from '../db/index-repo.js';
import type { Journal } from '../db/journal.js';
import type { IndexPool } from '../mail/index-pool.js';
import { emptyParsedMessage, type ParsedMessage } from '../mail/types.js';

/** Letters per job: one transaction in the worker, large enough to amortise it. */
const JOB = 32;
/** Jobs queued per worker, so a worker never waits for the next one to be posted. */
const PER_WORKER = 2;
/**
 * How long reading a job's letters may take before the worker is replaced and the letters retried one by one; the
 * one that still does not finish is kept raw and marked unreadable. Generous: a 50 MB letter on a busy machine
 * takes seconds, an endless loop takes forever.
 */
const PARSE_BASE_MS = 60_000;
const PARSE_PER_LETTER_MS = 5_000;

/**
 * Hands listed letters to the index workers, which parse them and commit their text, attachments and search
 * entries. Its queue is the journal itself (letters not yet indexed), so a crash loses nothing: the next run
 * picks up. The workers run at a lower priority (see index-worker.ts), so indexing soaks up the CPU that listing
 * leaves idle without delaying the list.
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
      await this.pass();
    }
  }

  /** One sweep over the letters not yet indexed, keeping every active worker fed. */
  private pass(): Promise<void> {
    let after = 0;
    let inFlight = 0;
    let exhausted = false;
    return new Promise<void>((resolve, reject) => {
      const pump = () => {
        try {
          while (!exhausted && inFlight < this.pool.size * PER_WORKER) {
            const tasks = this.journal.index.pending(JOB, after);
            if (tasks.length === 0) {
              exhausted = true;
              break;
            }
            after = tasks[tasks.length - 1]?.messageRow ?? after;
            inFlight++;
            this.runJob(tasks)
              .then((count) => {
                inFlight--;
                this.onIndexed?.(count);
                pump();
              })
              .catch(reject);
          }
          if (exhausted && inFlight === 0) resolve();
        } catch (error) {
          reject(error);
        }
      };
      pump();
    });
  }

  /**
   * A job whose worker failed (a letter that exhausts the parser's memory kills it) is retried letter by letter,
   * so only the letter at fault is marked unreadable; it stays in the journal with its raw source.
   */
  private async runJob(tasks: IndexTask[]): Promise<number> {
    try {
      const deadlineMs = PARSE_BASE_MS + PARSE_PER_LETTER_MS * tasks.length;
      return (await this.pool.run({ dbFile: this.journal.file, tasks }, [], { deadlineMs })).indexed;
    } catch (error) {
      if (tasks.length > 1) {
        let count = 0;
        for (const task of tasks) count += await this.runJob([task]);
        return count;
      }
      const [task] = tasks as [IndexTask];
      this.journal.index.commit([{ task, parsed: unreadable(error) }]);
      return 1;
    }
  }
}

function unreadable(error: unknown): ParsedMessage {
  const reason = error instanceof Error ? error.message : String(error);
  return emptyParsedMessage('', `The letter could not be read: ${reason}`);
}
