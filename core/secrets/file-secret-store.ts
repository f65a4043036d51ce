import crypto from 'node:crypto';
import fs from 'node:fs';
import { InterlogError } from '../errors.js';
import type { SecretStore } from './secret-store.js';

interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

export const SECRET_KEY_ENV = 'INTERLOG_SECRET_KEY';

/**
 * Secrets encrypted with AES-256-GCM in a file beside the journal. The key comes from INTERLOG_SECRET_KEY
 * (64 hex digits) or from a key file created with mode 0600, so copying the journal alone leaks no password.
 */
export class FileSecretStore implements SecretStore {
  private readonly key: Buffer;

  constructor(
    private readonly file: string,
    keyFile: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.key = loadKey(keyFile, env[SECRET_KEY_ENV]);
  }

  static besideJournal(journalFile: string, env?: NodeJS.ProcessEnv): FileSecretStore {
    return new FileSecretStore(`${journalFile}.secrets`, `${journalFile}.key`, env);
  }

  async get(ref: string): Promise<string | undefined> {
    const sealed = this.read()[ref];
    if (!sealed) return undefined;
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      decipher.setAAD(Buffer.from(ref));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new InterlogError('secret-store', `The stored password for ${ref} cannot be decrypted with this key.`);
    }
  }

  async set(ref: string, secret: string): Promise<void> {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(ref));
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    const all = this.read();
    all[ref] = {
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    this.write(all);
  }

  async delete(ref: string): Promise<void> {
    const all = this.read();
    delete all[ref];
    this.write(all);
  }

  private read(): Record<string, Sealed> {
    if (!fs.existsSync(this.file)) return {};
    return JSON.parse(fs.readFileSync(this.file, 'utf8')) as Record<string, Sealed>;
  }

  private write(all: Record<string, Sealed>): void {
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(all, null, 2), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

function loadKey(keyFile: string, fromEnv: string | undefined): Buffer {
  if (fromEnv) {
    if (!/^[0-9a-f]{64}$/i.test(fromEnv)) {
      throw new InterlogError('secret-store', `${SECRET_KEY_ENV} must be 64 hexadecimal digits (a 256-bit key).`);
    }
    return Buffer.from(fromEnv, 'hex');
  }
  if (fs.existsSync(keyFile)) {
    const mode = fs.statSync(keyFile).mode & 0o077;
    if (mode !== 0 && process.platform !== 'win32') {
      throw new InterlogError('secret-store', `The key file ${keyFile} is readable by other users; make it 0600.`);
    }
    return Buffer.from(fs.readFileSync(keyFile, 'utf8').trim(), 'hex');
  }
  const key = crypto.randomBytes(32);
  fs.writeFileSync(keyFile, key.toString('hex'), { mode: 0o600, flag: 'wx' });
  return key;
}
