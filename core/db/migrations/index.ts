import { initial } from './001-initial.js';
import { chains } from './002-chains.js';
import { pop3 } from './003-pop3.js';
import { outbox } from './004-outbox.js';
import { kinds } from './006-kinds.js';
import { setup } from './007-setup.js';
import { secureAuth } from './008-secure-auth.js';
import { drafts } from './009-drafts.js';
import type { Migration } from './migration.js';

// Ordered by version, append-only; versions need not be consecutive (5 was never released: the system-account
// change became 7 so that a journal already at 6 still receives it). The last entry is the schema this build writes.
export const migrations: readonly Migration[] = [initial, chains, pop3, outbox, kinds, setup, secureAuth, drafts];

export const schemaVersion = migrations[migrations.length - 1]?.version ?? 0;
