import { z } from 'zod';
import type { ContactRecord } from './db/contacts-repo.js';
import type { DraftSummary, StoredDraft } from './db/drafts-repo.js';
import type { Identity } from './db/identities-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import type { OutboxItem } from './db/outbox-repo.js';
import type { SubjectRecord } from './db/subjects-repo.js';
import type { ErrorKind } from './errors.js';
import { type KindsApi, kindSchemas } from './kinds-api.js';
import type { DisplayMessage } from './mail/display-message.js';
import { ruleActionsSchema, ruleConditionsSchema } from './mail/rule-schema.js';
import type { Rule } from './mail/rules.js';
import type { SendEvent } from './send/outbox-sender.js';
import type { AccountCheck } from './setup/check.js';
import { type SetupForm, setupAccountSchema } from './setup/form.js';
import type { Detection } from './setup/types.js';
import type { SyncEvent } from './sync/imap/account-sync.js';
import type { SyncAccountResult } from './sync/progress.js';

/** Narrowing of the interactions list: by subject, contact or chain (any combination). */
const interactionFilter = z.object({
  subjectId: z.number().int().positive().optional(),
  contactId: z.number().int().positive().optional(),
  chainId: z.number().int().positive().optional(),
  /** Outgoing letters on control: all still waiting for an answer, or only those past their due date. */
  control: z.enum(['active', 'overdue']).optional(),
  /** Not reviewed and due for review now, or postponed to later. */
  review: z.enum(['to-review', 'postponed']).optional(),
  kind: z.enum(['email', 'call', 'sms', 'meeting', 'planned']).optional(),
  direction: z.enum(['in', 'out']).optional(),
  accountId: z.number().int().positive().optional(),
  /** A server folder of the account (its path, e.g. "INBOX/Sales"): letters with a copy there. */
  folder: z.string().min(1).max(1000).optional(),
  /** The period: from this time (inclusive) until that one (exclusive), ISO 8601. */
  since: z.iso.datetime({ offset: true }).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
});

/**
 * The JournalApi: the one surface the UI, the CLI and the transports (Electron IPC, the HTTP host) use.
 * Every input crossing a process boundary is checked against its schema here.
 */
/** Files of a letter, sent or being written. */
const letterFiles = z
  .array(
    z.object({
      filename: z.string().min(1).max(255),
      contentBase64: z.string(),
      contentType: z.string().max(200).optional(),
    }),
  )
  .max(100)
  .default([]);

/** A letter being written: the send call's fields, every one optional until it is sent. */
const draftLetter = z.object({
  account: z.string().max(200).optional(),
  from: z.string().max(320).optional(),
  /** As typed, not yet checked as addresses. */
  to: z.string().max(50_000).default(''),
  cc: z.string().max(50_000).default(''),
  subject: z.string().max(998).default(''),
  text: z.string().max(10_000_000).default(''),
  attachments: letterFiles,
  replyToInteraction: z.number().int().positive().optional(),
  forwardInteraction: z.number().int().positive().optional(),
  onControl: z.boolean().default(false),
  controlDue: z.string().max(40).optional(),
});
export type DraftLetter = z.output<typeof draftLetter>;

/** By date (newest or oldest first), or by the Correspondent or Title column (A to Z, or Z to A with -desc). */
const listOrder = z
  .enum(['newest', 'oldest', 'correspondent', 'correspondent-desc', 'title', 'title-desc'])
  .default('newest');

