import crypto from 'node:crypto';
import type { z } from 'zod';
import {
  type AccountSummary,
  type AddAccountInput,
  type AttachmentFile,
  type Draft,
  type DraftLetter,
  type DraftSummary,
  type JournalApi,
  type JournalEvent,
  type MessageView,
  type SetupResult,
  schemas,
} from './api.js';
import type { AccountRecord } from './db/accounts-repo.js';
import type { ContactRecord } from './db/contacts-repo.js';
import type { Identity } from './db/identities-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import { Journal } from './db/journal.js';
import type { OutboxItem } from './db/outbox-repo.js';
import type { SubjectRecord } from './db/subjects-repo.js';
import { InterlogError } from './errors.js';
import type { InteractionWithDetails, JournalSettings, KindsApi } from './kinds-api.js';
import { KindsService } from './kinds-service.js';
import { formatAddress } from './mail/addresses.js';
import type { Rule } from './mail/rules.js';
import type { SecretStore } from './secrets/secret-store.js';
import { chooseIdentity } from './send/choose-identity.js';
import type { ReplyContext } from './send/compose.js';
import { AccountSetup, type AccountSetupOptions } from './setup/account-setup.js';
import type { AccountCheck } from './setup/check.js';
import type { SetupForm } from './setup/form.js';
import type { Detection } from './setup/types.js';
import type { SyncAccountResult } from './sync/progress.js';
import { type SyncHandle, startSyncWorker } from './sync/sync-host.js';

export interface ServiceOptions {
  dbFile: string;
  secrets: SecretStore;
  /** Sync timing for tests and embedders; the defaults suit a desktop. */
  tuning?: { backoffBaseMs?: number; pollIntervalMs?: number };
  /** The time the review lists, postponements and reminders are judged at; tests move it. */
  clock?: () => Date;
  /** Server detection: the network (tests reach servers on 127.0.0.1 through it) and its time limits. */
  setup?: AccountSetupOptions;
}

/**
 * The JournalApi over one journal file. Reads happen here; syncing runs in a worker with its own connection.
 * The MIME parser, the composer and the SMTP and IMAP clients are loaded by the calls that use them: a CLI command
 * or the app's first window should not wait a third of a second for code it may never run.
 */
export class JournalService implements JournalApi {
  readonly journal: Journal;
  private readonly listeners = new Set<(event: JournalEvent) => void>();
  private readonly running = new Set<SyncHandle>();
  /** Calls, SMS, meetings, planned interactions, the flags and settings (kinds-service.ts). */
  readonly kinds: KindsService;
  /** Detection, the account form, checks and the system account (core/setup). */
  readonly accountSetup: AccountSetup;

  constructor(private readonly options: ServiceOptions) {
    this.journal = Journal.open(options.dbFile);
    this.accountSetup = new AccountSetup(
      this.journal,
      options.secrets,
      (account) => this.sendingPasswords(account),
      options.setup,
    );
    const now = options.clock ?? (() => new Date());
    this.kinds = new KindsService(this.journal, options.secrets, now, async (letter) => {
      const { icalEvent, ...request } = letter;
      return this.queueLetter(schemas.send.parse(request), icalEvent);
    });
  }

