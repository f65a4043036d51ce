import type { ListingHeaders } from '../mail/header-block.js';
import type { BlobStore } from './blob-store.js';
import { type Db, writeTransaction } from './database.js';
import type { FetchedSource, SyncRepo } from './sync-repo.js';

/** A POP3 copy is a message_locations row of the account's INBOX under this pseudo-UIDVALIDITY. */
const POP3_VALIDITY = 'pop3';
/** The maildrop is what IMAP calls INBOX on the same server; rules and lists show POP3 letters there. */
export const MAILDROP_FOLDER = 'INBOX';

/** A maildrop letter the journal has committed. */
export interface KnownPop3Letter {
  /** The copy's id (message_locations.uid). */
  id: number;
  firstSeenAt: string;
  /** When the journal saw it was no longer on the server; null while it is there. */
  goneAt: string | null;
}

export interface Pop3Letter {
  uidl: string;
  headers: ListingHeaders;
  source: FetchedSource;
}

export interface Pop3Batch {
  accountId: number;
  folderId: number;
  identities: ReadonlySet<string>;
  items: Pop3Letter[];
  /** Becomes first_seen_at: the N-days rule counts from here. */
  receivedAt: string;
}

/** The journal's memory of POP3 maildrops. Each public method that writes is one transaction. */
export class Pop3Repo {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly sync: SyncRepo,
    private readonly blobs: BlobStore,
  ) {
    this.stmt = {
      known: db.prepare<
        [number, string, number],
        { uidl: string; id: number; first_seen_at: string; gone_at: string | null }
      >(
        `SELECT u.uidl, u.id, u.first_seen_at, l.gone_at FROM pop3_uidl u
         LEFT JOIN message_locations l ON l.folder_id = ? AND l.uidvalidity = ? AND l.uid = u.id
         WHERE u.account_id = ?`,
      ),
      insertUidl: db.prepare(
        'INSERT INTO pop3_uidl (account_id, uidl, message_row, first_seen_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
      ),
      insertLocation: db.prepare(
        `INSERT INTO message_locations (folder_id, uidvalidity, uid, message_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (folder_id, uidvalidity, uid) DO UPDATE SET gone_at = NULL`,
      ),
      setGone: db.prepare(
        'UPDATE message_locations SET gone_at = ? WHERE folder_id = ? AND uidvalidity = ? AND uid = ?',
      ),
    };
  }

  /** The account's maildrop as a folder row, created on first use. */
  maildrop(accountId: number): number {
    return this.sync.upsertFolder(accountId, MAILDROP_FOLDER, null, null).id;
  }

  known(accountId: number, folderId: number): Map<string, KnownPop3Letter> {
    const map = new Map<string, KnownPop3Letter>();
    for (const row of this.stmt.known.iterate(folderId, POP3_VALIDITY, accountId)) {
      map.set(row.uidl, { id: row.id, firstSeenAt: row.first_seen_at, goneAt: row.gone_at });
    }
    return map;
  }

  /**
   * Stores the letters through the one store path (a letter the journal already holds, from any source, is not
   * stored twice) and records their UIDLs in the same transaction, after the pack bytes are durable.
   */
  commit(batch: Pop3Batch): number {
    let added = 0;
    writeTransaction(this.db, () => {
      for (const item of batch.items) {
        const stored = this.sync.storeLetter(batch.accountId, batch.identities, item);
        if (stored.created) added++;
        const info = this.stmt.insertUidl.run(batch.accountId, item.uidl, stored.id, batch.receivedAt);
        // A UIDL already recorded (never asked for by the sync, which skips known ones) keeps its first date.
        if (info.changes === 0) continue;
        this.stmt.insertLocation.run(batch.folderId, POP3_VALIDITY, Number(info.lastInsertRowid), stored.id);
      }
      this.blobs.flush();
    });
    return added;
  }

  /** Copies the server no longer lists get `at` as their gone date; copies listed again lose it (null). */
  setGone(folderId: number, ids: readonly number[], at: string | null): void {
    if (ids.length === 0) return;
    writeTransaction(this.db, () => {
      for (const id of ids) this.stmt.setGone.run(at, folderId, POP3_VALIDITY, id);
    });
  }
}