export const schemas = {
  listAccounts: z.object({}),
  addAccount: z
    .object({
      name: z.string().trim().min(1).max(200),
      email: z.email(),
      protocol: z.enum(['imap', 'pop3']),
      host: z.string().trim().min(1).max(255),
      port: z.number().int().min(1).max(65535),
      security: z.enum(['tls', 'starttls', 'none']),
      username: z.string().min(1).max(320),
      password: z.string().min(1).max(4096),
      acceptSelfSigned: z.boolean().default(false),
      timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
      identities: z.array(z.email()).max(100).default([]),
      verify: z.boolean().default(true),
      /** POP3: keep letters on the server (by default each is deleted once the journal holds it). */
      leaveOnServer: z.boolean().default(false),
      /** POP3 with leaveOnServer: delete a letter this many days after the journal first received it. */
      deleteAfterDays: z.number().int().min(1).max(36_500).nullable().default(null),
      /** Seed 004 "secure password authentication": sign in by challenge-response only, never sending the password. */
      securePasswordAuth: z.boolean().default(false),
      /** The outgoing server; without it the account only receives. */
      smtp: z
        .object({
          host: z.string().trim().min(1).max(255),
          port: z.number().int().min(1).max(65535),
          security: z.enum(['tls', 'starttls', 'none']),
          /** Omitted: the incoming user name. */
          username: z.string().min(1).max(320).optional(),
          /** Omitted: the incoming password. */
          password: z.string().min(1).max(4096).optional(),
          popBeforeSmtp: z.boolean().default(false),
          securePasswordAuth: z.boolean().default(false),
        })
        .optional(),
      senderName: z.string().trim().min(1).max(200).optional(),
      copyToSent: z.boolean().default(true),
      sentFolder: z.string().min(1).max(500).optional(),
    })
    .refine((a) => a.protocol === 'pop3' || (!a.leaveOnServer && a.deleteAfterDays === null), {
      message: 'only a POP3 account deletes letters from the server, so only it takes these settings',
      path: ['leaveOnServer'],
    })
    .refine((a) => a.deleteAfterDays === null || a.leaveOnServer, {
      message: 'deleting after some days needs leaveOnServer (without it every letter is deleted once received)',
      path: ['deleteAfterDays'],
    }),
  /**
   * Changes a saved account; what is left out stays as it is. New servers or passwords are signed in to first
   * (unless `verify` is false), and nothing is saved when that fails. The protocol and address are the account's
   * identity: for another one, add an account.
   */
  editAccount: z.object({
    name: z.string().min(1),
    newName: z.string().trim().min(1).max(200).optional(),
    host: z.string().trim().min(1).max(255).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    security: z.enum(['tls', 'starttls', 'none']).optional(),
    username: z.string().min(1).max(320).optional(),
    password: z.string().min(1).max(4096).optional(),
    acceptSelfSigned: z.boolean().optional(),
    timeoutMs: z.number().int().min(1000).max(600_000).optional(),
    leaveOnServer: z.boolean().optional(),
    deleteAfterDays: z.number().int().min(1).max(36_500).nullable().optional(),
    securePasswordAuth: z.boolean().optional(),
    /** The outgoing server as a whole; null removes it (the account then only receives). */
    smtp: z
      .object({
        host: z.string().trim().min(1).max(255),
        port: z.number().int().min(1).max(65535),
        security: z.enum(['tls', 'starttls', 'none']),
        /** null: the incoming user name. */
        username: z.string().min(1).max(320).nullable().default(null),
        /** Omitted: the outgoing password stays as it was (the incoming one, when it had none of its own). */
        password: z.string().min(1).max(4096).optional(),
        /** Sign in to the outgoing server with the incoming password from now on. */
        sameAsIncoming: z.boolean().default(false),
        popBeforeSmtp: z.boolean().default(false),
        securePasswordAuth: z.boolean().default(false),
      })
      .nullable()
      .optional(),
    senderName: z.string().trim().min(1).max(200).nullable().optional(),
    copyToSent: z.boolean().optional(),
    sentFolder: z.string().min(1).max(500).nullable().optional(),
    verify: z.boolean().default(true),
  }),
  /** Forgets the account and its password; its letters stay in the journal. Refused while it has unsent letters. */
  removeAccount: z.object({ name: z.string().min(1) }),
  /** Finds the servers for an address (provider table, autoconfig, DNS SRV, MX, probing); null when none. */
  detectServers: z.object({ email: z.email() }),
  /** The three-step account form (seed 004) pre-filled with detected or recommended values. */
  accountSetupForm: z.object({
    email: z.email(),
    system: z.boolean().default(false),
    senderName: z.string().trim().min(1).max(200).optional(),
  }),
  /** Checks the servers (a test letter to the account itself, a sign-in to the incoming server), then saves. */
  setupAccount: setupAccountSchema,
  /** The same check for a saved account, with its stored password. */
  checkAccount: z.object({ name: z.string().min(1) }),
  setSystemAccount: z.object({ name: z.string().min(1) }),
  /** The system account; fails with kind 'not-configured' when none is set up. */
  systemAccount: z.object({}),
  sync: z.object({ account: z.string().min(1).optional() }),
  addIdentity: z.object({
    account: z.string().min(1),
    address: z.email(),
    displayName: z.string().trim().min(1).max(200).optional(),
    kind: z.enum(['personal', 'company']).default('personal'),
    replyTo: z.email().optional(),
    isDefault: z.boolean().default(false),
    subjectIds: z.array(z.number().int().positive()).max(1000).default([]),
  }),
  listIdentities: z.object({ account: z.string().min(1) }),
  send: z.object({
    account: z.string().min(1),
    /** One of the account's identities; omitted: chosen by the rules in send/choose-identity.ts. */
    from: z.email().optional(),
    to: z.array(z.email()).max(500).default([]),
    cc: z.array(z.email()).max(500).default([]),
    bcc: z.array(z.email()).max(500).default([]),
    /** Omitted for a reply: "Re: " and the chain's subject line. */
    subject: z.string().max(998).default(''),
    text: z.string().max(10_000_000),
    html: z.string().max(20_000_000).optional(),
    attachments: letterFiles,
    /** Answer this interaction: the letter joins its chain, threads on the recipient's side and quotes it. */
    replyToInteraction: z.number().int().positive().optional(),
    forwardInteraction: z.number().int().positive().optional(),
    onControl: z.boolean().default(false),
    /** When the answer is due (ISO date or date-time); needs onControl. */
    controlDue: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
    /** The draft the letter was written in: it is deleted as the letter is queued. */
    draftId: z.number().int().positive().optional(),
  }),
  /**
   * Keeps a letter being written (a new one with no id, else replacing that draft); any field may still be empty.
   * Returns the draft as the drafts list shows it.
   */
  saveDraft: z.object({
    id: z.number().int().positive().optional(),
    letter: draftLetter,
  }),
  listDrafts: z.object({}),
  getDraft: z.object({ id: z.number().int().positive() }),
  deleteDraft: z.object({ id: z.number().int().positive() }),
  listOutbox: z.object({}),
  outboxAction: z.object({ id: z.number().int().positive(), action: z.enum(['retry', 'cancel', 'mark-sent']) }),
  sendQueued: z.object({}),
  listInteractions: interactionFilter.extend({
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
    order: listOrder,
  }),
  countInteractions: interactionFilter,
  /** The letter for reading: text, sanitized HTML (remote images only when asked), attachments. */
  getMessage: z.object({ interactionId: z.number().int().positive(), remoteImages: z.boolean().default(false) }),
  /** "Always show images from this sender" (and its undoing): the sender's letters then open with their images. */
  trustImages: z.object({ address: z.email(), trusted: z.boolean().default(true) }),
  /** One file of a letter, by its position (from 0) in the interaction's `attachments`, under a name safe to save. */
  getAttachment: z.object({ interactionId: z.number().int().positive(), index: z.number().int().min(0).default(0) }),
  chain: z.object({ interactionId: z.number().int().positive() }),
  listSubjects: z.object({ includeArchived: z.boolean().default(false) }),
  createSubject: z.object({ name: z.string().trim().min(1).max(500) }),
  renameSubject: z.object({ id: z.number().int().positive(), name: z.string().trim().min(1).max(500) }),
  archiveSubject: z.object({ id: z.number().int().positive(), archived: z.boolean().default(true) }),
  setSubject: z.object({
    interactionId: z.number().int().positive(),
    subjectId: z.number().int().positive().nullable(),
  }),
  listContacts: z.object({
    query: z.string().max(200).default(''),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  getContact: z.object({ id: z.number().int().positive() }),
  renameContact: z.object({ id: z.number().int().positive(), name: z.string().trim().min(1).max(500) }),
  addContactAddress: z.object({ id: z.number().int().positive(), address: z.email() }),
  addContactPhone: z.object({ id: z.number().int().positive(), phone: z.string().regex(/^\+?[\d\s()-]{3,30}$/) }),
  mergeContacts: z.object({ into: z.number().int().positive(), other: z.number().int().positive() }),
  listRules: z.object({}),
  addRule: z.object({
    name: z.string().trim().min(1).max(200),
    conditions: ruleConditionsSchema,
    actions: ruleActionsSchema,
    continueAfter: z.boolean().default(false),
    position: z.number().int().positive().optional(),
  }),
  removeRule: z.object({ id: z.number().int().positive() }),
  setRuleEnabled: z.object({ id: z.number().int().positive(), enabled: z.boolean() }),
  rerunRules: z.object({}),
  /** Deletes interactions from the journal (never from the server); all or none. */
  deleteInteractions: z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }),
  /** Full-text search within what the list is narrowed to (the same filter as listInteractions). */
  search: interactionFilter.extend({
    text: z.string().max(1000),
    limit: z.number().int().min(1).max(1000).default(50),
    order: listOrder,
  }),
  ...kindSchemas,
} as const;

