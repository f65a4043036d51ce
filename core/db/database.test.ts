import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InterlogError } from '../errors.js';
import { openDatabase } from './database.js';
import { Journal } from './journal.js';
import { schemaVersion } from './migrations/index.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-db-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('journal database', () => {
  it('creates a WAL journal at the current schema version', () => {
    const db = openDatabase(path.join(dir, 'j.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    db.close();
  });

  it('upgrades an older journal on open and keeps its data', () => {
    const file = path.join(dir, 'old.db');
    const raw = new Database(file);
    raw.exec("CREATE TABLE leftover (x TEXT); INSERT INTO leftover VALUES ('kept')");
    raw.pragma('user_version = 0');
    raw.close();
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(schemaVersion);
    expect(db.prepare('SELECT x FROM leftover').get()).toEqual({ x: 'kept' });
    db.close();
  });

  it('refuses a journal from a newer Interlog without touching it', () => {
    const file = path.join(dir, 'new.db');
    const raw = new Database(file);
    raw.pragma(`user_version = ${schemaVersion + 5}`);
    raw.close();
    const before = fs.readFileSync(file);
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InterlogError);
    expect((error as InterlogError).kind).toBe('journal-too-new');
    expect((error as Error).message).toMatch(/newer Interlog/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
  });

  it('stores blobs by content, once, and gives back the same bytes after reopening', async () => {
    const file = path.join(dir, 'blobs.db');
    const journal = Journal.open(file);
    const put = () =>
      journal.db.transaction(() => {
        journal.blobs.put('aa', Buffer.from('first letter'));
        journal.blobs.put('aa', Buffer.from('first letter'));
        journal.blobs.put('bb', Buffer.from('второе письмо'));
        journal.blobs.flush();
      })();
    put();
    put();
    const { Readable } = await import('node:stream');
    const streamed = await journal.blobs.putStream(Readable.from([Buffer.from('large '), Buffer.from('letter')]));
    journal.db.transaction(() => {
      streamed.record();
      journal.blobs.flush();
    })();
    journal.close();
    const reopened = Journal.open(file);
    expect(reopened.blobs.read('aa').toString()).toBe('first letter');
    expect(reopened.blobs.read('bb').toString()).toBe('второе письмо');
    expect(reopened.blobs.read(streamed.sha256).toString()).toBe('large letter');
    expect(streamed.sha256).toBe(crypto.createHash('sha256').update('large letter').digest('hex'));
    expect(reopened.db.prepare('SELECT COUNT(*) AS n FROM blobs').get()).toEqual({ n: 3 });
    reopened.close();
  });

  it('forgets blob bytes whose transaction rolled back', () => {
    const journal = Journal.open(path.join(dir, 'rollback.db'));
    expect(() =>
      journal.db.transaction(() => {
        journal.blobs.put('cc', Buffer.from('never committed'));
        throw new Error('crash before commit');
      })(),
    ).toThrow('crash before commit');
    expect(journal.blobs.has('cc')).toBe(false);
    journal.close();
  });
});
