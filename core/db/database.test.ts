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

  it('stores blobs by content and gives back the same bytes, inline or as files', () => {
    const journal = Journal.open(path.join(dir, 'blobs.db'));
    journal.blobs.putInline('aa', 3, 'raw', Buffer.from('abc'));
    journal.blobs.putInline('aa', 3, 'raw', Buffer.from('abc'));
    expect(journal.blobs.read('aa').toString()).toBe('abc');
    const tmp = journal.blobs.tempPath();
    fs.writeFileSync(tmp, 'large body');
    journal.blobs.adoptFile('bb'.repeat(32), tmp);
    journal.blobs.recordFile('bb'.repeat(32), 10);
    expect(journal.blobs.read('bb'.repeat(32)).toString()).toBe('large body');
    expect(fs.existsSync(tmp)).toBe(false);
    journal.close();
  });
});
