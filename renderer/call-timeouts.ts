// How long the UI waits for each JournalApi call before telling the user it did not answer. Plain data, no DOM, so
// it is tested under Node (e2e/setup-timeouts.test.ts).

/**
 * Calls that talk to mail servers run as long as they must (removing an account first waits for its sync to stop);
 * everything else answers from the journal.
 */
const UNBOUNDED = new Set(['sync', 'addAccount', 'editAccount', 'removeAccount', 'send', 'sendQueued']);
const CALL_TIMEOUT_MS = 30_000;
/**
 * setupAccount and checkAccount sign in to mail servers, each allowed the server timeout of the account (seed 004:
 * 30 s unless the form says otherwise; a saved account's is not known here, so the default) to connect, to greet, to
 * sign in and to take the test letter, and automatic setup may try a second detected server on each side. Giving up
 * sooner would report a timeout while the check goes on, and may still save the account.
 */
const SERVER_CHECKS = new Set(['setupAccount', 'checkAccount']);
const SERVER_TIMEOUT_S = 30;
const SERVER_STAGES = 8;

export function callTimeoutMs(method: string, input: unknown): number | null {
  if (UNBOUNDED.has(method)) return null;
  if (!SERVER_CHECKS.has(method)) return CALL_TIMEOUT_MS;
  const seconds = (input as { timeoutSeconds?: unknown } | null | undefined)?.timeoutSeconds;
  const serverS = typeof seconds === 'number' && seconds > 0 ? seconds : SERVER_TIMEOUT_S;
  return SERVER_STAGES * serverS * 1000 + CALL_TIMEOUT_MS;
}
