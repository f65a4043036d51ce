import os from 'node:os';
import { threadId } from 'node:worker_threads';
import type { AccountRecord } from '../db/accounts-repo.js';
import type { Journal } from '../db/journal.js';
import type { OutboxItem } from '../db/outbox-repo.js';
import { InterlogError } from '../errors.js';
import { connectImap } from '../sync/imap/connect.js';
import { verifyPop3 } from '../sync/pop3/connect.js';
import { backoffDelay } from '../util/backoff.js';
import { SentFolder } from './sent-copy.js';
import { SmtpSession } from './smtp.js';

export type SendEvent =
  | { type: 'sent'; outboxId: number; interactionId: number; response: string }
  | { type: 'send-failed'; outboxId: number; reason: string; willRetry: boolean };

export interface SenderOptions {
  journal: Journal;
  /** The passwords an account sends with: its own SMTP password, else the incoming one. */
  passwords: (account: AccountRecord) => Promise<{ incoming: string; smtp: string | null }>;
  onEvent?: (event: SendEvent) => void;
  now?: () => Date;
  /** Send only these accounts' letters (those whose passwords the caller has); all when omitted. */
  accountIds?: readonly number[];
  /** Attempts before a letter is marked failed when the server keeps answering "try later" or stays away. */
  maxAttempts?: number;
  backoffBaseMs?: number;
}

/** Who is sending: a letter claimed by a live process is that process's business, never recovered. */
const SENDER_ID = `${os.hostname()}:${process.pid}:${threadId}`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Letters whose sender died mid-send (a crash, kill -9): see OutboxRepo.recoverInterrupted. A letter claimed on
 * another host, or by another thread of a live process, is that sender's to finish; this thread has none in
 * flight between its drains.
 */
export function recoverInterrupted(journal: Journal): void {
  for (const item of journal.outbox.inFlight()) {
    if (item.claimedBy === null || item.claimedBy === SENDER_ID) {
      journal.outbox.recoverInterrupted(item.id);
      continue;
    }
    const [host, pid] = item.claimedBy.split(':');
    if (host === os.hostname() && Number(pid) !== process.pid && !alive(Number(pid))) {
      journal.outbox.recoverInterrupted(item.id);
    }
  }
}

/** Answers to the end of DATA by which the server says it did not take the letter (4xx, 5xx). */
const SERVER_SAID_NO = new Set(['temporary', 'rejected', 'too-large', 'relay-denied']);

/** Open connections of one drain, per account, reused from letter to letter. */
class Sessions {
  private readonly smtp = new Map<number, SmtpSession>();
  private readonly sent = new Map<number, SentFolder>();

  async smtpFor(
    o: SenderOptions,
    account: AccountRecord & { smtp: NonNullable<AccountRecord['smtp']> },
  ): Promise<SmtpSession> {
    const open = this.smtp.get(account.id);
    if (open?.usable) return open;
    const passwords = await o.passwords(account);
    if (account.smtp.popBeforeSmtp) await signInToIncoming(account, passwords.incoming);
    const session = await SmtpSession.open({
      host: account.smtp.host,
      port: account.smtp.port,
      security: account.smtp.security,
      username: account.smtp.username ?? account.username,
      password: passwords.smtp ?? passwords.incoming,
      acceptSelfSigned: account.acceptSelfSigned,
      timeoutMs: account.timeoutMs,
      securePasswordAuth: account.smtp.securePasswordAuth,
    });
    this.smtp.set(account.id, session);
    return session;
  }

  async sentFolderFor(o: SenderOptions, account: AccountRecord): Promise<SentFolder> {
    const open = this.sent.get(account.id);
    if (open?.usable) return open;
    const folder = await SentFolder.open(account, (await o.passwords(account)).incoming);
    this.sent.set(account.id, folder);
    return folder;
  }

  async close(): Promise<void> {
    for (const s of this.smtp.values()) s.close();
    await Promise.all([...this.sent.values()].map((f) => f.close()));
  }
}

