import type { ListingHeaders } from '../mail/header-block.js';
import type { BlobStore } from './blob-store.js';
import { basisCandidates, type ChainsRepo } from './chains-repo.js';
import { type Db, writeTransaction } from './database.js';

export interface FolderState {
  id: number;
  accountId: number;
  path: string;
  specialUse: string | null;
  uidvalidity: string | null;
  uidnext: number | null;
  lastUid: number;
  highestModseq: string | null;
}

export interface FolderCursor {
  uidvalidity: string;
  lastUid: number;
  uidnext: number | null;
  highestModseq: string | null;
}

/** A downloaded source: in memory, or already streamed into the blob store (large letters). */
export type FetchedSource =
  | { kind: 'buffer'; data: Buffer; sha256: string }
  | { kind: 'streamed'; sha256: string; size: number; record(): void };

/** One fetched copy: either a message the journal already holds (by Message-ID) or a new one. */
export type BatchItem =
  | { uid: number; flags: string; knownMessage: number }
  | { uid: number; flags: string; headers: ListingHeaders; source: FetchedSource };

export interface FolderBatch {
  folderId: number;
  accountId: number;
  identities: ReadonlySet<string>;
  items: BatchItem[];
  cursor: FolderCursor;
}

interface FolderRow {
  id: number;
  account_id: number;
  path: string;
  special_use: string | null;
  uidvalidity: string | null;
  uidnext: number | null;
  last_uid: number;
  highest_modseq: string | null;
}

/** Everything the sync engine writes. Each public method is one transaction. */
export class SyncRepo {
  private readonly stmt;

