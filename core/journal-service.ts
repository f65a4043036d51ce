import crypto from 'node:crypto';
import type { z } from 'zod';
import { type AccountSummary, type AddAccountInput, type JournalApi, type JournalEvent, schemas } from './api.js';
import type { AccountRecord } from './db/accounts-repo.js';
import type { ContactRecord } from './db/contacts-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import { Journal } from './db/journal.js';
import type { SubjectRecord } from './db/subjects-repo.js';
import { InterlogError } from './errors.js';
import type { Rule } from './mail/rules.js';
import type { SecretStore } from './secrets/secret-store.js';
import { connectImap } from './sync/imap/connect.js';
import { verifyPop3 } from './sync/pop3/connect.js';
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
    if (a.verify && a.protocol === 'pop3') await verifyPop3({ account: settings, password: a.password });
    else if (a.verify) {
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
        leaveOnServer: a.leaveOnServer,
        deleteAfterDays: a.deleteAfterDays,
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

  async listInteractions(input: z.input<typeof schemas.listInteractions>): Promise<InteractionRecord[]> {
    return this.journal.interactions.list(schemas.listInteractions.parse(input));
  }

  async chain(input: z.input<typeof schemas.chain>): Promise<InteractionRecord[]> {
    const { interactionId } = schemas.chain.parse(input);
    const record = this.journal.interactions.get(interactionId);
    if (!record) throw new InterlogError('not-found', `There is no interaction ${interactionId}.`);
    return record.chainId === null ? [record] : this.journal.interactions.chain(record.chainId);
  }

  async listSubjects(input: z.input<typeof schemas.listSubjects>): Promise<SubjectRecord[]> {
    return this.journal.subjects.list(schemas.listSubjects.parse(input));
  }

  async createSubject(input: z.input<typeof schemas.createSubject>): Promise<SubjectRecord> {
    return this.journal.subjects.create(schemas.createSubject.parse(input).name);
  }

  async renameSubject(input: z.input<typeof schemas.renameSubject>): Promise<void> {
    const { id, name } = schemas.renameSubject.parse(input);
    this.journal.subjects.rename(id, name);
  }

  async archiveSubject(input: z.input<typeof schemas.archiveSubject>): Promise<void> {
    const { id, archived } = schemas.archiveSubject.parse(input);
    this.journal.subjects.archive(id, archived);
  }

  async setSubject(input: z.input<typeof schemas.setSubject>): Promise<void> {
    const { interactionId, subjectId } = schemas.setSubject.parse(input);
    this.journal.subjects.setForInteraction(interactionId, subjectId);
  }

  async listContacts(input: z.input<typeof schemas.listContacts>): Promise<ContactRecord[]> {
    const { query, limit } = schemas.listContacts.parse(input);
    return this.journal.contacts.list(query, limit);
  }

  async getContact(input: z.input<typeof schemas.getContact>): Promise<ContactRecord> {
    const { id } = schemas.getContact.parse(input);
    const contact = this.journal.contacts.get(id);
    if (!contact) throw new InterlogError('not-found', `There is no contact ${id}.`);
    return contact;
  }

  async renameContact(input: z.input<typeof schemas.renameContact>): Promise<void> {
    const { id, name } = schemas.renameContact.parse(input);
    await this.getContact({ id });
    this.journal.contacts.rename(id, name);
  }

  async addContactAddress(input: z.input<typeof schemas.addContactAddress>): Promise<void> {
    const { id, address } = schemas.addContactAddress.parse(input);
    await this.getContact({ id });
    this.journal.contacts.addAddress(id, address);
  }

  async addContactPhone(input: z.input<typeof schemas.addContactPhone>): Promise<void> {
    const { id, phone } = schemas.addContactPhone.parse(input);
    await this.getContact({ id });
    this.journal.contacts.addPhone(id, phone);
  }

  async mergeContacts(input: z.input<typeof schemas.mergeContacts>): Promise<void> {
    const { into, other } = schemas.mergeContacts.parse(input);
    await this.getContact({ id: into });
    await this.getContact({ id: other });
    this.journal.contacts.merge(into, other);
  }

  async listRules(_input: z.input<typeof schemas.listRules> = {}): Promise<Rule[]> {
    return this.journal.rules.list();
  }

  async addRule(input: z.input<typeof schemas.addRule>): Promise<Rule> {
    return this.journal.rules.add(schemas.addRule.parse(input));
  }

  async removeRule(input: z.input<typeof schemas.removeRule>): Promise<void> {
    this.journal.rules.remove(schemas.removeRule.parse(input).id);
  }

  async setRuleEnabled(input: z.input<typeof schemas.setRuleEnabled>): Promise<void> {
    const { id, enabled } = schemas.setRuleEnabled.parse(input);
    this.journal.rules.setEnabled(id, enabled);
  }

  async rerunRules(_input: z.input<typeof schemas.rerunRules> = {}): Promise<number> {
    return this.journal.rules.rerun();
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
    leaveOnServer: a.leaveOnServer,
    deleteAfterDays: a.deleteAfterDays,
    lastSyncAt: a.lastSyncAt,
    lastError: a.lastError,
  };
}
