/**
 * Where account passwords live. Never in the journal database: the desktop app keeps them with the operating
 * system's keychain (Electron safeStorage); headless use gets an encrypted file. Refs are opaque strings.
 */
export interface SecretStore {
  get(ref: string): Promise<string | undefined>;
  set(ref: string, secret: string): Promise<void>;
  delete(ref: string): Promise<void>;
}
