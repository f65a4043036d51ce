import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { InterlogError } from '../errors.js';
import { blobsDir } from '../journal-file.js';
import { damaged } from './database.js';

/** The bytes of each pack a database names: up to the end of the last blob it records there. */
interface PackExtent {
  pack: string;
  extent: number;
  blobs: number;
}

export interface BackupResult {
  file: string;
  databaseBytes: number;
  packs: number;
  blobs: number;
  blobBytes: number;
  interactions: number;
  /** `copied`: the encrypted passwords and their key went along (--with-secrets); `left-out`: they exist and did not. */
  secrets: 'copied' | 'left-out' | 'none';
  checkMs: number;
  ms: number;
}

/**
 * A consistent copy of a journal that may be in use (the app or `sync --watch` writing), in the journal's own
 * layout: `file` is a database and `file.blobs/` its packs, so a backup opens like any journal (`--db file`).
 *
 * Why the copy is consistent:
 * 1. The database is copied first, by SQLite's online backup in a single step: one read transaction, so the copy
 *    is the database as of one commit. (Done in many small steps, as better-sqlite3 does by default, the backup
 *    starts over whenever another process commits, which a running sync does every few seconds.) WAL mode lets
 *    the sync keep committing meanwhile; the copy simply does not see those commits.
 * 2. Every blob row in that copy was committed after its bytes were written and fdatasync'ed into its pack
 *    (blob-store.ts), and packs are append-only: bytes once written are never moved, rewound or rewritten.
 * 3. So copying each pack afterwards, up to the end of the last blob the copied database records in it, gets every
 *    referenced byte exactly as it was. Whatever the sync appended after the snapshot is cut off (the copy's
 *    database does not name it); packs the snapshot does not name are not copied at all.
 * The other order (packs, then the database) would not be consistent: the database could name bytes appended
 * after the packs were copied.
 */
