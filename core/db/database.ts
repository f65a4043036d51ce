import fs from 'node:fs';
import path from 'node:path';
import { isMainThread } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { InterlogError } from '../errors.js';
import { latestBackup } from '../journal-file.js';
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
  // The process that opens the journal for the user checks it; the sync and index workers (threads of that
  // process) open it after that check and would only repeat it.
  const check = !options.readonly && isMainThread;
  const fullCheck = check && needsFullCheck(file);
  let db: Db;
  try {
    db = new Database(file, { readonly: options.readonly ?? false });
  } catch (error) {
    throw damagedOr(error, file);
  }
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
    if (check) checkIntegrity(db, file, fullCheck);
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
    throw damagedOr(error, file);
  }
}

/**
 * Below this size the whole file is checked (`PRAGMA quick_check`) at every open, for a few milliseconds. Above it
 * the open checks the header and the schema only, at no measurable cost, and the full check is left to
 * `interlog backup`, which runs it on every copy it makes. quick_check reads every page: 5.5 s for a 605 MB
 * database on an idle machine, 40 s for the 709 MB one of 100,000 letters on a busy one (bench:large), and
 * `quick_check(1)` only stops at the first error, so it costs the same on a sound file. A check after an unclean
 * shutdown only was tried and dropped: a WAL left behind is also what a read-only connection (a benchmark's
 * watcher, the sqlite3 shell) leaves when it closes last, so a sound journal paid 40 s at its next open, while a
 * crash in WAL mode does not damage the file (SQLite's guarantee; what it loses is the last commits).
 * Damage in a page no check read is still refused by SQLite when a query reaches it ("malformed").
 */
const FULL_CHECK_MAX_BYTES = 2 * 1024 * 1024;

/** A full check when it is cheap; the header of any existing file is read before SQLite opens it. */
function needsFullCheck(file: string): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false;
  }
  if (size === 0) return false;
  checkHeader(file, size);
  return size <= FULL_CHECK_MAX_BYTES;
}

/**
 * The 100-byte header, read before SQLite sees the file: a file that is not a database, or one cut short (the
 * header's page count says more pages than the file holds), is named as damaged rather than half-opened.
 */
function checkHeader(file: string, size: number): void {
  const header = Buffer.alloc(100);
  const fd = fs.openSync(file, 'r');
  let read: number;
  try {
    read = fs.readSync(fd, header, 0, 100, 0);
  } finally {
    fs.closeSync(fd);
  }
  if (read < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
    throw damaged(file, 'the file does not start with a database header');
  }
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw damaged(file, `its header gives an impossible page size (${raw})`);
  }
  // The page count in the header is valid only when the change counter matches "version valid for".
  const pages = header.readUInt32BE(28);
  if (header.readUInt32BE(24) !== header.readUInt32BE(92) || pages * pageSize <= size) return;
  // A checkpoint writes page 1, with the new count, before the pages that grow the file; killed in between, it
  // leaves a file shorter than its header whose missing pages are all still in the WAL, where SQLite reads them.
  const inWal = committedWalPages(file, pageSize);
  for (let page = Math.floor(size / pageSize) + 1; page <= pages; page++) {
    if (!inWal.has(page)) {
      throw damaged(file, `it is cut short (${size} bytes where its header counts ${pages} pages of ${pageSize})`);
    }
  }
}

const WAL_HEADER = 32;
const FRAME_HEADER = 24;

/**
 * The pages the journal's WAL holds in committed transactions: frames carry the salt of the WAL's header (older
 * ones are leftovers of a previous cycle), and frames after the last commit frame are a transaction that never
 * finished. Checksums are left to SQLite, which stops at the first bad one.
 */
function committedWalPages(file: string, pageSize: number): Set<number> {
  const committed = new Set<number>();
  let fd: number;
  try {
    fd = fs.openSync(`${file}-wal`, 'r');
  } catch {
    return committed;
  }
  try {
    const size = fs.fstatSync(fd).size;
    const header = Buffer.alloc(WAL_HEADER);
    if (fs.readSync(fd, header, 0, WAL_HEADER, 0) < WAL_HEADER) return committed;
    if ((header.readUInt32BE(0) & 0xfffffffe) !== 0x377f0682 || header.readUInt32BE(8) !== pageSize) return committed;
    const frame = Buffer.alloc(FRAME_HEADER);
    let pending: number[] = [];
    for (let at = WAL_HEADER; at + FRAME_HEADER + pageSize <= size; at += FRAME_HEADER + pageSize) {
      fs.readSync(fd, frame, 0, FRAME_HEADER, at);
      if (!frame.subarray(8, 16).equals(header.subarray(16, 24))) break;
      pending.push(frame.readUInt32BE(0));
      if (frame.readUInt32BE(4) !== 0) {
        for (const page of pending) committed.add(page);
        pending = [];
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return committed;
}

function checkIntegrity(db: Db, file: string, full: boolean): void {
  // Reading the schema is what SQLite does first anyway; it fails on a damaged first page or schema table.
  db.prepare('SELECT COUNT(*) FROM sqlite_schema').get();
  if (!full) return;
  const rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  if (problems.length > 0) throw damaged(file, `the integrity check found: ${problems.join('; ')}`);
}

/** SQLite's own words for a damaged file become the damaged-journal message; anything else passes through. */
function damagedOr(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB')) {
    return damaged(file, `SQLite reports: ${(error as Error).message}`);
  }
  return error;
}

/** Names the newest backup beside the journal and the command that puts it back. */
export function damaged(file: string, why: string): InterlogError {
  const backup = latestBackup(file);
  const offer = backup
    ? `The latest backup is ${backup.file} (taken ${backup.takenAt.toISOString().slice(0, 16).replace('T', ' ')} UTC): ` +
      `restore it with \`interlog --db ${file} restore ${backup.file} --force\` (the damaged file is kept as ` +
      `${path.basename(file)}.before-restore).`
    : `No backup was found in ${path.basename(file)}.backups/ beside it; restore one you keep elsewhere with ` +
      `\`interlog --db ${file} restore FILE --force\`.`;
  return new InterlogError('invalid-input', `The journal ${file} is damaged: ${why}. ${offer}`, backup?.file);
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