export type AddAccountInput = z.input<typeof schemas.addAccount>;

export interface AccountSummary {
  id: number;
  name: string;
  email: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  leaveOnServer: boolean;
  deleteAfterDays: number | null;
  lastSyncAt: string | null;
  lastError: string | null;
  isSystem: boolean;
  /** The server's time limit for this account, in milliseconds. */
  timeoutMs: number;
  /** The server folders the journal holds letters from (for the list's folder filter). */
  folders: string[];
  /** The rest of the settings, for the account's edit form; passwords never leave the secret store. */
  username: string;
  acceptSelfSigned: boolean;
  securePasswordAuth: boolean;
  smtp: {
    host: string;
    port: number;
    security: 'tls' | 'starttls' | 'none';
    /** null: the incoming user name. */
    username: string | null;
    /** false: it signs in with the incoming password. */
    ownPassword: boolean;
    popBeforeSmtp: boolean;
    securePasswordAuth: boolean;
  } | null;
  senderName: string | null;
  copyToSent: boolean;
  sentFolder: string | null;
}

/** What setupAccount did: saved after a passing check, or not saved, with the check saying which step failed. */
export type SetupResult =
  | { saved: true; account: AccountSummary; check: AccountCheck; detection: Detection | null }
  | { saved: false; check: AccountCheck; detection: Detection | null };

