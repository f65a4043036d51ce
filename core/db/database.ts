import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InterlogError } from '../errors.js';
import { withWriteGate } from '../util/write-gate.js';
import { migrations, schemaVersion } from './migrations/index.js';

export type Db = Database.Database;

export interface OpenOptions {
  readonly?: boolean;
}

/**
 * Opens (creating when absent) a journal database, upgrading an older schema in one transaction.
 * A journal written by a newer Interlog is refused before anything is written to it.
 */
export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (!options.readonly) fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { readonly: options.readonly ?? false });
  try {
    const found = db.pragma('user_version', { simple: true }) as number;
    if (found > schemaVersion) {
      throw new InterlogError(
        'journal-too-new',
        `The journal ${file} was written by a newer Interlog (schema ${found}; this build knows up to ${schemaVersion}). ` +
          'Update Interlog to open it; the file was left untouched.',
      );
    }
    db.pragma('busy_timeout = 10000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // NORMAL in WAL mode keeps every commit atomic and the file uncorrupted on power loss; only the last
      // transactions may roll back, and the sync cursor rolls back with them, so nothing is lost.
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      migrate(db, found);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Runs `work` as a write transaction that takes the write lock at BEGIN. The sync thread and the index workers
 * write through their own connections; a deferred transaction that read first could not wait its turn (WAL
 * refuses to upgrade a stale snapshot), an immediate one simply waits for the lock (busy_timeout).
 */
export function writeTransaction<T>(db: Db, work: () => T): T {
  // Nested calls run inside the outer transaction (a savepoint) and must not take the gate a second time.
  if (db.inTransaction) return db.transaction(work).immediate();
  return withWriteGate(() => db.transaction(work).immediate());
}

function migrate(db: Db, from: number): void {
  const pending = migrations.filter((m) => m.version > from);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const migration of pending) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    }
  }).immediate();
}
