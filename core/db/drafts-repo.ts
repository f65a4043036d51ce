import { type Db, writeTransaction } from './database.js';

/** What the drafts list shows of a draft. */
export interface DraftSummary {
  id: number;
  /** The subject line as typed (may be empty). */
  title: string;
  /** The To addresses as typed. */
  to: string[];
  updatedAt: string;
}

export interface StoredDraft<Letter> extends DraftSummary {
  letter: Letter;
}

interface Row {
  id: number;
  letter: string;
  title: string;
  recipients: string;
  updated_at: string;
}

/** Letters being written. The journal keeps the form's fields as given; the send call checks them when it goes. */
export class DraftsRepo {
  constructor(private readonly db: Db) {}

  /** Stores a new draft, or replaces the one with this id; returns its id. */
  save(id: number | undefined, draft: { letter: unknown; title: string; to: string[] }, now: Date): number {
    const at = now.toISOString();
    const letter = JSON.stringify(draft.letter);
    const to = JSON.stringify(draft.to);
    return writeTransaction(this.db, () => {
      if (id !== undefined) {
        const changed = this.db
          .prepare('UPDATE drafts SET letter = ?, title = ?, recipients = ?, updated_at = ? WHERE id = ?')
          .run(letter, draft.title, to, at, id).changes;
        if (changed > 0) return id;
      }
      // A draft deleted meanwhile (sent from another window) is stored anew rather than lost.
      return Number(
        this.db
          .prepare('INSERT INTO drafts (letter, title, recipients, created_at, updated_at) VALUES (?, ?, ?, ?, ?)')
          .run(letter, draft.title, to, at, at).lastInsertRowid,
      );
    });
  }

  list(): DraftSummary[] {
    return this.db
      .prepare<[], Row>(
        'SELECT id, title, recipients, updated_at, NULL AS letter FROM drafts ORDER BY updated_at DESC, id DESC',
      )
      .all()
      .map((row) => summary(row));
  }

  get<Letter>(id: number): StoredDraft<Letter> | undefined {
    const row = this.db.prepare<[number], Row>('SELECT * FROM drafts WHERE id = ?').get(id);
    return row && { ...summary(row), letter: JSON.parse(row.letter) as Letter };
  }

  /** Returns whether there was such a draft. Also called inside the transaction that queues the draft's letter. */
  delete(id: number): boolean {
    return writeTransaction(this.db, () => this.db.prepare('DELETE FROM drafts WHERE id = ?').run(id).changes > 0);
  }
}

function summary(row: Row): DraftSummary {
  return { id: row.id, title: row.title, to: JSON.parse(row.recipients) as string[], updatedAt: row.updated_at };
}
