import type { AccountRecord } from '../db/accounts-repo.js';
import type { Journal } from '../db/journal.js';
import type { InterlogError } from '../errors.js';
import { backoffDelay, sleep } from '../util/backoff.js';
import type { SyncEvent } from './imap/account-sync.js';
import type { SyncAccountResult } from './progress.js';
import { serverError } from './server-error.js';

export interface RetryOptions {
  journal: Journal;
  account: AccountRecord;
  onEvent?: (event: SyncEvent) => void;
  signal?: AbortSignal;
  /** Transient failures (lost link, timeout) retried with backoff before the run gives up. */
  maxAttempts?: number;
  backoffBaseMs?: number;
}

/**
 * Runs passes over an account until one completes. A lost connection or a timeout is retried with backoff (each
 * pass resumes from what the journal committed); a wrong password or a bad certificate is not. The pass reports
 * through the `onEvent` it is given, which is how a pass that committed letters before failing is recognised.
 */
export async function syncWithRetries(
  o: RetryOptions,
  pass: (onEvent: (event: SyncEvent) => void) => Promise<SyncAccountResult>,
): Promise<SyncAccountResult> {
  const maxAttempts = o.maxAttempts ?? 6;
  let committedSince = false;
  const onEvent = (event: SyncEvent) => {
    if (event.type === 'progress' && event.progress.done > 0) committedSince = true;
    o.onEvent?.(event);
  };
  const countBefore = o.journal.interactions.count();
  for (let attempt = 1; ; attempt++) {
    committedSince = false;
    try {
      const result = await pass(onEvent);
      o.journal.accounts.recordSyncResult(o.account.id, null);
      // Attempts cut short committed letters too; the run's total is what the journal gained.
      return { ...result, added: o.journal.interactions.count() - countBefore };
    } catch (error) {
      const failure = serverError(error, o.account);
      if (o.signal?.aborted) throw o.signal.reason;
      // A flaky link that still lets whole batches through is making progress: only failures in a row count.
      if (committedSince) attempt = 1;
      if (!failure.transient || attempt >= maxAttempts) {
        o.journal.accounts.recordSyncResult(o.account.id, failure.message);
        throw failure;
      }
      const delayMs = backoffDelay(attempt, o.backoffBaseMs);
      o.onEvent?.({ type: 'retry', account: o.account.name, reason: failure.message, delayMs, attempt });
      await sleep(delayMs, o.signal);
    }
  }
}

/**
 * Whether a failure ends a watch. A one-shot sync gives up on an answer it cannot read, but a watch is meant to
 * run for weeks: one garbled byte from a flaky link must not stop it (and, with it, every account and the sender
 * of that run). Such failures are retried with backoff and stay visible on the account until a pass succeeds; a
 * refused password or certificate still stops the watch, since only the user can fix those.
 */
export function endsWatch(failure: InterlogError): boolean {
  // A host that was found when the account was checked and is not found now is a network that went away (a
  // laptop offline, a captive portal) far more often than a server that disappeared.
  return !failure.transient && failure.kind !== 'protocol' && failure.kind !== 'host-not-found';
}
