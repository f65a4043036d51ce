import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Encryptor, SafeStorageSecretStore } from './safe-storage-secret-store.js';

/** Stands in for safeStorage: reversible, and visibly not the plain text. */
function fakeEncryptor(available = true): Encryptor {
  const flip = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  return {
    isEncryptionAvailable: () => available,
    encryptString: (plain: string) => flip(Buffer.from(plain, 'utf8')),
    decryptString: (sealed: Buffer) => flip(sealed).toString('utf8'),
  };
}

describe('SafeStorageSecretStore', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-safe-'));
    file = path.join(dir, 'secrets.json');
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps only sealed passwords on disk, readable only by the owner', async () => {
    const store = new SafeStorageSecretStore(file, fakeEncryptor());
    await store.set('account:1', 'Пароль-1');
    expect(await store.get('account:1')).toBe('Пароль-1');
    expect(fs.readFileSync(file, 'utf8')).not.toContain('Пароль');
    if (process.platform !== 'win32') expect(fs.statSync(file).mode & 0o077).toBe(0);
    await store.delete('account:1');
    expect(await store.get('account:1')).toBeUndefined();
  });

  it('refuses to store a password when the keychain is not available', async () => {
    const store = new SafeStorageSecretStore(file, fakeEncryptor(false));
    await expect(store.set('account:1', 'x')).rejects.toMatchObject({ kind: 'secret-store' });
    expect(fs.existsSync(file)).toBe(false);
  });
});
