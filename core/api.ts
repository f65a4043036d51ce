import { z } from 'zod';
import type { InteractionRecord } from './db/interactions-repo.js';
import type { SyncEvent } from './sync/imap/account-sync.js';
import type { SyncAccountResult } from './sync/progress.js';

/**
 * The JournalApi: the one surface the UI, the CLI and the transports (Electron IPC, the HTTP host) use.
 * Every input crossing a process boundary is checked against its schema here.
 */
export const schemas = {
  addAccount: z.object({
    name: z.string().trim().min(1).max(200),
    email: z.email(),
    protocol: z.literal('imap'),
    host: z.string().trim().min(1).max(255),
    port: z.number().int().min(1).max(65535),
    security: z.enum(['tls', 'starttls', 'none']),
    username: z.string().min(1).max(320),
    password: z.string().min(1).max(4096),
    acceptSelfSigned: z.boolean().default(false),
    timeoutMs: z.number().int().min(1000).max(600_000).default(30_000),
    identities: z.array(z.email()).max(100).default([]),
    verify: z.boolean().default(true),
  }),
  sync: z.object({ account: z.string().min(1).optional() }),
  listInteractions: z.object({
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
  }),
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
  onEvent(listener: (event: JournalEvent) => void): () => void;
}

export type { InteractionRecord, SyncAccountResult, SyncEvent };