  getSettings = (i: Parameters<KindsApi['getSettings']>[0]): Promise<JournalSettings> => this.kinds.getSettings(i);
  updateSettings = (i: Parameters<KindsApi['updateSettings']>[0]) => this.kinds.updateSettings(i);
  setSmsProvider = (i: Parameters<KindsApi['setSmsProvider']>[0]) => this.kinds.setSmsProvider(i);
  logCall = (i: Parameters<KindsApi['logCall']>[0]): Promise<InteractionWithDetails> => this.kinds.logCall(i);
  logSms = (i: Parameters<KindsApi['logSms']>[0]) => this.kinds.logSms(i);
  sendSms = (i: Parameters<KindsApi['sendSms']>[0]) => this.kinds.sendSms(i);
  addMeeting = (i: Parameters<KindsApi['addMeeting']>[0]) => this.kinds.addMeeting(i);
  planInteraction = (i: Parameters<KindsApi['planInteraction']>[0]) => this.kinds.planInteraction(i);
  completePlanned = (i: Parameters<KindsApi['completePlanned']>[0]) => this.kinds.completePlanned(i);
  interactionDetails = (i: Parameters<KindsApi['interactionDetails']>[0]) => this.kinds.interactionDetails(i);
  review = (i: Parameters<KindsApi['review']>[0]) => this.kinds.review(i);
  control = (i: Parameters<KindsApi['control']>[0]) => this.kinds.control(i);
  lists = (i: Parameters<KindsApi['lists']>[0] = {}) => this.kinds.lists(i);
  dueList = (i: Parameters<KindsApi['dueList']>[0] = {}) => this.kinds.dueList(i);
  exportCalendar = (i: Parameters<KindsApi['exportCalendar']>[0]) => this.kinds.exportCalendar(i);
  applyMeetingReplies = (i: Parameters<KindsApi['applyMeetingReplies']>[0] = {}) => this.kinds.applyMeetingReplies(i);
  refreshSmsStatuses = (i: Parameters<KindsApi['refreshSmsStatuses']>[0] = {}) => this.kinds.refreshSmsStatuses(i);

  private summary(account: AccountRecord): AccountSummary {
    return toSummary(account, this.journal.sync.folderPaths(account.id));
  }

  async listAccounts(): Promise<AccountSummary[]> {
    return this.journal.accounts.list().map((a) => this.summary(a));
  }

  async addAccount(input: AddAccountInput): Promise<AccountSummary> {
    return this.summary(await this.accountSetup.add(input));
  }

  async editAccount(input: z.input<typeof schemas.editAccount>): Promise<AccountSummary> {
    return this.summary(await this.accountSetup.edit(input));
  }

  /** Stops the syncs under way first: a sync still running would write letters for an account that is gone. */
  async removeAccount(input: z.input<typeof schemas.removeAccount>): Promise<{ removed: string; lettersKept: number }> {
    const { name } = schemas.removeAccount.parse(input);
    this.requireAccount(name);
    for (const handle of this.running) handle.stop();
    await Promise.allSettled([...this.running].map((h) => h.result));
    return this.accountSetup.remove(name);
  }

  async detectServers(input: z.input<typeof schemas.detectServers>): Promise<Detection | null> {
    return this.accountSetup.detect(schemas.detectServers.parse(input).email);
  }

  async accountSetupForm(input: z.input<typeof schemas.accountSetupForm>): Promise<SetupForm> {
    return this.accountSetup.form(schemas.accountSetupForm.parse(input));
  }

  async setupAccount(input: z.input<typeof schemas.setupAccount>): Promise<SetupResult> {
    const outcome = await this.accountSetup.setup(input);
    if (!outcome.saved) return outcome;
    const { record, ...rest } = outcome;
    return { ...rest, account: this.summary(record) };
  }

  async checkAccount(input: z.input<typeof schemas.checkAccount>): Promise<AccountCheck> {
    return this.accountSetup.check(schemas.checkAccount.parse(input).name);
  }

  async setSystemAccount(input: z.input<typeof schemas.setSystemAccount>): Promise<AccountSummary> {
    return this.summary(this.accountSetup.setSystem(schemas.setSystemAccount.parse(input).name));
  }

  /** The account the app's own notifications go out from; throws 'not-configured' when none is set up. */
  async systemAccount(_input: z.input<typeof schemas.systemAccount> = {}): Promise<AccountSummary> {
    return this.summary(this.accountSetup.system());
  }

  /** Syncs one account, or all of them, to the current state of the server and returns what changed. */
  async sync(input: { account?: string }): Promise<SyncAccountResult[]> {
    const handle = await this.startSync(schemas.sync.parse(input).account, false);
    const results = await handle.result.finally(() => this.running.delete(handle));
    // Invitation replies are read once their letters are indexed, which the sync has waited for.
    await this.kinds.applyMeetingReplies({});
    return results;
  }

  /** Syncs, then keeps watching until `stop()` is called on the handle. */
  async watch(account?: string, pollIntervalMs?: number): Promise<SyncHandle> {
    return this.startSync(account, true, pollIntervalMs);
  }