export type { DraftSummary };
export type Draft = StoredDraft<DraftLetter>;

/** The desktop shell asks the window to bring up an interaction (a click on its notification). */
export interface OpenInteractionEvent {
  type: 'open-interaction';
  interactionId: number;
}

export type JournalEvent = SyncEvent | SendEvent | OpenInteractionEvent;

/** An interaction as the reading pane shows it. */
export interface MessageView extends DisplayMessage {
  interaction: InteractionRecord;
  /** The sender is one whose images are always shown: `html` has them, whatever `remoteImages` asked. */
  imagesFromSender: boolean;
}

/** An attachment ready to be written to disk. */
export interface AttachmentFile {
  /** The name to save under: one path component, no device name or invisible characters (mail/attachment-name.ts). */
  fileName: string;
  /** The name as the letter gave it, for display only; never use it as a path. */
  originalName: string;
  contentType: string;
  size: number;
  contentBase64: string;
}

export interface JournalApi extends KindsApi {
  listAccounts(): Promise<AccountSummary[]>;
  addAccount(input: AddAccountInput): Promise<AccountSummary>;
  editAccount(input: z.input<typeof schemas.editAccount>): Promise<AccountSummary>;
  removeAccount(input: z.input<typeof schemas.removeAccount>): Promise<{ removed: string; lettersKept: number }>;
  detectServers(input: z.input<typeof schemas.detectServers>): Promise<Detection | null>;
  accountSetupForm(input: z.input<typeof schemas.accountSetupForm>): Promise<SetupForm>;
  setupAccount(input: z.input<typeof schemas.setupAccount>): Promise<SetupResult>;
  checkAccount(input: z.input<typeof schemas.checkAccount>): Promise<AccountCheck>;
  setSystemAccount(input: z.input<typeof schemas.setSystemAccount>): Promise<AccountSummary>;
  systemAccount(input: z.input<typeof schemas.systemAccount>): Promise<AccountSummary>;
  sync(input: z.input<typeof schemas.sync>): Promise<SyncAccountResult[]>;
  listInteractions(input: z.input<typeof schemas.listInteractions>): Promise<InteractionRecord[]>;
  countInteractions(input: z.input<typeof schemas.countInteractions>): Promise<number>;
  getMessage(input: z.input<typeof schemas.getMessage>): Promise<MessageView>;
  getAttachment(input: z.input<typeof schemas.getAttachment>): Promise<AttachmentFile>;
  trustImages(input: z.input<typeof schemas.trustImages>): Promise<{ address: string; trusted: boolean }>;
  search(input: z.input<typeof schemas.search>): Promise<InteractionRecord[]>;
  /** The chain the interaction belongs to, oldest first. */
  chain(input: z.input<typeof schemas.chain>): Promise<InteractionRecord[]>;
  listSubjects(input: z.input<typeof schemas.listSubjects>): Promise<SubjectRecord[]>;
  createSubject(input: z.input<typeof schemas.createSubject>): Promise<SubjectRecord>;
  renameSubject(input: z.input<typeof schemas.renameSubject>): Promise<void>;
  archiveSubject(input: z.input<typeof schemas.archiveSubject>): Promise<void>;
  /** Sets the subject of the interaction's whole chain (null clears it); also how a chain moves to another. */
  setSubject(input: z.input<typeof schemas.setSubject>): Promise<void>;
  listContacts(input: z.input<typeof schemas.listContacts>): Promise<ContactRecord[]>;
  getContact(input: z.input<typeof schemas.getContact>): Promise<ContactRecord>;
  renameContact(input: z.input<typeof schemas.renameContact>): Promise<void>;
  addContactAddress(input: z.input<typeof schemas.addContactAddress>): Promise<void>;
  addContactPhone(input: z.input<typeof schemas.addContactPhone>): Promise<void>;
  mergeContacts(input: z.input<typeof schemas.mergeContacts>): Promise<void>;
  listRules(input: z.input<typeof schemas.listRules>): Promise<Rule[]>;
  addRule(input: z.input<typeof schemas.addRule>): Promise<Rule>;
  removeRule(input: z.input<typeof schemas.removeRule>): Promise<void>;
  setRuleEnabled(input: z.input<typeof schemas.setRuleEnabled>): Promise<void>;
  addIdentity(input: z.input<typeof schemas.addIdentity>): Promise<Identity>;
  listIdentities(input: z.input<typeof schemas.listIdentities>): Promise<Identity[]>;
  /** Composes a letter, stores it in the journal and queues it; it goes out with the next `sendQueued`. */
  send(input: z.input<typeof schemas.send>): Promise<OutboxItem>;
  saveDraft(input: z.input<typeof schemas.saveDraft>): Promise<DraftSummary>;
  listDrafts(input: z.input<typeof schemas.listDrafts>): Promise<DraftSummary[]>;
  getDraft(input: z.input<typeof schemas.getDraft>): Promise<Draft>;
  deleteDraft(input: z.input<typeof schemas.deleteDraft>): Promise<{ deleted: boolean }>;
  listOutbox(input: z.input<typeof schemas.listOutbox>): Promise<OutboxItem[]>;
  outboxAction(input: z.input<typeof schemas.outboxAction>): Promise<OutboxItem>;
  /** Sends every queued letter that is due, now. */
  sendQueued(input: z.input<typeof schemas.sendQueued>): Promise<{ sent: number; failed: number }>;
  /** Runs the rules again over incoming letters whose chain has no subject; returns how many matched. */
  rerunRules(input: z.input<typeof schemas.rerunRules>): Promise<number>;
  /** A deleted letter stays deleted: later syncs recognise it and do not bring it back. */
  deleteInteractions(input: z.input<typeof schemas.deleteInteractions>): Promise<{ deleted: number }>;
  onEvent(listener: (event: JournalEvent) => void): () => void;
}

