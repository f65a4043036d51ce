import { InterlogError } from '../errors.js';
import type { ChainsRepo } from './chains-repo.js';
import { type Db, writeTransaction } from './database.js';

/**
 * "Delete from the journal". A deleted letter's message row stays behind with its server locations and source:
 * that row is what tells every later sync (another folder's copy, a new UIDVALIDITY, a POP3 UIDL) that the letter
 * is already known, so a deleted letter never comes back. Everything the user sees goes: the interaction, its
 * search entry, its flags, contacts and tags; its answers re-link to their nearest basis still present.
 */
export class DeletionRepo {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly chains: ChainsRepo,
  ) {
    this.stmt = {
      exists: db.prepare<[number], { id: number }>('SELECT id FROM interactions WHERE id = ?'),
      waiting: db.prepare<[number], { status: string }>(
        `SELECT status FROM outbox WHERE interaction_id = ? AND status IN ('queued', 'sending', 'committing', 'unknown')`,
      ),
      // A letter deleted before the indexer reached it must not hold the index queue open.
      settleIndex: db.prepare(
        `UPDATE messages SET indexed_at = COALESCE(indexed_at, ?)
         WHERE id = (SELECT message_id FROM interactions WHERE id = ?)`,
      ),
      dropSearch: db.prepare('DELETE FROM interactions_fts WHERE rowid = ?'),
      drop: db.prepare('DELETE FROM interactions WHERE id = ?'),
    };
  }

  /** Deletes the interactions that exist among `ids`, all or none; returns how many were deleted. */
  delete(ids: readonly number[]): number {
    return writeTransaction(this.db, () => {
      const present = [...new Set(ids)].filter((id) => this.stmt.exists.get(id));
      for (const id of present) {
        const waiting = this.stmt.waiting.get(id);
        if (waiting) {
          throw new InterlogError(
            'invalid-input',
            `Letter ${id} is still in the outbox (${waiting.status}): cancel it there before deleting it.`,
          );
        }
      }
      this.chains.unlink(present);
      const now = new Date().toISOString();
      for (const id of present) {
        this.stmt.settleIndex.run(now, id);
        this.stmt.dropSearch.run(id);
        this.stmt.drop.run(id);
      }
      return present.length;
    });
  }
}
