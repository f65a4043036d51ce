import { z } from 'zod';
import type { ContactRecord } from './db/contacts-repo.js';
import type { InteractionRecord } from './db/interactions-repo.js';
import type { SubjectRecord } from './db/subjects-repo.js';
import { type Rule, ruleActionsSchema, ruleConditionsSchema } from './mail/rules.js';
import type { SyncEvent } from './sync/imap/account-sync.js';
import type { SyncAccountResult } from './sync/progress.js';

/**
 * The JournalApi: the one surface the UI, the CLI and the transports (Electron IPC, the HTTP host) use.
 * Every input crossing a process boundary is checked against its schema here.
 */
export const schemas = {
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
    })
    .refine((a) => a.protocol === 'pop3' || (!a.leaveOnServer && a.deleteAfterDays === null), {
      message: 'only a POP3 account deletes letters from the server, so only it takes these settings',
      path: ['leaveOnServer'],
    })
    .refine((a) => a.deleteAfterDays === null || a.leaveOnServer, {
      message: 'deleting after some days needs leaveOnServer (without it every letter is deleted once received)',
      path: ['deleteAfterDays'],
    }),
  sync: z.object({ account: z.string().min(1).optional() }),
  listInteractions: z.object({
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
    subjectId: z.number().int().positive().optional(),
    contactId: z.number().int().positive().optional(),
    chainId: z.number().int().positive().optional(),
  }),
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
  search: z.object({ text: z.string().max(1000), limit: z.number().int().min(1).max(1000).default(50) }),
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
}

export type JournalEvent = SyncEvent;

export interface JournalApi {
  listAccounts(): Promise<AccountSummary[]>;
  addAccount(input: AddAccountInput): Promise<AccountSummary>;
  sync(input: z.input<typeof schemas.sync>): Promise<SyncAccountResult[]>;
  listInteractions(input: z.input<typeof schemas.listInteractions>): Promise<InteractionRecord[]>;
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
  /** Runs the rules again over incoming letters whose chain has no subject; returns how many matched. */
  rerunRules(input: z.input<typeof schemas.rerunRules>): Promise<number>;
  onEvent(listener: (event: JournalEvent) => void): () => void;
}

export type { ContactRecord, InteractionRecord, Rule, SubjectRecord, SyncAccountResult, SyncEvent };
