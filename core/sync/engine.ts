import { Journal } from '../db/journal.js';
import { InterlogError } from '../errors.js';
import { createIndexPool } from '../mail/index-pool.js';
import type { SendEvent } from '../send/outbox-sender.js';
import { sleep } from '../util/backoff.js';
import { adoptWriteGate, WriteGate } from '../util/write-gate.js';
import type { SyncEvent } from './imap/account-sync.js';
import { Indexer } from './indexer.js';
import type { SyncAccountResult } from './progress.js';
import { endsWatch } from './retry.js';

/**
 * Every source stores through the same path (SyncRepo.storeLetter); they differ only in how they read a server.
 * Each is loaded when an account needs it: a POP3 sync does not pay for imapflow's start-up, nor a sync with an
 * empty outbox for the SMTP client's.
 */
const sources = {
  imap: () => import('./imap/account-sync.js').then((m) => ({ sync: m.syncImapAccount, watch: m.watchImapAccount })),
  pop3: () => import('./pop3/account-sync.js').then((m) => ({ sync: m.syncPop3Account, watch: m.watchPop3Account })),
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
    const send = async () => {
      // Nothing queued and nothing a dead sender left half-sent: no need to load the sending code.
      if (journal.outbox.nextDue() === null && journal.outbox.inFlight().length === 0) return;
      const { drainOutbox } = await import('../send/outbox-sender.js');
      await drainOutbox({
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
    };
    await send();
    const results: SyncAccountResult[] = [];
    // Accounts sync one after another: they share the index workers, which already use every core.
    // Letters listed by an earlier, interrupted run are indexed too.
    indexer.kick();
    for (const job of jobs) {
      try {
        results.push(await (await sources[job.account.protocol]()).sync(base(job)));
      } catch (error) {
        // A watch started while the link is down or garbling still starts: its own passes retry with backoff.
        if (!request.watch || !(error instanceof InterlogError) || endsWatch(error)) throw error;
      }
    }
    await indexer.drain();
    if (request.watch) {
      await Promise.all([
        ...jobs.map(async (job) =>
          (await sources[job.account.protocol]()).watch({
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
