import { formatAddress } from '../mail/addresses.js';
import type { Address, ParsedMessage } from '../mail/types.js';
import type { BlobLocation, BlobStore } from './blob-store.js';
import type { ChainsRepo } from './chains-repo.js';
import type { ContactsRepo } from './contacts-repo.js';
import { type Db, writeTransaction } from './database.js';
import { previewOf } from './preview.js';
import type { RulesRepo } from './rules-repo.js';

export interface IndexTask {
  messageRow: number;
  interactionId: number;
  date: string;
  location: BlobLocation;
}

/** The indexer's side of the journal: letters listed but not yet read for text, attachments and search. */
export class IndexRepo {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly rules: RulesRepo,
    private readonly contacts: ContactsRepo,
    private readonly chains: ChainsRepo,
  ) {
    this.stmt = {
      pending: db.prepare<[number, number], { message_row: number; interaction_id: number; date: string; sha: string }>(
        `SELECT m.id AS message_row, i.id AS interaction_id, m.date, m.source_sha256 AS sha
         FROM messages m JOIN interactions i ON i.message_id = m.id
         WHERE m.indexed_at IS NULL AND m.id > ? ORDER BY m.id LIMIT ?`,
      ),
      pendingCount: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM messages WHERE indexed_at IS NULL'),
      message: db.prepare<
        [number],
        {
          from_address: string | null;
          from_name: string | null;
          recipients: string;
          subject: string;
          rules_applied: number;
          direction: 'in' | 'out';
        }
      >(`SELECT m.from_address, m.from_name, m.recipients, m.subject, m.rules_applied, i.direction
         FROM messages m JOIN interactions i ON i.message_id = m.id WHERE m.id = ?`),
      markIndexed: db.prepare('UPDATE messages SET parse_error = ?, indexed_at = ? WHERE id = ?'),
      updateInteraction: db.prepare('UPDATE interactions SET preview = ?, has_attachments = ? WHERE id = ?'),
      clearAttachments: db.prepare('DELETE FROM attachments WHERE message_id = ?'),
      insertAttachment: db.prepare(
        'INSERT INTO attachments (message_id, part, name, content_type, size, sha256, inline) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      clearFts: db.prepare('DELETE FROM interactions_fts WHERE rowid = ?'),
      insertFts: db.prepare('INSERT INTO interactions_fts (rowid, title, body, people) VALUES (?, ?, ?, ?)'),
    };
  }

  pending(limit: number, afterMessageRow = 0): IndexTask[] {
    return this.stmt.pending.all(afterMessageRow, limit).map((r) => ({
      messageRow: r.message_row,
      interactionId: r.interaction_id,
      date: r.date,
      location: this.blobs.location(r.sha),
    }));
  }

  pendingCount(): number {
    return this.stmt.pendingCount.get()?.n ?? 0;
  }

  /** Body text, attachments and the search entry of a batch of letters, in one transaction. Idempotent. */
  commit(results: Array<{ task: IndexTask; parsed: ParsedMessage }>): void {
    const now = new Date().toISOString();
    writeTransaction(this.db, () => {
      for (const { task, parsed } of results) {
        const m = this.stmt.message.get(task.messageRow);
        if (!m) continue;
        const visible = parsed.attachments.filter((a) => !a.inline);
        const preview = previewOf(parsed.text);
        this.stmt.updateInteraction.run(preview, visible.length > 0 ? 1 : 0, task.interactionId);
        this.stmt.clearAttachments.run(task.messageRow);
        for (const a of parsed.attachments) {
          this.stmt.insertAttachment.run(
            task.messageRow,
            a.part,
            a.name,
            a.contentType,
            a.size,
            a.sha256,
            a.inline ? 1 : 0,
          );
        }
        const recipients = JSON.parse(m.recipients) as Partial<Record<'to' | 'cc' | 'bcc', Address[]>>;
        const from = m.from_address ? [{ name: m.from_name ?? '', address: m.from_address }] : [];
        // Correspondents and the control of answered letters are settled here, off the path that lists letters:
        // a list row needs neither, and seconds later is soon enough for both.
        this.contacts.attach(task.interactionId, { from, to: recipients.to, cc: recipients.cc, bcc: recipients.bcc });
        if (m.direction === 'in') this.chains.settleControls(task.interactionId);
        const people = [...from, ...(recipients.to ?? []), ...(recipients.cc ?? [])].map(formatAddress).join(', ');
        const names = visible.map((a) => a.name).join(' ');
        this.stmt.clearFts.run(task.interactionId);
        this.stmt.insertFts.run(task.interactionId, m.subject, `${parsed.text}\n${names}`, people);
        this.stmt.markIndexed.run(parsed.parseError, now, task.messageRow);
        // Rules may look at the body, so they run here, once per letter, right after it was read.
        if (!m.rules_applied) this.rules.applyTo(task.interactionId);
      }
    });
  }
}
