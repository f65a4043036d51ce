import { InterlogError } from '../errors.js';
import type { ListingHeaders } from '../mail/header-block.js';
import { type Db, writeTransaction } from './database.js';
import { previewOf } from './preview.js';
import type { SyncRepo } from './sync-repo.js';

export type OutboxStatus = 'queued' | 'sending' | 'committing' | 'sent' | 'failed' | 'unknown' | 'cancelled';

export interface OutboxItem {
  id: number;
  accountId: number;
  interactionId: number;
  envelope: { from: string; to: string[] };
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  serverResponse: string | null;
  sentAt: string | null;
  sentCopy: 'appended' | 'not-needed' | 'failed' | null;
  sourceSha256: string;
  title: string;
  createdAt: string;
}

interface Row {
  id: number;
  account_id: number;
  interaction_id: number;
  envelope_from: string;
  envelope_to: string;
  status: OutboxStatus;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  server_response: string | null;
  sent_at: string | null;
  sent_copy: OutboxItem['sentCopy'];
  created_at: string;
  sha: string;
  title: string;
}

const SELECT = `SELECT o.*, m.source_sha256 AS sha, i.title FROM outbox o JOIN interactions i ON i.id = o.interaction_id
  JOIN messages m ON m.id = i.message_id`;

/**
 * The durable outbox. A letter is in the journal, with its final Message-ID, before any network step; the row's
 * status says how far sending got, so a crash at any point leaves a state that can be resumed without a loss
 * and without a second copy of an accepted letter.
 */
export class OutboxRepo {
  constructor(
    private readonly db: Db,
    private readonly sync: SyncRepo,
  ) {}

  /** Stores the letter (it joins its chain and is listed as outgoing) and queues it, in one transaction. */
  enqueue(input: {
    accountId: number;
    identities: ReadonlySet<string>;
    raw: Buffer;
    sha256: string;
    headers: ListingHeaders;
    envelope: { from: string; to: string[] };
    control?: { due: string | null } | undefined;
    /** The draft this letter was written in: it goes in the same transaction, so it is never both sent and kept. */
    draftId?: number | undefined;
    /** What the user wrote: the letter's preview until the index workers read it whole (at the next sync). */
    text?: string | undefined;
    now: Date;
  }): OutboxItem {
    const id = writeTransaction(this.db, () => {
      if (input.draftId !== undefined) this.db.prepare('DELETE FROM drafts WHERE id = ?').run(input.draftId);
      const stored = this.sync.storeLetter(input.accountId, input.identities, {
        headers: input.headers,
        source: { kind: 'buffer', data: input.raw, sha256: input.sha256 },
      });
      const interaction = this.db
        .prepare<[number], { id: number }>('SELECT id FROM interactions WHERE message_id = ?')
        .get(stored.id) as { id: number };
      if (input.text) {
        this.db
          .prepare(`UPDATE interactions SET preview = ? WHERE id = ? AND preview = ''`)
          .run(previewOf(input.text), interaction.id);
      }
      if (input.control) {
        this.db
          .prepare('UPDATE interactions SET on_control = 1, control_due = ?, control_closed_at = NULL WHERE id = ?')
          .run(input.control.due, interaction.id);
      }
      const now = input.now.toISOString();
      const outboxId = Number(
        this.db
          .prepare(
            `INSERT INTO outbox (account_id, interaction_id, envelope_from, envelope_to, status, next_attempt_at, created_at)
             VALUES (?, ?, ?, ?, 'queued', ?, ?)`,
          )
          .run(input.accountId, interaction.id, input.envelope.from, JSON.stringify(input.envelope.to), now, now)
          .lastInsertRowid,
      );
      this.sync.flushBlobs();
      return outboxId;
    });
    return this.get(id) as OutboxItem;
  }

  get(id: number): OutboxItem | undefined {
    const row = this.db.prepare<[number], Row>(`${SELECT} WHERE o.id = ?`).get(id);
    return row && toItem(row);
  }

  list(options: { statuses?: OutboxStatus[] } = {}): OutboxItem[] {
    const rows = this.db.prepare<[], Row>(`${SELECT} ORDER BY o.id`).all().map(toItem);
    return options.statuses ? rows.filter((r) => options.statuses?.includes(r.status)) : rows;
  }

  /** Letters some process was sending, with who that was (host:pid). */
  inFlight(): Array<{ id: number; status: 'sending' | 'committing'; claimedBy: string | null }> {
    return this.db
      .prepare<[], { id: number; status: 'sending' | 'committing'; claimed_by: string | null }>(
        `SELECT id, status, claimed_by FROM outbox WHERE status IN ('sending', 'committing')`,
      )
      .all()
      .map((r) => ({ id: r.id, status: r.status, claimedBy: r.claimed_by }));
  }