export type {
  AccountCheck,
  ContactRecord,
  Detection,
  Identity,
  InteractionRecord,
  OutboxItem,
  Rule,
  SetupForm,
  SubjectRecord,
  SyncAccountResult,
  SyncEvent,
};

/** A method the transports carry: each has a schema for its one input object. */
export type ApiMethod = keyof typeof schemas & keyof JournalApi;
export type ApiInput<M extends ApiMethod> = z.input<(typeof schemas)[M]>;
export type ApiOutput<M extends ApiMethod> = Awaited<ReturnType<JournalApi[M]>>;

/**
 * A failure as it crosses a transport: the kind the UI acts on and a message a person can read. 'internal' is a
 * bug; 'unauthorized' is the transport refusing the caller (the browser host's token).
 */
export interface ApiError {
  kind: ErrorKind | 'internal' | 'unauthorized';
  message: string;
}

/** What a transport answers for one call; errors travel as values, so no transport loses their kind. */
export type ApiResult<T = unknown> = { ok: true; value: T } | { ok: false; error: ApiError };

/** The JournalApi as a client across a transport sees it: the same methods, inputs optional where all are. */
export type JournalClient = {
  [M in ApiMethod]: Record<never, never> extends ApiInput<M>
    ? (input?: ApiInput<M>) => Promise<ApiOutput<M>>
    : (input: ApiInput<M>) => Promise<ApiOutput<M>>;
} & { onEvent(listener: (event: JournalEvent) => void): () => void };
