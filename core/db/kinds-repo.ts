import { InterlogError } from '../errors.js';
import { formatAddress } from '../mail/addresses.js';
import type { Address } from '../mail/types.js';
import type { ChainsRepo } from './chains-repo.js';
import { type ContactsRepo, normalizePhone } from './contacts-repo.js';
import { type Db, writeTransaction } from './database.js';
import { previewOf } from './preview.js';

export type OtherKind = 'call' | 'sms' | 'meeting' | 'planned';
export type SmsStatus = 'logged' | 'queued' | 'sent' | 'delivered' | 'failed';
export type PlannedKind = 'call' | 'meeting' | 'email' | 'sms';
export type ParticipantStatus = 'needs-action' | 'accepted' | 'declined' | 'tentative';

export interface Participant {
  address: string;
  name: string;
  status: ParticipantStatus;
  repliedAt: string | null;
}

/** What a call, SMS, meeting or planned interaction carries beside the columns every interaction has. */
export interface KindDetails {
  interactionId: number;
  kind: OtherKind;
  phone: string | null;
  startsAt: string | null;
  endsAt: string | null;
  durationSeconds: number | null;
  result: string | null;
  /** Call notes, SMS text, meeting agenda, what a planned interaction is about. */
  body: string;
  place: string | null;
  status: string | null;
  provider: string | null;
  providerMessageId: string | null;
  providerError: string | null;
  plannedKind: PlannedKind | null;
  doneBy: number | null;
  icalUid: string | null;
  icalSequence: number;
  participants: Participant[];
}

export interface NewKindInteraction {
  kind: OtherKind;
  direction: 'in' | 'out';
  date: string;
  title: string;
  /** The interaction this one answers: it joins that chain. */
  basisId?: number | undefined;
  subjectId?: number | undefined;
  /** The other side, by phone (calls, SMS) or by address (meetings, planned); contacts are found or made. */
  phone?: string | undefined;
  contactId?: number | undefined;
  contactName?: string | undefined;
  participants?: Address[] | undefined;
  details: {
    startsAt?: string | null;
    endsAt?: string | null;
    durationSeconds?: number | null;
    result?: string | null;
    body?: string;
    place?: string | null;
    status?: string | null;
    plannedKind?: PlannedKind | null;
    icalUid?: string | null;
  };
  control?: { due: string | null } | undefined;
  /** A planned interaction this one carries out: it is closed as done by this one. */
  fulfils?: number | undefined;
  now: Date;
}

interface DetailsRow {
  interaction_id: number;
  kind: OtherKind;
  phone: string | null;
  starts_at: string | null;
  ends_at: string | null;
  duration_s: number | null;
  result: string | null;
  body: string;
  place: string | null;
  status: string | null;
  provider: string | null;
  provider_message_id: string | null;
  provider_error: string | null;
  planned_kind: PlannedKind | null;
  done_by: number | null;
  ical_uid: string | null;
  ical_sequence: number;
}