  /**
   * After its sender died (or its link did, after the whole letter went out): a letter whose end never reached the
   * server is queued again; one that may have been accepted is held for the user, so no letter is sent twice.
   */
  recoverInterrupted(id: number, why = 'Interlog stopped while the server was taking this letter'): void {
    writeTransaction(this.db, () => {
      this.db
        .prepare(`UPDATE outbox SET status = 'queued', claimed_by = NULL WHERE id = ? AND status = 'sending'`)
        .run(id);
      this.db
        .prepare(
          `UPDATE outbox SET status = 'unknown', claimed_by = NULL, last_error = ? WHERE id = ? AND status = 'committing'`,
        )
        .run(
          `${why}: it may have been sent. Check with the recipient or the Sent folder, then send it again or mark it sent.`,
          id,
        );
    });
  }

  /** Takes the next letter that is due (of the given accounts, or of any), marking it as being sent. */
  claimDue(now: Date, claimedBy: string, accountIds?: readonly number[]): OutboxItem | undefined {
    const only = accountIds ? `AND account_id IN (${accountIds.map(() => '?').join(',') || 'NULL'})` : '';
    const id = writeTransaction(this.db, () => {
      const row = this.db
        .prepare<Array<string | number>, { id: number }>(
          `SELECT id FROM outbox WHERE status = 'queued' AND next_attempt_at <= ? ${only}
           ORDER BY next_attempt_at, id LIMIT 1`,
        )
        .get(now.toISOString(), ...(accountIds ?? []));
      if (!row) return undefined;
      this.db
        .prepare(`UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = ? WHERE id = ?`)
        .run(claimedBy, row.id);
      return row.id;
    });
    return id === undefined ? undefined : this.get(id);
  }

  /** The next time a queued letter is due, to sleep until then. */
  nextDue(): string | null {
    return (
      this.db
        .prepare<[], { at: string | null }>(`SELECT MIN(next_attempt_at) AS at FROM outbox WHERE status = 'queued'`)
        .get()?.at ?? null
    );
  }

  markCommitting(id: number): void {
    writeTransaction(this.db, () => this.db.prepare(`UPDATE outbox SET status = 'committing' WHERE id = ?`).run(id));
  }

  markSent(id: number, response: string, now: Date): void {
    writeTransaction(this.db, () =>
      this.db
        .prepare(`UPDATE outbox SET status = 'sent', server_response = ?, sent_at = ?, last_error = NULL WHERE id = ?`)
        .run(response, now.toISOString(), id),
    );
  }

  markSentCopy(id: number, state: 'appended' | 'not-needed' | 'failed', error?: string): void {
    writeTransaction(this.db, () =>
      this.db
        .prepare('UPDATE outbox SET sent_copy = ?, last_error = COALESCE(?, last_error) WHERE id = ?')
        .run(state, error ?? null, id),
    );
  }

  reschedule(id: number, error: string, at: Date): void {
    writeTransaction(this.db, () =>
      this.db
        .prepare(`UPDATE outbox SET status = 'queued', last_error = ?, next_attempt_at = ? WHERE id = ?`)
        .run(error, at.toISOString(), id),
    );
  }

  fail(id: number, error: string): void {
    writeTransaction(this.db, () =>
      this.db.prepare(`UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?`).run(error, id),
    );
  }

  /** The user's answer to a failed, held or cancelled letter: send it again now. */
  retry(id: number, now: Date): void {
    this.change(id, ['failed', 'unknown', 'cancelled'], `status = 'queued', next_attempt_at = ?`, [now.toISOString()]);
  }

  cancel(id: number): void {
    this.change(id, ['queued', 'failed', 'unknown'], `status = 'cancelled'`, []);
  }

  /** The user checked that a held letter did go out. */
  markSentByUser(id: number, now: Date): void {
    this.change(id, ['unknown', 'failed'], `status = 'sent', sent_at = ?`, [now.toISOString()]);
  }

  private change(id: number, from: OutboxStatus[], set: string, params: unknown[]): void {
    const item = this.get(id);
    if (!item) throw new InterlogError('not-found', `There is no letter ${id} in the outbox.`);
    if (!from.includes(item.status)) {
      throw new InterlogError('invalid-input', `Letter ${id} is ${item.status}; that cannot be done now.`);
    }
    writeTransaction(this.db, () => this.db.prepare(`UPDATE outbox SET ${set} WHERE id = ?`).run(...params, id));
  }
}

function toItem(r: Row): OutboxItem {
  return {
    id: r.id,
    accountId: r.account_id,
    interactionId: r.interaction_id,
    envelope: { from: r.envelope_from, to: JSON.parse(r.envelope_to) as string[] },
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    serverResponse: r.server_response,
    sentAt: r.sent_at,
    sentCopy: r.sent_copy,
    sourceSha256: r.sha,
    title: r.title,
    createdAt: r.created_at,
  };
}