  constructor(
    private readonly db: Db,
    private readonly blobs: BlobStore,
    private readonly chains: ChainsRepo,
  ) {
    this.stmt = {
      messageByKey: db.prepare<[string], { id: number }>('SELECT id FROM messages WHERE message_key = ?'),
      messageById: db.prepare<[string], { id: number }>('SELECT id FROM messages WHERE message_id = ? LIMIT 1'),
      insertMessage: db.prepare(
        `INSERT INTO messages (message_key, message_id, in_reply_to, refs, subject, from_address, from_name, recipients,
           date, size, source_sha256, parse_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertInteraction: db.prepare(
        `INSERT INTO interactions (kind, direction, date, title, account_id, message_id, preview, has_attachments, created_at)
         VALUES ('email', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      upsertLocation: db.prepare(
        `INSERT INTO message_locations (folder_id, uidvalidity, uid, message_id, flags) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (folder_id, uidvalidity, uid) DO UPDATE SET message_id = excluded.message_id, flags = excluded.flags,
           gone_at = NULL`,
      ),
      saveCursor: db.prepare(
        'UPDATE folders SET uidvalidity = ?, last_uid = ?, uidnext = ?, highest_modseq = ? WHERE id = ?',
      ),
      folder: db.prepare<[number], FolderRow>('SELECT * FROM folders WHERE id = ?'),
    };
  }

  upsertFolder(accountId: number, path: string, delimiter: string | null, specialUse: string | null): FolderState {
    this.db
      .prepare(
        `INSERT INTO folders (account_id, path, delimiter, special_use) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id, path) DO UPDATE SET delimiter = excluded.delimiter, special_use = excluded.special_use,
           present = 1`,
      )
      .run(accountId, path, delimiter, specialUse);
    const row = this.db
      .prepare<[number, string], FolderRow>('SELECT * FROM folders WHERE account_id = ? AND path = ?')
      .get(accountId, path) as FolderRow;
    return toFolder(row);
  }

  folder(id: number): FolderState {
    return toFolder(this.stmt.folder.get(id) as FolderRow);
  }

  /** Folders the server no longer lists keep their letters; they are only flagged. */
  markFoldersAbsent(accountId: number, presentPaths: string[]): void {
    const keep = new Set(presentPaths);
    const rows = this.db.prepare<[number], { id: number; path: string }>(
      'SELECT id, path FROM folders WHERE account_id = ?',
    );
    const mark = this.db.prepare('UPDATE folders SET present = 0 WHERE id = ?');
    writeTransaction(this.db, () => {
      for (const row of rows.all(accountId)) if (!keep.has(row.path)) mark.run(row.id);
    });
  }

  /** The account's folders the journal holds letters from (still on the server), in path order. */
  folderPaths(accountId: number): string[] {
    return this.db
      .prepare<[number], { path: string }>(
        `SELECT f.path FROM folders f WHERE f.account_id = ? AND f.present = 1
           AND EXISTS (SELECT 1 FROM message_locations l WHERE l.folder_id = f.id) ORDER BY f.path`,
      )
      .all(accountId)
      .map((r) => r.path);
  }

  /** Journal rows for Message-IDs already stored, so their copies in other folders are not downloaded again. */
  knownMessages(messageIds: string[]): Map<string, number> {
    const found = new Map<string, number>();
    for (const id of messageIds) {
      const row = this.stmt.messageById.get(id);
      if (row) found.set(id, row.id);
    }
    return found;
  }

  /** A new UIDVALIDITY invalidates every UID: old copies are marked gone and the folder is read again. */
  startNewUidValidity(folderId: number, uidvalidity: string): void {
    writeTransaction(this.db, () => {
      this.db
        .prepare(
          'UPDATE message_locations SET gone_at = ? WHERE folder_id = ? AND uidvalidity <> ? AND gone_at IS NULL',
        )
        .run(new Date().toISOString(), folderId, uidvalidity);
      this.db
        .prepare('UPDATE folders SET uidvalidity = ?, last_uid = 0, uidnext = NULL, highest_modseq = NULL WHERE id = ?')
        .run(uidvalidity, folderId);
    });
  }

  /** The batch's letters, their copies here and the folder's cursor commit together or not at all. */
  commitBatch(batch: FolderBatch): number {
    let added = 0;
    writeTransaction(this.db, () => {
      for (const item of batch.items) {
        let messageRow: number;
        if ('knownMessage' in item) messageRow = item.knownMessage;
        else {
          const stored = this.storeLetter(batch.accountId, batch.identities, item);
          messageRow = stored.id;
          if (stored.created) added++;
        }
        this.stmt.upsertLocation.run(batch.folderId, batch.cursor.uidvalidity, item.uid, messageRow, item.flags);
      }
      const c = batch.cursor;
      this.stmt.saveCursor.run(c.uidvalidity, c.lastUid, c.uidnext, c.highestModseq, batch.folderId);
      this.blobs.flush();
    });
    return added;
  }

  /**
   * Lists a new letter from its header: the interaction appears now, its text, attachments and search entry
   * follow from the indexer. A letter already stored (the same letter in another folder, account or source) is
   * not stored twice. Every source (IMAP folders, POP3) stores through here, inside its own write transaction,
   * and calls `blobs.flush()` before that transaction commits.
   */
  storeLetter(
    accountId: number | null,
    identities: ReadonlySet<string>,
    item: { headers: ListingHeaders; source: FetchedSource },
  ): { id: number; created: boolean } {
    const { headers: h, source } = item;
    const existing = this.stmt.messageByKey.get(h.key);
    if (existing) return { id: existing.id, created: false };
    if (source.kind === 'buffer') this.blobs.put(source.sha256, source.data);
    else source.record();
    const size = source.kind === 'buffer' ? source.data.length : source.size;
    const recipients = { to: h.to, cc: h.cc, bcc: h.bcc, replyTo: h.replyTo };
    const messageRow = Number(
      this.stmt.insertMessage.run(
        h.key,
        h.messageId,
        h.inReplyTo,
        JSON.stringify(h.references),
        h.subject,
        h.from?.address ?? null,
        h.from?.name ?? null,
        JSON.stringify(recipients),
        h.date,
        size,
        source.sha256,
        null,
      ).lastInsertRowid,
    );
    const outgoing = h.from !== null && identities.has(h.from.address);
    const interactionId = Number(
      this.stmt.insertInteraction.run(
        outgoing ? 'out' : 'in',
        h.date,
        h.subject,
        accountId,
        messageRow,
        '',
        h.likelyAttachments ? 1 : 0,
        new Date().toISOString(),
      ).lastInsertRowid,
    );
    this.chains.linkLetter(
      interactionId,
      messageRow,
      h.messageId,
      basisCandidates(h.messageId, h.inReplyTo, h.references),
    );
    return { id: messageRow, created: true };
  }

  /** Makes the blobs written in the current transaction durable; call right before it commits. */
  flushBlobs(): void {
    this.blobs.flush();
  }

  /** UIDs of the folder's copies the journal believes are still on the server. */
  presentUids(folderId: number, uidvalidity: string): number[] {
    return this.db
      .prepare<[number, string], { uid: number }>(
        'SELECT uid FROM message_locations WHERE folder_id = ? AND uidvalidity = ? AND gone_at IS NULL ORDER BY uid',
      )
      .all(folderId, uidvalidity)
      .map((r) => r.uid);
  }

  /** Expunged on the server: the letter stays in the journal, its copy is marked gone. */
  markGone(folderId: number, uidvalidity: string, uids: number[]): void {
    if (uids.length === 0) return;
    const stmt = this.db.prepare(
      'UPDATE message_locations SET gone_at = ? WHERE folder_id = ? AND uidvalidity = ? AND uid = ? AND gone_at IS NULL',
    );
    const now = new Date().toISOString();
    writeTransaction(this.db, () => {
      for (const uid of uids) stmt.run(now, folderId, uidvalidity, uid);
    });
  }

  updateFlags(
    folderId: number,
    uidvalidity: string,
    changes: Array<{ uid: number; flags: string }>,
    modseq: string | null,
  ): void {
    const stmt = this.db.prepare(
      'UPDATE message_locations SET flags = ? WHERE folder_id = ? AND uidvalidity = ? AND uid = ?',
    );
    writeTransaction(this.db, () => {
      for (const c of changes) stmt.run(c.flags, folderId, uidvalidity, c.uid);
      if (modseq !== null) this.db.prepare('UPDATE folders SET highest_modseq = ? WHERE id = ?').run(modseq, folderId);
    });
  }
}

function toFolder(row: FolderRow): FolderState {
  return {
    id: row.id,
    accountId: row.account_id,
    path: row.path,
    specialUse: row.special_use,
    uidvalidity: row.uidvalidity,
    uidnext: row.uidnext,
    lastUid: row.last_uid,
    highestModseq: row.highest_modseq,
  };
}
