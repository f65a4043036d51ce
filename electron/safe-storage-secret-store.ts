import fs from 'node:fs';
import type { SafeStorage } from 'electron';
import { InterlogError } from '../core/errors.js';
import type { SecretStore } from '../core/secrets/secret-store.js';

export type Encryptor = Pick<SafeStorage, 'encryptString' | 'decryptString' | 'isEncryptionAvailable'>;

/**
 * Account passwords sealed by the operating system's keychain through Electron's safeStorage (Keychain on macOS,
 * DPAPI on Windows, the Secret Service or KWallet on Linux) and kept, sealed, in a file beside the journal.
 * The encryptor is passed in so this can be tested without Electron.
 */
export class SafeStorageSecretStore implements SecretStore {
  constructor(
    private readonly file: string,
    private readonly storage: Encryptor,
  ) {}

  async get(ref: string): Promise<string | undefined> {
    const sealed = this.read()[ref];
    if (sealed === undefined) return undefined;
    this.requireEncryption();
    try {
      return this.storage.decryptString(Buffer.from(sealed, 'base64'));
    } catch {
      throw new InterlogError('secret-store', `The stored password for ${ref} cannot be unlocked by this system user.`);
    }
  }

  async set(ref: string, secret: string): Promise<void> {
    this.requireEncryption();
    const all = this.read();
    all[ref] = this.storage.encryptString(secret).toString('base64');
    this.write(all);
  }

  async delete(ref: string): Promise<void> {
    const all = this.read();
    delete all[ref];
    this.write(all);
  }

  private requireEncryption(): void {
    if (!this.storage.isEncryptionAvailable()) {
      throw new InterlogError('secret-store', 'The system keychain is not available, so no password can be stored.');
    }
  }

  private read(): Record<string, string> {
    if (!fs.existsSync(this.file)) return {};
    return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, string>;
  }

  private write(all: Record<string, string>): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}
