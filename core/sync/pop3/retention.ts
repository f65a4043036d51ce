import type { AccountRecord } from '../../db/accounts-repo.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a letter the journal holds should now be deleted from the server (seed 004): without "leave copies on
 * the server" at once; with it, never, or once `deleteAfterDays` have passed since the journal first received it.
 */
export function deletionDue(
  account: Pick<AccountRecord, 'leaveOnServer' | 'deleteAfterDays'>,
  firstSeenAt: string,
  now: Date,
): boolean {
  if (!account.leaveOnServer) return true;
  if (account.deleteAfterDays === null) return false;
  return now.getTime() - Date.parse(firstSeenAt) >= account.deleteAfterDays * DAY_MS;
}