/**
 * Sends every letter that is due, one SMTP transaction each on a connection kept open for the whole drain, then
 * files its copy in Sent. Returns when nothing more is due now. Letters interrupted by a crash were sorted out
 * by `OutboxRepo.recover` before this runs.
 */
export async function drainOutbox(o: SenderOptions): Promise<{ sent: number; failed: number }> {
  const now = o.now ?? (() => new Date());
  const outbox = o.journal.outbox;
  const sessions = new Sessions();
  let sent = 0;
  let failed = 0;
  try {
    recoverInterrupted(o.journal);
    const claim = () => outbox.claimDue(now(), SENDER_ID, o.accountIds);
    for (let item = claim(); item; item = claim()) {
      const outcome = await sendOne(o, sessions, item, now);
      if (outcome === 'sent') sent++;
      else if (outcome === 'failed') failed++;
    }
  } finally {
    await sessions.close();
  }
  return { sent, failed };
}

async function sendOne(
  o: SenderOptions,
  sessions: Sessions,
  item: OutboxItem,
  now: () => Date,
): Promise<'sent' | 'failed' | 'retry'> {
  const outbox = o.journal.outbox;
  const account = o.journal.accounts.get(item.accountId);
  let committing = false;
  try {
    if (!account?.smtp) throw new InterlogError('invalid-input', 'This account has no outgoing (SMTP) server set up.');
    const smtp = await sessions.smtpFor(o, { ...account, smtp: account.smtp });
    const raw = o.journal.blobs.read(item.sourceSha256);
    const result = await smtp.send(item.envelope, raw, () => {
      outbox.markCommitting(item.id);
      committing = true;
    });
    outbox.markSent(item.id, result.response, now());
    o.onEvent?.({ type: 'sent', outboxId: item.id, interactionId: item.interactionId, response: result.response });
    await fileSentCopy(o, sessions, item, account, raw);
    return 'sent';
  } catch (error) {
    const failure = error instanceof InterlogError ? error : new InterlogError('protocol', String(error));
    if (committing && !SERVER_SAID_NO.has(failure.kind)) {
      // The whole letter went out and no clear "no" came back (the link died, the answer was unreadable): the
      // server may have taken it, and sending it again could deliver it twice. Held for the user, as after a crash.
      outbox.recoverInterrupted(item.id, `The server's answer to the whole letter never came (${failure.message})`);
      o.onEvent?.({ type: 'send-failed', outboxId: item.id, reason: failure.message, willRetry: false });
      return 'failed';
    }
    const retry = failure.transient && item.attempts < (o.maxAttempts ?? 8);
    if (retry) {
      const delay = backoffDelay(item.attempts, o.backoffBaseMs ?? 5000, 3_600_000);
      outbox.reschedule(item.id, failure.message, new Date(now().getTime() + delay));
    } else outbox.fail(item.id, failure.message);
    o.onEvent?.({ type: 'send-failed', outboxId: item.id, reason: failure.message, willRetry: retry });
    return retry ? 'retry' : 'failed';
  }
}

async function fileSentCopy(
  o: SenderOptions,
  sessions: Sessions,
  item: OutboxItem,
  account: AccountRecord,
  raw: Buffer,
) {
  if (!account.copyToSent || account.protocol !== 'imap') {
    o.journal.outbox.markSentCopy(item.id, 'not-needed');
    return;
  }
  try {
    await (await sessions.sentFolderFor(o, account)).append(raw);
    o.journal.outbox.markSentCopy(item.id, 'appended');
  } catch (error) {
    // The letter is sent; only its copy is missing, which the user sees on the outbox entry.
    o.journal.outbox.markSentCopy(item.id, 'failed', `Sent, but not copied to Sent: ${(error as Error).message}`);
  }
}

/** POP-before-SMTP (seed 004): some servers let an address send only after it signed in to read its mail. */
async function signInToIncoming(account: AccountRecord, password: string): Promise<void> {
  if (account.protocol === 'pop3') return verifyPop3({ account, password });
  const client = await connectImap({ account, password });
  await client.logout().catch(() => client.close());
}
