import type { IndexTask } from '../db/index-repo.js';
import type { Journal } from '../db/journal.js';
import type { IndexPool } from '../mail/index-pool.js';
import type { ParsedMessage } from '../mail/types.js';

/** Results are committed in groups this large: one transaction per letter would cost more than the parse. */
const COMMIT_EVERY = 200;
/** Letters queued per worker, so a worker never waits for the next one to be posted. */
const PER_WORKER = 4;

/**
 * Reads the bodies of listed letters on the worker pool and commits their text, attachments and search entries.
 * Its queue is the journal itself (letters not yet indexed), so a crash loses nothing: the next run picks up.
 * While letters are still being listed it keeps to one worker, so the thread talking to the server keeps a core.
 */
export class Indexer {
  private running: Promise<void> | null = null;
  private more = false;
  private failure: unknown = null;
  private workers: number;

  constructor(
    private readonly journal: Journal,
    private readonly pool: IndexPool,
    private readonly onIndexed?: (count: number) => void,
  ) {
    this.workers = pool.size;
  }

  /** While listing runs, indexing takes one worker; afterwards all of them. */
  setListing(listing: boolean): void {
    this.workers = listing ? Math.max(1, this.pool.size - 1) : this.pool.size;
    this.pool.setActive(this.workers);
  }

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
    let queue: IndexTask[] = [];
    let inFlight = 0;
    let exhausted = false;
    let results: Array<{ task: IndexTask; parsed: ParsedMessage }> = [];
    const commit = () => {
      if (results.length === 0) return;
      this.journal.index.commit(results);
      this.onIndexed?.(results.length);
      results = [];
    };
    return new Promise<void>((resolve, reject) => {
      const pump = () => {
        try {
          while (inFlight < this.workers * PER_WORKER) {
            if (queue.length === 0 && !exhausted) {
              queue = this.journal.index.pending(COMMIT_EVERY, after);
              exhausted = queue.length === 0;
              after = queue[queue.length - 1]?.messageRow ?? after;
            }
            const task = queue.shift();
            if (!task) break;
            inFlight++;
            this.pool
              .run({ ...task.location, internalDate: task.date })
              // A letter that kills its parser is kept, raw, marked as unreadable; the rest go on.
              .catch((error: unknown) => unreadable(error))
              .then((parsed) => {
                inFlight--;
                results.push({ task, parsed });
                if (results.length >= COMMIT_EVERY) commit();
                pump();
              })
              .catch(reject);
          }
          if (inFlight === 0 && queue.length === 0 && exhausted) {
            commit();
            resolve();
          }
        } catch (error) {
          reject(error);
        }
      };
      pump();
    });
  }
}

function unreadable(error: unknown): ParsedMessage {
  return {
    messageId: null,
    inReplyTo: null,
    references: [],
    subject: '',
    date: '',
    from: null,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    text: '',
    hasHtml: false,
    attachments: [],
    parseError: `The letter could not be read: ${error instanceof Error ? error.message : String(error)}`,
  };
}
