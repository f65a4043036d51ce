import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterlogError } from '../errors.js';
import { defaultBackupFile } from '../journal-file.js';
import { importLetter } from '../sync/import-letter.js';
import { backupJournal, compactJournal, restoreJournal } from './backup.js';
import { openDatabase, writeTransaction } from './database.js';
import { Journal } from './journal.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-backup-unit-'));
  file = path.join(dir, 'journal.db');
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

/** A journal of `count` letters, listed (their sources in a pack) as a sync lists them. */
function fill(count: number): void {
  const journal = Journal.open(file);
  writeTransaction(journal.db, () => {
    for (let i = 0; i < count; i++) {
      const raw = Buffer.from(
        `From: c${i}@client.example\r\nTo: me@here.example\r\nSubject: Order ${i}\r\nMessage-ID: <o${i}@client.example>\r\n` +
          `Date: Tue, 05 Mar 2024 10:15:00 +0300\r\n\r\norder ${i}`,
      );
      importLetter(journal, raw, { identities: new Set(['me@here.example']) });
    }
    journal.blobs.flush();
  });
  journal.close();
}

async function failure(work: Promise<unknown>): Promise<Error> {
  try {
    await work;
  } catch (error) {
    return error as Error;
  }
  throw new Error('it succeeded');
}

function openError(): InterlogError {
  try {
    openDatabase(file).close();
  } catch (error) {
    return error as InterlogError;
  }
  throw new Error('the journal opened');
}

describe('the check at open', () => {
  it('names a file that is not a database, and the latest backup beside it', async () => {
    fill(3);
    const backup = defaultBackupFile(file, new Date('2026-12-07T10:00:00Z'));
    await backupJournal(file, backup);
    fs.writeFileSync(
      file,
      'these are not the bytes of a journal, but they are long enough to be read as a header.....',
    );
    const error = openError();
    expect(error).toBeInstanceOf(InterlogError);
    expect(error.message).toMatch(/is damaged: the file does not start with a database header/);
    expect(error.message).toContain(`The latest backup is ${backup}`);
    expect(error.detail).toBe(backup);
  });

  it('names a file cut short, and says when there is no backup', () => {
    fill(200);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    const error = openError();
    expect(error.message).toMatch(/is damaged: it is cut short/);
    expect(error.message).toMatch(/No backup was found in journal\.db\.backups\//);
  });

  it('opens a journal whose checkpoint was killed after page 1, reading the pages the file lacks from its WAL', () => {
    const writer = openDatabase(file);
    writer.pragma('wal_autocheckpoint = 0');
    writer.exec(
      'CREATE TABLE filler (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 400) ' +
        'INSERT INTO filler SELECT randomblob(1000) FROM n',
    );
    // The state a kill -9 leaves: the WAL holds the new pages, and the checkpoint wrote page 1 (its header counting
    // them) into the file before the pages after it.
    const image = path.join(dir, 'image.db');
    fs.copyFileSync(file, image);
    fs.copyFileSync(`${file}-wal`, `${image}-wal`);
    writer.close();
    const wal = fs.readFileSync(`${image}-wal`);
    const pageSize = wal.readUInt32BE(8);
    let page1: Buffer | undefined;
    for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
      if (wal.readUInt32BE(at) === 1) page1 = wal.subarray(at + 24, at + 24 + pageSize);
    }
    const fd = fs.openSync(image, 'r+');
    fs.writeSync(fd, page1 as Buffer, 0, pageSize, 0);
    fs.closeSync(fd);
    expect((page1 as Buffer).readUInt32BE(28) * pageSize).toBeGreaterThan(fs.statSync(image).size);
    const bare = path.join(dir, 'bare.db');
    fs.copyFileSync(image, bare);

    const reopened = openDatabase(image);
    expect(reopened.prepare('SELECT COUNT(*) AS n FROM filler').get()).toEqual({ n: 400 });
    reopened.close();

    // Without its WAL the same file really is cut short.
    expect(() => openDatabase(bare).close()).toThrow(/is damaged: it is cut short/);
  });

  it('opens a large journal without reading every page, and the next backup finds the damage', async () => {
    fill(3);
    const journal = Journal.open(file);
    journal.db.exec(
      'CREATE TABLE filler (x); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000) ' +
        'INSERT INTO filler SELECT randomblob(1000) FROM n',
    );
    journal.close();
    expect(fs.statSync(file).size).toBeGreaterThan(2 * 1024 * 1024);
    const fd = fs.openSync(file, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, Math.floor(fs.statSync(file).size / 2 / 4096) * 4096);
    fs.closeSync(fd);
    openDatabase(file).close();
    const backup = path.join(dir, 'copy.db');
    const error = await failure(backupJournal(file, backup));
    expect(error.message).toMatch(/journal\.db is damaged: (the integrity check of its backup copy found|SQLite)/);
    expect(fs.existsSync(backup)).toBe(false);
    expect(fs.existsSync(`${backup}.partial`)).toBe(false);
  });
});

describe('backup and restore', () => {
  it('refuses to restore a backup whose letters are missing, and changes nothing', async () => {
    fill(5);
    const backup = path.join(dir, 'copy.db');
    const made = await backupJournal(file, backup);
    expect(made.interactions).toBe(5);
    for (const pack of fs.readdirSync(`${backup}.blobs`)) fs.truncateSync(path.join(`${backup}.blobs`, pack), 10);
    const before = fs.readFileSync(file);
    const error = await failure(restoreJournal(backup, file, { force: true }));
    expect(error.message).toMatch(/cannot be restored: its pack .* is cut short .* Nothing was changed\./);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.existsSync(`${file}.before-restore`)).toBe(false);
  });

  it('restores into an empty place, and refuses to replace a journal that is open', async () => {
    fill(4);
    const backup = path.join(dir, 'copy.db');
    await backupJournal(file, backup);
    const other = path.join(dir, 'elsewhere', 'journal.db');
    const restored = await restoreJournal(backup, other);
    expect(restored).toMatchObject({ interactions: 4, replacedBy: null });
    const journal = Journal.open(other);
    try {
      const sha = journal.interactions.sourceOf(1) as string;
      expect(journal.blobs.read(sha).toString()).toContain('Subject: Order 0');
      await expect(restoreJournal(backup, other, { force: true })).rejects.toThrow(/is open in Interlog/);
    } finally {
      journal.close();
    }
    expect(compactJournal(other).databaseAfter).toBeGreaterThan(0);
  });
});