  private async startSync(account: string | undefined, watch: boolean, pollIntervalMs?: number): Promise<SyncHandle> {
    const accounts = account ? [this.requireAccount(account)] : this.journal.accounts.list();
    if (accounts.length === 0) throw new InterlogError('not-found', 'There are no accounts yet: add one first.');
    const withPasswords = await Promise.all(
      accounts.map(async (a) => {
        const { incoming, smtp } = await this.sendingPasswords(a);
        return { name: a.name, password: incoming, smtpPassword: smtp };
      }),
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
    return this.journal.interactions.list({ ...schemas.listInteractions.parse(input), now: this.now() });
  }

  async countInteractions(input: z.input<typeof schemas.countInteractions>): Promise<number> {
    return this.journal.interactions.count({ ...schemas.countInteractions.parse(input), now: this.now() });
  }

  async getMessage(input: z.input<typeof schemas.getMessage>): Promise<MessageView> {
    const { interactionId, remoteImages } = schemas.getMessage.parse(input);
    const interaction = this.journal.interactions.get(interactionId);
    if (!interaction) throw new InterlogError('not-found', `There is no interaction ${interactionId}.`);
    const sender = interaction.from?.address.toLowerCase();
    const imagesFromSender = sender !== undefined && this.journal.settings.imageSenders().has(sender);
    const sha256 = this.journal.interactions.sourceOf(interactionId);
    if (sha256 === undefined) {
      return {
        interaction,
        text: interaction.preview,
        html: null,
        blockedImages: 0,
        unreadable: null,
        imagesFromSender,
      };
    }
    const { readMessageForDisplay } = await import('./mail/display-message.js');
    const source = this.journal.blobs.read(sha256);
    return {
      interaction,
      imagesFromSender,
      ...(await readMessageForDisplay(source, {
        remoteImages: remoteImages || imagesFromSender,
        parseError: interaction.parseError,
      })),
    };
  }

  async trustImages(input: z.input<typeof schemas.trustImages>): Promise<{ address: string; trusted: boolean }> {
    const { address, trusted } = schemas.trustImages.parse(input);
    this.journal.settings.setImageSender(address, trusted);
    return { address: address.toLowerCase(), trusted };
  }

  async getAttachment(input: z.input<typeof schemas.getAttachment>): Promise<AttachmentFile> {
    const { interactionId, index } = schemas.getAttachment.parse(input);
    const interaction = this.journal.interactions.get(interactionId);
    if (!interaction) throw new InterlogError('not-found', `There is no interaction ${interactionId}.`);
    const attachment = interaction.attachments[index];
    const sha256 = this.journal.interactions.sourceOf(interactionId);
    if (!attachment || sha256 === undefined) {
      const count = interaction.attachments.length;
      throw new InterlogError(
        'not-found',
        `Interaction ${interactionId} has ${count || 'no'} attachment${count === 1 ? '' : 's'}.`,
      );
    }
    const [{ extractAttachment }, { safeAttachmentName }] = await Promise.all([
      import('./mail/parse.js'),
      import('./mail/attachment-name.js'),
    ]);
    const content = await extractAttachment(this.journal.blobs.read(sha256), attachment.sha256);
    if (!content) {
      throw new InterlogError('not-found', `The file "${attachment.name}" could not be taken out of the letter.`);
    }
    return {
      fileName: safeAttachmentName(attachment.name, attachment.contentType),
      originalName: attachment.name,
      contentType: attachment.contentType,
      size: content.length,
      contentBase64: content.toString('base64'),
    };
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

  async deleteInteractions(input: z.input<typeof schemas.deleteInteractions>): Promise<{ deleted: number }> {
    const deleted = this.journal.deletion.delete(schemas.deleteInteractions.parse(input).ids);
    return { deleted };
  }

  async addIdentity(input: z.input<typeof schemas.addIdentity>): Promise<Identity> {
    const { account, address, displayName, kind, replyTo, isDefault, subjectIds } = schemas.addIdentity.parse(input);
    return this.journal.identities.upsert({
      accountId: this.requireAccount(account).id,
      address,
      displayName: displayName ?? null,
      kind,
      replyTo: replyTo ?? null,
      isDefault,
      subjectIds,
    });
  }

  async listIdentities(input: z.input<typeof schemas.listIdentities>): Promise<Identity[]> {
    return this.journal.identities.list(this.requireAccount(schemas.listIdentities.parse(input).account).id);
  }

  async send(input: z.input<typeof schemas.send>): Promise<OutboxItem> {
    return this.queueLetter(schemas.send.parse(input));
  }

  async saveDraft(input: z.input<typeof schemas.saveDraft>): Promise<DraftSummary> {
    const { id, letter } = schemas.saveDraft.parse(input);
    const to = letter.to.split(/[\s,;]+/).filter(Boolean);
    const saved = this.journal.drafts.save(id, { letter, title: letter.subject.trim(), to }, new Date());
    return this.requireDraft(saved);
  }

  async listDrafts(_input: z.input<typeof schemas.listDrafts> = {}): Promise<DraftSummary[]> {
    return this.journal.drafts.list();
  }

  async getDraft(input: z.input<typeof schemas.getDraft>): Promise<Draft> {
    return this.requireDraft(schemas.getDraft.parse(input).id);
  }

  async deleteDraft(input: z.input<typeof schemas.deleteDraft>): Promise<{ deleted: boolean }> {
    return { deleted: this.journal.drafts.delete(schemas.deleteDraft.parse(input).id) };
  }

  private requireDraft(id: number): Draft {
    const draft = this.journal.drafts.get<DraftLetter>(id);
    if (!draft) throw new InterlogError('not-found', `There is no draft ${id}: it was sent or thrown away.`);
    return draft;
  }

  private async queueLetter(
    request: z.output<typeof schemas.send>,
    icalEvent?: { method: string; content: string; filename: string },
  ): Promise<OutboxItem> {
    const features = this.journal.settings.features();
    if (!features.mailClient) throw new InterlogError('disabled', 'The mail client is switched off in the settings.');
    const account = this.requireAccount(request.account);
    if (!account.smtp) throw new InterlogError('invalid-input', `Account "${account.name}" has no outgoing server.`);
    const basisId = request.replyToInteraction ?? request.forwardInteraction;
    const basis = basisId === undefined ? undefined : this.journal.interactions.get(basisId);
    if (basisId !== undefined && !basis?.messageId) {
      throw new InterlogError('not-found', `There is no letter ${basisId} to answer or forward.`);
    }
    const identity = chooseIdentity(this.journal.identities.list(account.id), {
      ...(request.from ? { chosen: request.from } : {}),
      subjectId: basis?.subject?.id ?? null,
    });
    const to = request.to.length || !request.replyToInteraction ? request.to : basis?.from ? [basis.from.address] : [];
    if (to.length + request.cc.length + request.bcc.length === 0) {
      throw new InterlogError('invalid-input', 'A letter needs at least one recipient.');
    }
    if (!request.subject && !basis) throw new InterlogError('invalid-input', 'A new letter needs a subject.');
    const now = new Date();
    const [{ composeLetter }, { readListingHeaders }] = await Promise.all([
      import('./send/compose.js'),
      import('./mail/header-block.js'),
    ]);
    const composed = await composeLetter({
      from: { name: identity.displayName ?? account.senderName ?? '', address: identity.address },
      replyTo: identity.replyTo ? { name: '', address: identity.replyTo } : undefined,
      to: to.map((address) => ({ name: '', address })),
      cc: request.cc.map((address) => ({ name: '', address })),
      bcc: request.bcc.map((address) => ({ name: '', address })),
      subject: request.subject,
      text: request.text,
      // With HTML letters switched off the letter goes as its plain text.
      html: features.htmlLetters ? request.html : undefined,
      icalEvent,
      attachments: [
        ...request.attachments.map((a) => ({
          filename: a.filename,
          content: Buffer.from(a.contentBase64, 'base64'),
          ...(a.contentType ? { contentType: a.contentType } : {}),
        })),
        ...(request.forwardInteraction ? await this.forwardedFiles(request.forwardInteraction) : []),
      ],
      reply:
        basis && basisId !== undefined
          ? this.replyContext(basisId, request.replyToInteraction ? 'reply' : 'forward')
          : undefined,
      date: now,
    });
    const due = request.controlDue ? new Date(request.controlDue).toISOString() : null;
    return this.journal.outbox.enqueue({
      accountId: account.id,
      identities: new Set(account.identities),
      raw: composed.raw,
      sha256: crypto.createHash('sha256').update(composed.raw).digest('hex'),
      headers: readListingHeaders(composed.raw),
      envelope: composed.envelope,
      control: request.onControl || due ? { due } : undefined,
      draftId: request.draftId,
      text: request.text,
      now,
    });
  }

  private async forwardedFiles(interactionId: number) {
    const sha = this.journal.interactions.sourceOf(interactionId);
    if (!sha) return [];
    const { attachmentsToForward } = await import('./send/forward.js');
    return attachmentsToForward(this.journal.blobs.read(sha));
  }

  /** What an answer needs of the letter it answers: its ids for threading, its subject line, its text to quote. */
  private replyContext(interactionId: number, mode: 'reply' | 'forward'): ReplyContext {
    const basis = this.journal.interactions.get(interactionId) as InteractionRecord;
    const letter = this.journal.interactions.letterForReply(interactionId);
    const author = basis.from ? formatAddress(basis.from) : '';
    return {
      messageId: basis.messageId as string,
      references: letter.references,
      subject: basis.title,
      mode,
      quote: { author, date: basis.date.slice(0, 16).replace('T', ' '), text: letter.text },
    };
  }

  async listOutbox(_input: z.input<typeof schemas.listOutbox> = {}): Promise<OutboxItem[]> {
    return this.journal.outbox.list();
  }

  async outboxAction(input: z.input<typeof schemas.outboxAction>): Promise<OutboxItem> {
    const { id, action } = schemas.outboxAction.parse(input);
    if (action === 'retry') this.journal.outbox.retry(id, new Date());
    else if (action === 'cancel') this.journal.outbox.cancel(id);
    else this.journal.outbox.markSentByUser(id, new Date());
    return this.journal.outbox.get(id) as OutboxItem;
  }

  async sendQueued(_input: z.input<typeof schemas.sendQueued> = {}): Promise<{ sent: number; failed: number }> {
    const { drainOutbox } = await import('./send/outbox-sender.js');
    return drainOutbox({
      journal: this.journal,
      passwords: (account) => this.sendingPasswords(account),
      onEvent: (event) => this.emit(event),
      ...(this.options.tuning?.backoffBaseMs ? { backoffBaseMs: this.options.tuning.backoffBaseMs } : {}),
    });
  }

  private async sendingPasswords(account: AccountRecord): Promise<{ incoming: string; smtp: string | null }> {
    const smtpRef = account.smtp?.secretRef;
    const smtp = smtpRef ? await this.options.secrets.get(smtpRef) : undefined;
    return { incoming: await this.password(account), smtp: smtp ?? null };
  }

  async search(input: z.input<typeof schemas.search>): Promise<InteractionRecord[]> {
    const { text, limit, order, ...filter } = schemas.search.parse(input);
    return this.journal.interactions.search(text, limit, { ...filter, now: this.now() }, order);
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
    await this.kinds.close();
    for (const handle of this.running) handle.stop();
    await Promise.allSettled([...this.running].map((h) => h.result));
    this.journal.close();
  }

  private now(): string {
    return (this.options.clock ?? (() => new Date()))().toISOString();
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
      throw new InterlogError(
        'secret-store',
        `No password is stored for account "${account.name}": enter it again in the account's card ` +
          `(interlog account set "${account.name}" --new-password).`,
      );
    }
    return password;
  }
}

function toSummary(a: AccountRecord, folders: string[]): AccountSummary {
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
    isSystem: a.isSystem,
    timeoutMs: a.timeoutMs,
    folders,
    username: a.username,
    acceptSelfSigned: a.acceptSelfSigned,
    securePasswordAuth: a.securePasswordAuth,
    smtp: a.smtp
      ? {
          host: a.smtp.host,
          port: a.smtp.port,
          security: a.smtp.security,
          username: a.smtp.username,
          ownPassword: a.smtp.secretRef !== null,
          popBeforeSmtp: a.smtp.popBeforeSmtp,
          securePasswordAuth: a.smtp.securePasswordAuth,
        }
      : null,
    senderName: a.senderName,
    copyToSent: a.copyToSent,
    sentFolder: a.sentFolder,
  };
}