export async function backupJournal(
  journal: string,
  target: string,
  options: { withSecrets?: boolean } = {},
): Promise<BackupResult> {
  const started = performance.now();
  if (!fs.existsSync(journal)) throw new InterlogError('not-found', `There is no journal at ${journal}.`);
  if (fs.existsSync(target) || fs.existsSync(blobsDir(target))) {
    throw new InterlogError('invalid-input', `${target} already exists: name a new file for the backup.`);
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial`;
  removeJournalFiles(partial);
  try {
    await copyDatabase(journal, partial);
    const copy = new Database(partial);
    let extents: PackExtent[];
    let interactions: number;
    let checkMs: number;
    try {
      // The online backup copies pages as they are, damage included: the copy is checked so that a backup is
      // never silently a copy of a damaged journal, and the damage is found while a good backup may still exist.
      const checkStart = performance.now();
      const problems = quickCheck(copy);
      checkMs = performance.now() - checkStart;
      if (problems) throw damaged(journal, `the integrity check of its backup copy found: ${problems}`);
      extents = packExtents(copy);
      interactions = (copy.prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
      // A backup at rest is one self-contained file: no WAL beside it to be forgotten when it is copied elsewhere.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    const blobBytes = copyPacks(blobsDir(journal), blobsDir(partial), extents, 'prefix');
    fsyncFile(partial);
    fs.renameSync(blobsDir(partial), blobsDir(target));
    fs.renameSync(partial, target);
    fsyncFile(path.dirname(target));
    const secrets = copySecrets(journal, target, options.withSecrets === true);
    return {
      file: target,
      databaseBytes: fs.statSync(target).size,
      packs: extents.length,
      blobs: extents.reduce((n, e) => n + e.blobs, 0),
      blobBytes,
      interactions,
      secrets,
      checkMs,
      ms: performance.now() - started,
    };
  } catch (error) {
    removeJournalFiles(partial);
    throw error;
  }
}

export interface RestoreResult {
  journal: string;
  /** Where the journal that was replaced went, when there was one. */
  replacedBy: string | null;
  interactions: number;
  packs: number;
  /** `restored`: the backup's passwords were put beside the journal; `kept`: the journal's own stayed in place. */
  secrets: 'restored' | 'kept' | 'none';
  ms: number;
}

/**
 * Puts a backup in the journal's place. The backup is checked first (database and packs), an existing journal is
 * replaced only when `force` is given and no one has it open, and it is kept as `<journal>.before-restore`.
 * The passwords beside the journal (`.secrets`, `.key`) are not part of the database and stay where they are:
 * after a damaged file is restored they still belong to the same accounts.
 */
export async function restoreJournal(
  backup: string,
  journal: string,
  options: { force?: boolean } = {},
): Promise<RestoreResult> {
  const started = performance.now();
  if (!fs.existsSync(backup)) throw new InterlogError('not-found', `There is no backup at ${backup}.`);
  const extents = checkBackup(backup);
  const existing = [journal, `${journal}-wal`, blobsDir(journal)].some((f) => fs.existsSync(f));
  let replacedBy: string | null = null;
  if (existing) {
    if (!options.force) {
      throw new InterlogError(
        'invalid-input',
        `The journal ${journal} exists; restoring would replace it. Run restore again with --force to replace it ` +
          `(it is then kept as ${path.basename(journal)}.before-restore).`,
      );
    }
    if (journalInUse(journal)) throw inUse(journal, 'restoring a backup');
    replacedBy = `${journal}.before-restore`;
    if ([replacedBy, blobsDir(replacedBy)].some((f) => fs.existsSync(f))) {
      throw new InterlogError(
        'invalid-input',
        `${replacedBy} is there from an earlier restore: move it elsewhere (or delete it) and run restore again.`,
      );
    }
    for (const [from, to] of [
      [`${journal}-wal`, `${replacedBy}-wal`],
      [`${journal}-shm`, `${replacedBy}-shm`],
      [blobsDir(journal), blobsDir(replacedBy)],
      [journal, replacedBy],
    ] as const) {
      if (fs.existsSync(from)) fs.renameSync(from, to);
    }
  }
  const restoring = `${journal}.restoring`;
  removeJournalFiles(restoring);
  try {
    fs.mkdirSync(path.dirname(journal), { recursive: true });
    // Through SQLite rather than a file copy: a backup someone opened with --db may have a WAL beside it.
    await copyDatabase(backup, restoring);
    copyPacks(blobsDir(backup), blobsDir(restoring), extents, 'whole');
    fsyncFile(restoring);
    // The database appears last: until it does, the journal's place holds no half-restored journal.
    fs.renameSync(blobsDir(restoring), blobsDir(journal));
    fs.renameSync(restoring, journal);
    fsyncFile(path.dirname(journal));
  } catch (error) {
    removeJournalFiles(restoring);
    if (!replacedBy) throw error;
    throw new InterlogError(
      'invalid-input',
      `The restore failed (${(error as Error).message}); the journal that was in its place is kept as ${replacedBy}.`,
    );
  }
  const db = new Database(journal, { readonly: true });
  const interactions = (db.prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
  db.close();
  return {
    journal,
    replacedBy,
    interactions,
    packs: extents.length,
    secrets: restoreSecrets(backup, journal),
    ms: performance.now() - started,
  };
}

export interface CompactResult {
  databaseBefore: number;
  databaseAfter: number;
  /** All pack files together; packs are not rewritten, so this is the same before and after. */
  packBytes: number;
  /** Pack bytes no blob row names: rolled-back transactions and duplicate streamed letters. */
  unreferencedPackBytes: number;
  ms: number;
}

/**
 * VACUUM (the database rewritten without its free pages) and a merge of the full-text index's segments.
 * Blob packs are left as they are: nothing in Interlog deletes a letter's source or a blob row, so no pack byte
 * a blob was recorded for ever becomes garbage; the only unreferenced bytes are those of rolled-back
 * transactions and of duplicate large letters streamed before their hash was known, and they are reported.
 * VACUUM rewrites the whole file and holds the write lock throughout, so it runs only while no one else has the
 * journal open (a sync waiting that long for the lock would fail).
 */
export function compactJournal(journal: string): CompactResult {
  const started = performance.now();
  if (!fs.existsSync(journal)) throw new InterlogError('not-found', `There is no journal at ${journal}.`);
  const databaseBefore = databaseBytes(journal);
  const db = new Database(journal, { timeout: 0 });
  let referenced: number;
  try {
    try {
      // Exclusive locking mode keeps the lock from this first transaction until close: no one can start in between.
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE; COMMIT');
    } catch (error) {
      if (isBusy(error)) throw inUse(journal, 'compacting it');
      throw error;
    }
    db.exec("INSERT INTO interactions_fts (interactions_fts) VALUES ('optimize')");
    db.exec('VACUUM');
    db.pragma('wal_checkpoint(TRUNCATE)');
    referenced = (db.prepare('SELECT COALESCE(SUM(size), 0) AS n FROM blobs').get() as { n: number }).n;
  } finally {
    db.close();
  }
  const packBytes = directoryBytes(blobsDir(journal));
  return {
    databaseBefore,
    databaseAfter: databaseBytes(journal),
    packBytes,
    unreferencedPackBytes: Math.max(0, packBytes - referenced),
    ms: performance.now() - started,
  };
}

/** Whether another connection (any process) has the journal open: exclusive locking fails at once if so. */
export function journalInUse(journal: string): boolean {
  if (!fs.existsSync(journal)) return false;
  const probe = new Database(journal, { timeout: 0 });
  try {
    probe.pragma('locking_mode = EXCLUSIVE');
    probe.exec('BEGIN EXCLUSIVE; COMMIT');
    return false;
  } catch (error) {
    // A damaged file fails otherwise (not a database, malformed): it is not in use for all we can tell.
    return isBusy(error);
  } finally {
    probe.close();
  }
}

/** The database file and its WAL, which holds the latest commits until they are checkpointed. */
export function databaseBytes(journal: string): number {
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  return size(journal) + size(`${journal}-wal`);
}

export function directoryBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(dir, entry.name)).size;
  }
  return total;
}

function inUse(journal: string, doing: string): InterlogError {
  return new InterlogError(
    'invalid-input',
    `The journal ${journal} is open in Interlog (the app or \`sync --watch\`): close it before ${doing}.`,
  );
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  // Extended codes too (SQLITE_BUSY_RECOVERY while another connection recovers the WAL, and the like).
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/** Copies a database through SQLite's online backup, in one step (see backupJournal). */
async function copyDatabase(from: string, to: string): Promise<void> {
  // Not read-only: a read-only connection cannot remove the WAL and its index when it is the last to close.
  const source = new Database(from, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    await source.backup(to, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }
}

/** The problems `PRAGMA quick_check` lists, or null; a page too damaged to list problems for counts as one. */
function quickCheck(db: Database.Database): string | null {
  let rows: Array<{ quick_check: string }>;
  try {
    rows = db.pragma('quick_check(5)') as Array<{ quick_check: string }>;
  } catch (error) {
    const code = String((error as { code?: unknown }).code);
    if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB') return (error as Error).message;
    throw error;
  }
  const problems = rows.map((r) => r.quick_check).filter((r) => r !== 'ok');
  return problems.length > 0 ? problems.join('; ') : null;
}

function packExtents(db: Database.Database): PackExtent[] {
  const rows = db
    .prepare('SELECT pack, MAX(offset + size) AS extent, COUNT(*) AS blobs FROM blobs GROUP BY pack')
    .all() as PackExtent[];
  for (const row of rows) {
    // Pack names are made by blob-store.ts; anything else (a path) in a copied database is not followed.
    if (!/^[\w.-]+$/.test(row.pack) || row.pack.startsWith('.')) {
      throw new InterlogError('invalid-input', `The journal names a pack file "${row.pack}" that cannot be one.`);
    }
  }
  return rows;
}

/** A backup is restored only whole: its database passes the integrity check and holds every byte it names. */
function checkBackup(backup: string): PackExtent[] {
  let db: Database.Database;
  try {
    db = new Database(backup, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw badBackup(backup, (error as Error).message);
  }
  try {
    const problems = quickCheck(db);
    if (problems) throw badBackup(backup, `its integrity check found: ${problems}`);
    const extents = packExtents(db);
    for (const { pack, extent } of extents) {
      const file = path.join(blobsDir(backup), pack);
      const size = fs.existsSync(file) ? fs.statSync(file).size : -1;
      if (size < extent) {
        throw badBackup(
          backup,
          size < 0
            ? `its letters' pack ${file} is missing`
            : `its pack ${file} is cut short (${size} of ${extent} bytes)`,
        );
      }
    }
    return extents;
  } catch (error) {
    if (error instanceof InterlogError) throw error;
    throw badBackup(backup, (error as Error).message);
  } finally {
    db.close();
  }
}

function badBackup(backup: string, why: string): InterlogError {
  return new InterlogError('invalid-input', `The backup ${backup} cannot be restored: ${why}. Nothing was changed.`);
}

/** Copies each pack, whole or only up to its extent, and makes the copies durable; returns the bytes copied. */
function copyPacks(fromDir: string, toDir: string, extents: PackExtent[], mode: 'prefix' | 'whole'): number {
  fs.mkdirSync(toDir, { recursive: true });
  let total = 0;
  for (const { pack, extent } of extents) {
    const from = path.join(fromDir, pack);
    const to = path.join(toDir, pack);
    // copyFile lets the kernel copy (copy_file_range, or a reflink where the file system has them).
    fs.copyFileSync(from, to);
    const size = fs.statSync(to).size;
    if (size < extent) {
      throw new InterlogError(
        'invalid-input',
        `The pack ${from} is shorter (${size} bytes) than its letters need (${extent}): the blob store is damaged.`,
      );
    }
    if (mode === 'prefix' && size > extent) fs.truncateSync(to, extent);
    fsyncFile(to);
    total += mode === 'prefix' ? extent : size;
  }
  fsyncFile(toDir);
  return total;
}

/**
 * Passwords go into a backup only when asked: the `.secrets` file is encrypted, but with `.key` beside it the
 * backup would open every account to whoever gets hold of it.
 */
function copySecrets(journal: string, target: string, withSecrets: boolean): BackupResult['secrets'] {
  if (!fs.existsSync(`${journal}.secrets`)) return 'none';
  if (!withSecrets) return 'left-out';
  for (const suffix of ['.secrets', '.key']) {
    if (fs.existsSync(`${journal}${suffix}`)) {
      fs.copyFileSync(`${journal}${suffix}`, `${target}${suffix}`);
      fs.chmodSync(`${target}${suffix}`, 0o600);
    }
  }
  return 'copied';
}

/**
 * The journal's own passwords win: they are newer than the backup's and encrypted with the key beside them.
 * The backup's are put in place only where there are none (a restore on another machine).
 */
function restoreSecrets(backup: string, journal: string): RestoreResult['secrets'] {
  if (fs.existsSync(`${journal}.secrets`)) return 'kept';
  if (!fs.existsSync(`${backup}.secrets`) || fs.existsSync(`${journal}.key`)) return 'none';
  for (const suffix of ['.secrets', '.key']) {
    if (fs.existsSync(`${backup}${suffix}`)) {
      fs.copyFileSync(`${backup}${suffix}`, `${journal}${suffix}`);
      fs.chmodSync(`${journal}${suffix}`, 0o600);
    }
  }
  return 'restored';
}

/** The database's secret references (never the passwords), to tell which accounts lack a password. */
export function accountSecrets(journal: string): Array<{ name: string; refs: string[] }> {
  const db = new Database(journal, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT name, secret_ref, smtp_secret_ref FROM accounts ORDER BY name').all() as Array<{
      name: string;
      secret_ref: string;
      smtp_secret_ref: string | null;
    }>;
    return rows.map((r) => ({ name: r.name, refs: [r.secret_ref, ...(r.smtp_secret_ref ? [r.smtp_secret_ref] : [])] }));
  } finally {
    db.close();
  }
}

function removeJournalFiles(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`, `${file}-journal`]) fs.rmSync(f, { force: true });
  fs.rmSync(blobsDir(file), { recursive: true, force: true });
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
