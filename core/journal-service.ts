import crypto from 'node:crypto';
import { type AccountSummary, type AddAccountInput, type JournalApi, type JournalEvent, schemas } from './api.js';
import type { AccountRecord } from './db/accounts-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import { Journal } from './db/journal.js';
import { InterlogError } from './errors.js';
import type { SecretStore } from './secrets/secret-store.js';
import { connectImap } from './sync/imap/connect.js';
import type { SyncAccountResult } from './sync/progress.js';
import { type SyncHandle, startSyncWorker } from './sync/sync-host.js';

export interface ServiceOptions {
  dbFile: string;
  secrets: SecretStore;
  /** Sync timing for tests and embedders; the defaults suit a desktop. */
  tuning?: { backoffBaseMs?: number; pollIntervalMs?: number };
}

/** The JournalApi over one journal file. Reads happen here; syncing runs in a worker with its own connection. */
export class JournalService implements JournalApi {
  readonly journal: Journal;
  private readonly listeners = new Set<(event: JournalEvent) => void>();
  private readonly running = new Set<SyncHandle>();

  constructor(private readonly options: ServiceOptions) {
    this.journal = Journal.open(options.dbFile);
  }

  async listAccounts(): Promise<AccountSummary[]> {
    return this.journal.accounts.list().map(summary);
  }

  async addAccount(input: AddAccountInput): Promise<AccountSummary> {
    const a = schemas.addAccount.parse(input);
    if (this.journal.accounts.byName(a.name)) {
      throw new InterlogError('invalid-input', `An account named "${a.name}" already exists.`);
    }
    const settings = {
      host: a.host,
      port: a.port,
      security: a.security,
      username: a.username,
      acceptSelfSigned: a.acceptSelfSigned,
      timeoutMs: a.timeoutMs,
    };
    if (a.verify) {
      const client = await connectImap({ account: settings, password: a.password });
      await client.logout().catch(() => client.close());
    }
    const secretRef = `account:${crypto.randomUUID()}`;
    await this.options.secrets.set(secretRef, a.password);
    try {
      const record = this.journal.accounts.add({
        name: a.name,
        email: a.email,
        protocol: a.protocol,
        secretRef,
        identities: a.identities,
        ...settings,
      });
      return summary(record);
    } catch (error) {
      await this.options.secrets.delete(secretRef);
      throw error;
    }
  }

  /** Syncs one account, or all of them, to the current state of the server and returns what changed. */
  async sync(input: { account?: string }): Promise<SyncAccountResult[]> {
    const handle = await this.startSync(schemas.sync.parse(input).account, false);
    return handle.result.finally(() => this.running.delete(handle));
  }

  /** Syncs, then keeps watching until `stop()` is called on the handle. */
  async watch(account?: string, pollIntervalMs?: number): Promise<SyncHandle> {
    return this.startSync(account, true, pollIntervalMs);
  }

  private async startSync(account: string | undefined, watch: boolean, pollIntervalMs?: number): Promise<SyncHandle> {
    const accounts = account ? [this.requireAccount(account)] : this.journal.accounts.list();
    if (accounts.length === 0) throw new InterlogError('not-found', 'There are no accounts yet: add one first.');
    const withPasswords = await Promise.all(
      accounts.map(async (a) => ({ name: a.name, password: await this.password(a) })),
    );
    const poll = pollIntervalMs ?? this.options.tuning?.pollIntervalMs;
    const backoff = this.options.tuning?.backoffBaseMs;
    const handle = startSyncWorker(
      {
        dbFile: this.options.dbFile,
        accounts: withPasswords,
        watch,
        ...(poll ? { pollIntervalMs: poll } : {}),
        ...(backoff ? { backoffBaseMs: backoff } : {}),
      },
      (event) => this.emit(event),
    );
    this.running.add(handle);
    return handle;
  }

  async listInteractions(input: { limit?: number; offset?: number }): Promise<InteractionRecord[]> {
    return this.journal.interactions.list(schemas.listInteractions.parse(input));
  }

  async search(input: { text: string; limit?: number }): Promise<InteractionRecord[]> {
    const { text, limit } = schemas.search.parse(input);
    return this.journal.interactions.search(text, limit);
  }

  /** Every interaction, oldest first; for export, not for transports (it is not bounded). */
  iterateInteractions(): Iterable<InteractionRecord> {
    return this.journal.interactions.iterateAll();
  }

  onEvent(listener: (event: JournalEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    for (const handle of this.running) handle.stop();
    await Promise.allSettled([...this.running].map((h) => h.result));
    this.journal.close();
  }

  private emit(event: JournalEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  private requireAccount(name: string): AccountRecord {
    const account = this.journal.accounts.byName(name);
    if (!account) throw new InterlogError('not-found', `There is no account named "${name}".`);
    return account;
  }

  private async password(account: AccountRecord): Promise<string> {
    const password = await this.options.secrets.get(account.secretRef);
    if (password === undefined) {
      throw new InterlogError('secret-store', `No password is stored for account "${account.name}"; add it again.`);
    }
    return password;
  }
}

function summary(a: AccountRecord): AccountSummary {
  return {
    id: a.id,
    name: a.name,
    email: a.email,
    protocol: a.protocol,
    host: a.host,
    port: a.port,
    security: a.security,
    lastSyncAt: a.lastSyncAt,
    lastError: a.lastError,
  };
}
