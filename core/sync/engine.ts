import { Journal } from '../db/journal.js';
import { InterlogError } from '../errors.js';
import { createIndexPool } from '../mail/index-pool.js';
import { drainOutbox, type SendEvent } from '../send/outbox-sender.js';
import { sleep } from '../util/backoff.js';
import { adoptWriteGate, WriteGate } from '../util/write-gate.js';
import { type SyncEvent, syncImapAccount, watchImapAccount } from './imap/account-sync.js';
import { Indexer } from './indexer.js';
import { syncPop3Account, watchPop3Account } from './pop3/account-sync.js';
import type { SyncAccountResult } from './progress.js';

/** Every source stores through the same path (SyncRepo.storeLetter); they differ only in how they read a server. */
const sources = {
  imap: { sync: syncImapAccount, watch: watchImapAccount },
  pop3: { sync: syncPop3Account, watch: watchPop3Account },
} as const;

export interface SyncRequest {
  dbFile: string;
  /** Accounts by name with their passwords, already taken from the secret store by the caller. */
  accounts: Array<{ name: string; password: string; smtpPassword?: string | null }>;
  watch: boolean;
  pollIntervalMs?: number;
  poolSize?: number;
  /** First retry delay after a network failure; doubles each time. Tests shorten it. */
  backoffBaseMs?: number;
}

/**
 * Runs one sync (or a watch) over the named accounts with its own journal connection and digest workers.
 * Meant to run off the UI's thread: see sync-host.ts.
 */
export async function runSync(
  request: SyncRequest,
  onEvent: (event: SyncEvent | SendEvent) => void,
  outerSignal?: AbortSignal,
): Promise<SyncAccountResult[]> {
  // One signal for everything this run started, so one failing watch stops the others and the sender too.
  const stop = new AbortController();
  outerSignal?.addEventListener('abort', () => stop.abort(outerSignal.reason), { once: true });
  const signal = stop.signal;
  const journal = Journal.open(request.dbFile);
  const gate = new WriteGate();
  adoptWriteGate(gate, true);
  const pool = createIndexPool(request.poolSize, gate);
  const indexer = new Indexer(journal, pool, (count) => onEvent({ type: 'indexed', count }));
  try {
    const jobs = request.accounts.map(({ name, password }) => {
      const account = journal.accounts.byName(name);
      if (!account) throw new InterlogError('not-found', `There is no account named "${name}".`);
      return { account, password };
    });
    const base = (job: (typeof jobs)[number]) => ({
      journal,
      indexer,
      account: job.account,
      password: job.password,
      onEvent,
      ...(signal ? { signal } : {}),
      ...(request.backoffBaseMs ? { backoffBaseMs: request.backoffBaseMs } : {}),
    });
    const passwords = new Map(
      request.accounts.map((a) => [a.name, { incoming: a.password, smtp: a.smtpPassword ?? null }]),
    );
    // Letters queued by the user go out with every sync, and while watching as soon as they are due.
    const send = () =>
      drainOutbox({
        journal,
        passwords: async (account) => {
          const known = passwords.get(account.name);
          if (!known) throw new InterlogError('secret-store', `No password was given for account "${account.name}".`);
          return known;
        },
        onEvent,
        accountIds: jobs.map((j) => j.account.id),
        ...(request.backoffBaseMs ? { backoffBaseMs: request.backoffBaseMs } : {}),
      });
    await send();
    const results: SyncAccountResult[] = [];
    // Accounts sync one after another: they share the index workers, which already use every core.
    // Letters listed by an earlier, interrupted run are indexed too.
    indexer.kick();
    for (const job of jobs) results.push(await sources[job.account.protocol].sync(base(job)));
    await indexer.drain();
    if (request.watch) {
      await Promise.all([
        ...jobs.map((job) =>
          sources[job.account.protocol].watch({
            ...base(job),
            ...(request.pollIntervalMs ? { pollIntervalMs: request.pollIntervalMs } : {}),
          }),
        ),
        sendWhileWatching(journal, send, signal),
      ]);
    }
    return results;
  } finally {
    stop.abort();
    await pool.close();
    journal.close();
  }
}

/** While watching: checks the outbox every few seconds, so a queued letter leaves promptly and a retry on time. */
async function sendWhileWatching(journal: Journal, send: () => Promise<unknown>, signal?: AbortSignal): Promise<void> {
  while (!signal?.aborted) {
    const due = journal.outbox.nextDue();
    if (due !== null && Date.parse(due) <= Date.now()) await send();
    await sleep(2000, signal).catch(() => {});
  }
}
