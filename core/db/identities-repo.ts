import { InterlogError } from '../errors.js';
import { type Db, writeTransaction } from './database.js';

/** A From address of an account: the user's own (personal) or a shared company address (seeds 002, 003). */
export interface Identity {
  id: number;
  accountId: number;
  address: string;
  displayName: string | null;
  kind: 'personal' | 'company';
  /** "Receive replies at this address". */
  replyTo: string | null;
  isDefault: boolean;
  /** Subjects (projects) this company address is the default for. */
  subjectIds: number[];
}

interface Row {
  id: number;
  account_id: number;
  address: string;
  display_name: string | null;
  kind: 'personal' | 'company';
  reply_to: string | null;
  is_default: number;
}

export class IdentitiesRepo {
  constructor(private readonly db: Db) {}

  list(accountId: number): Identity[] {
    return this.db
      .prepare<[number], Row>('SELECT * FROM identities WHERE account_id = ? ORDER BY id')
      .all(accountId)
      .map((r) => this.toIdentity(r));
  }

  /** Adds an address (or updates it when the account has it already). */
  upsert(input: {
    accountId: number;
    address: string;
    displayName?: string | null;
    kind?: 'personal' | 'company';
    replyTo?: string | null;
    isDefault?: boolean;
    subjectIds?: number[];
  }): Identity {
    const address = input.address.trim().toLowerCase();
    const id = writeTransaction(this.db, () => {
      this.db
        .prepare(
          `INSERT INTO identities (account_id, address, display_name, kind, reply_to, is_default) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (account_id, address) DO UPDATE SET display_name = excluded.display_name, kind = excluded.kind,
             reply_to = excluded.reply_to, is_default = excluded.is_default`,
        )
        .run(
          input.accountId,
          address,
          input.displayName ?? null,
          input.kind ?? 'personal',
          input.replyTo ?? null,
          input.isDefault ? 1 : 0,
        );
      const row = this.db
        .prepare<[number, string], { id: number }>('SELECT id FROM identities WHERE account_id = ? AND address = ?')
        .get(input.accountId, address) as { id: number };
      if (input.isDefault) {
        this.db
          .prepare('UPDATE identities SET is_default = 0 WHERE account_id = ? AND id <> ?')
          .run(input.accountId, row.id);
      }
      for (const subjectId of input.subjectIds ?? []) {
        if (!this.db.prepare('SELECT 1 FROM subjects WHERE id = ?').get(subjectId)) {
          throw new InterlogError('not-found', `There is no subject ${subjectId}.`);
        }
        this.db
          .prepare('INSERT OR IGNORE INTO identity_subjects (identity_id, subject_id) VALUES (?, ?)')
          .run(row.id, subjectId);
      }
      return row.id;
    });
    return this.list(input.accountId).find((i) => i.id === id) as Identity;
  }

  private toIdentity(r: Row): Identity {
    return {
      id: r.id,
      accountId: r.account_id,
      address: r.address,
      displayName: r.display_name,
      kind: r.kind,
      replyTo: r.reply_to,
      isDefault: r.is_default === 1,
      subjectIds: this.db
        .prepare<[number], { subject_id: number }>('SELECT subject_id FROM identity_subjects WHERE identity_id = ?')
        .all(r.id)
        .map((x) => x.subject_id),
    };
  }
}
