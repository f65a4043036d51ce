import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from './file-secret-store.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-secrets-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('file secret store', () => {
  it('keeps passwords encrypted on disk with a private key file', async () => {
    const journal = path.join(dir, 'j.db');
    const store = FileSecretStore.besideJournal(journal, {});
    await store.set('account:1', 'Пароль-секрет-42');
    expect(fs.readFileSync(`${journal}.secrets`, 'utf8')).not.toContain('секрет');
    expect(fs.statSync(`${journal}.key`).mode & 0o777).toBe(0o600);
    expect(await FileSecretStore.besideJournal(journal, {}).get('account:1')).toBe('Пароль-секрет-42');
    await store.delete('account:1');
    expect(await store.get('account:1')).toBeUndefined();
  });

  it('uses the key from the environment and fails clearly with the wrong one', async () => {
    const journal = path.join(dir, 'j.db');
    const env = { INTERLOG_SECRET_KEY: 'a'.repeat(64) };
    await FileSecretStore.besideJournal(journal, env).set('r', 'x');
    expect(fs.existsSync(`${journal}.key`)).toBe(false);
    await expect(
      FileSecretStore.besideJournal(journal, { INTERLOG_SECRET_KEY: 'b'.repeat(64) }).get('r'),
    ).rejects.toThrow(/cannot be decrypted/);
  });
});
