import { initial } from './001-initial.js';
import { chains } from './002-chains.js';
import { pop3 } from './003-pop3.js';
import { outbox } from './004-outbox.js';
import { setup } from './005-setup.js';
import { kinds } from './006-kinds.js';
import type { Migration } from './migration.js';

// Ordered, append-only. The last entry's version is the schema this build writes.
export const migrations: readonly Migration[] = [initial, chains, pop3, outbox, setup, kinds];

export const schemaVersion = migrations[migrations.length - 1]?.version ?? 0;