/** Calls, SMS, meetings and planned interactions: the journal entries that are not letters. */
export class KindsRepo {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly chains: ChainsRepo,
    private readonly contacts: ContactsRepo,
  ) {
    this.stmt = {
      insert: db.prepare(
        `INSERT INTO interactions (kind, direction, date, title, preview, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      insertDetails: db.prepare(
        `INSERT INTO interaction_details (interaction_id, phone, starts_at, ends_at, duration_s, result, body, place,
           status, planned_kind, ical_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFts: db.prepare('INSERT INTO interactions_fts (rowid, title, body, people) VALUES (?, ?, ?, ?)'),
      basis: db.prepare<[number], { chain_id: number | null }>('SELECT chain_id FROM interactions WHERE id = ?'),
      join: db.prepare('UPDATE interactions SET basis_id = ?, chain_id = ? WHERE id = ?'),
      setChainSubject: db.prepare(
        'UPDATE chains SET subject_id = ? WHERE id = (SELECT chain_id FROM interactions WHERE id = ?)',
      ),
      dropChain: db.prepare(
        'DELETE FROM chains WHERE id = ? AND NOT EXISTS (SELECT 1 FROM interactions WHERE chain_id = ?)',
      ),
      control: db.prepare('UPDATE interactions SET on_control = 1, control_due = ? WHERE id = ?'),
      contactByPhone: db.prepare<[string], { contact_id: number }>(
        'SELECT contact_id FROM contact_phones WHERE phone = ? ORDER BY contact_id LIMIT 1',
      ),
      contactName: db.prepare<[number], { name: string }>('SELECT name FROM contacts WHERE id = ?'),
      newContact: db.prepare('INSERT INTO contacts (name, created_at) VALUES (?, ?)'),
      addPhone: db.prepare('INSERT OR IGNORE INTO contact_phones (contact_id, phone) VALUES (?, ?)'),
      link: db.prepare(
        'INSERT OR IGNORE INTO interaction_contacts (interaction_id, contact_id, role) VALUES (?, ?, ?)',
      ),
      addParticipant: db.prepare(
        'INSERT OR IGNORE INTO meeting_participants (interaction_id, address, name) VALUES (?, ?, ?)',
      ),
      details: db.prepare<[number], DetailsRow>(
        'SELECT d.*, i.kind FROM interaction_details d JOIN interactions i ON i.id = d.interaction_id WHERE d.interaction_id = ?',
      ),
      participants: db.prepare<
        [number],
        { address: string; name: string; status: ParticipantStatus; replied_at: string | null }
      >('SELECT address, name, status, replied_at FROM meeting_participants WHERE interaction_id = ? ORDER BY address'),
      finishPlanned: db.prepare(
        `UPDATE interaction_details SET status = 'done', done_by = ? WHERE interaction_id = ?
           AND interaction_id IN (SELECT id FROM interactions WHERE kind = 'planned')`,
      ),
      reviewPlanned: db.prepare('UPDATE interactions SET reviewed_at = ?, review_after = NULL WHERE id = ?'),
      smsSent: db.prepare(
        `UPDATE interaction_details SET status = ?, provider = ?, provider_message_id = ?, provider_error = ?
         WHERE interaction_id = ?`,
      ),
      smsReceipt: db.prepare<[string, string | null, string, string]>(
        `UPDATE interaction_details SET status = ?, provider_error = ? WHERE provider = ? AND provider_message_id = ?
           AND status <> 'delivered'`,
      ),
      smsAwaiting: db.prepare<[string], { interaction_id: number; provider_message_id: string }>(
        `SELECT interaction_id, provider_message_id FROM interaction_details WHERE provider = ?
           AND provider_message_id IS NOT NULL AND status IN ('queued', 'sent')`,
      ),
      due: db.prepare<[string], { interaction_id: number }>(
        `SELECT interaction_id FROM interaction_details WHERE status = 'open' AND starts_at <= ? ORDER BY starts_at`,
      ),
      byUid: db.prepare<[string], { interaction_id: number }>(
        'SELECT interaction_id FROM interaction_details WHERE ical_uid = ?',
      ),
      setParticipant: db.prepare(
        'UPDATE meeting_participants SET status = ?, replied_at = ? WHERE interaction_id = ? AND address = ?',
      ),
      calendarEntries: db.prepare<[], { interaction_id: number }>(
        `SELECT d.interaction_id FROM interaction_details d JOIN interactions i ON i.id = d.interaction_id
         WHERE i.kind = 'meeting' OR (i.kind = 'planned' AND d.status = 'open') ORDER BY d.starts_at, i.id`,
      ),
      pendingCalendarLetters: db.prepare<[], { message_row: number; sha: string }>(
        `SELECT DISTINCT m.id AS message_row, m.source_sha256 AS sha FROM attachments a JOIN messages m ON m.id = a.message_id
         WHERE a.content_type LIKE 'text/calendar%' AND m.indexed_at IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM calendar_replies_seen s WHERE s.message_row = m.id)`,
      ),
      calendarSeen: db.prepare('INSERT OR IGNORE INTO calendar_replies_seen (message_row) VALUES (?)'),
    };
  }

  /** Stores the interaction with its details, contacts, chain and search entry, in one transaction. */
  create(input: NewKindInteraction): number {
    return writeTransaction(this.db, () => {
      const d = input.details;
      const body = d.body ?? '';
      const now = input.now.toISOString();
      const preview = previewOf(body);
      const id = Number(
        this.stmt.insert.run(input.kind, input.direction, input.date, input.title, preview, now).lastInsertRowid,
      );
      const phone = input.phone ? normalizePhone(input.phone) : null;
      this.stmt.insertDetails.run(
        id,
        phone,
        d.startsAt ?? null,
        d.endsAt ?? null,
        d.durationSeconds ?? null,
        d.result ?? null,
        body,
        d.place ?? null,
        d.status ?? null,
        d.plannedKind ?? null,
        d.icalUid ?? null,
      );
      const role = input.direction === 'in' ? 'from' : 'to';
      const people: string[] = [];
      if (phone || input.contactId !== undefined) {
        const contactId = this.phoneContact(phone, input.contactId, input.contactName, now);
        this.stmt.link.run(id, contactId, role);
        people.push(this.stmt.contactName.get(contactId)?.name ?? '', phone ?? '');
      }
      if (input.participants?.length) {
        this.contacts.attach(id, { [role]: input.participants });
        for (const p of input.participants) {
          this.stmt.addParticipant.run(id, p.address.toLowerCase(), p.name);
          people.push(formatAddress(p));
        }
      }
      this.joinChain(id, input.basisId, input.subjectId);
      if (input.control) this.stmt.control.run(input.control.due, id);
      if (input.fulfils !== undefined) this.finishPlanned(input.fulfils, id, input.now);
      const searchable = [body, d.result ?? '', d.place ?? ''].filter(Boolean).join('\n');
      this.stmt.insertFts.run(id, input.title, searchable, people.filter(Boolean).join(', '));
      // An incoming call or SMS answering a letter or SMS on control ends that control, as an answer by mail does.
      if (input.direction === 'in') this.chains.settleControls(id);
      return id;
    });
  }

  /** Moves an interaction that started a chain of its own (an invitation letter) into the chain of its basis. */
  joinAsAnswer(interactionId: number, basisId: number): void {
    writeTransaction(this.db, () => {
      const old = this.stmt.basis.get(interactionId)?.chain_id ?? null;
      this.joinChain(interactionId, basisId, undefined);
      if (old !== null) this.stmt.dropChain.run(old, old);
    });
  }

  /** Closes a planned interaction as done, by the interaction that carried it out (when there is one). */
  completePlanned(plannedId: number, doneBy: number | null, now: Date): void {
    writeTransaction(this.db, () => this.finishPlanned(plannedId, doneBy, now));
  }

  get(interactionId: number): KindDetails | undefined {
    const row = this.stmt.details.get(interactionId);
    if (!row) return undefined;
    return {
      interactionId: row.interaction_id,
      kind: row.kind,
      phone: row.phone,
      startsAt: row.starts_at,
      endsAt: row.ends_at,
      durationSeconds: row.duration_s,
      result: row.result,
      body: row.body,
      place: row.place,
      status: row.status,
      provider: row.provider,
      providerMessageId: row.provider_message_id,
      providerError: row.provider_error,
      plannedKind: row.planned_kind,
      doneBy: row.done_by,
      icalUid: row.ical_uid,
      icalSequence: row.ical_sequence,
      participants: this.stmt.participants.all(interactionId).map((p) => ({
        address: p.address,
        name: p.name,
        status: p.status,
        repliedAt: p.replied_at,
      })),
    };
  }

  /** What the provider said when it took (or refused) an SMS. */
  recordSmsSubmit(
    interactionId: number,
    result: { provider: string; providerMessageId: string | null; status: SmsStatus; error: string | null },
  ): void {
    writeTransaction(this.db, () =>
      this.stmt.smsSent.run(result.status, result.provider, result.providerMessageId, result.error, interactionId),
    );
  }

  /** A delivery receipt; a delivered SMS stays delivered whatever arrives late. Returns whether one matched. */
  recordSmsReceipt(provider: string, providerMessageId: string, status: SmsStatus, error: string | null): boolean {
    return writeTransaction(
      this.db,
      () => this.stmt.smsReceipt.run(status, error, provider, providerMessageId).changes > 0,
    );
  }

  /** SMS of this provider still waiting for a final status. */
  smsAwaitingStatus(provider: string): Array<{ interactionId: number; providerMessageId: string }> {
    return this.stmt.smsAwaiting
      .all(provider)
      .map((r) => ({ interactionId: r.interaction_id, providerMessageId: r.provider_message_id }));
  }

  /** Open planned interactions whose time has come, earliest first. */
  due(now: Date): number[] {
    return this.stmt.due.all(now.toISOString()).map((r) => r.interaction_id);
  }

  /** Meetings, and planned interactions still open: what a calendar export holds. */
  calendarEntries(): number[] {
    return this.stmt.calendarEntries.all().map((r) => r.interaction_id);
  }

  /** A participant's answer to an invitation; returns the meeting it changed, if any. */
  recordReply(icalUid: string, address: string, status: ParticipantStatus, at: Date): number | undefined {
    return writeTransaction(this.db, () => {
      const meeting = this.stmt.byUid.get(icalUid)?.interaction_id;
      if (meeting === undefined) return undefined;
      const changed = this.stmt.setParticipant.run(status, at.toISOString(), meeting, address.toLowerCase()).changes;
      return changed > 0 ? meeting : undefined;
    });
  }

  /** Indexed letters with a calendar part not yet looked at for a meeting reply. */
  pendingCalendarLetters(): Array<{ messageRow: number; sha256: string }> {
    return this.stmt.pendingCalendarLetters.all().map((r) => ({ messageRow: r.message_row, sha256: r.sha }));
  }

  markCalendarLetterSeen(messageRow: number): void {
    writeTransaction(this.db, () => this.stmt.calendarSeen.run(messageRow));
  }

  private finishPlanned(plannedId: number, doneBy: number | null, now: Date): void {
    if (this.stmt.finishPlanned.run(doneBy, plannedId).changes === 0) {
      throw new InterlogError('not-found', `There is no planned interaction ${plannedId}.`);
    }
    // Done is also dealt with: it leaves the to-review list.
    this.stmt.reviewPlanned.run(now.toISOString(), plannedId);
  }

  private joinChain(id: number, basisId: number | undefined, subjectId: number | undefined): void {
    if (basisId !== undefined) {
      const basis = this.stmt.basis.get(basisId);
      if (!basis) throw new InterlogError('not-found', `There is no interaction ${basisId} to answer.`);
      const chainId = basis.chain_id ?? this.chains.startChain(basisId);
      this.stmt.join.run(basisId, chainId, id);
    } else {
      this.chains.startChain(id);
    }
    if (subjectId !== undefined) this.stmt.setChainSubject.run(subjectId, id);
  }

  /** The contact behind a phone number: the given one (which gets the number), the one holding it, or a new one. */
  private phoneContact(phone: string | null, contactId: number | undefined, name: string | undefined, now: string) {
    let id = contactId;
    if (id !== undefined && !this.stmt.contactName.get(id)) {
      throw new InterlogError('not-found', `There is no contact ${id}.`);
    }
    if (id === undefined && phone) id = this.stmt.contactByPhone.get(phone)?.contact_id;
    if (id === undefined) id = Number(this.stmt.newContact.run(name || phone || '?', now).lastInsertRowid);
    if (phone) this.stmt.addPhone.run(id, phone);
    return id;
  }
}
