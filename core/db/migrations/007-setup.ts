import type { Migration } from './migration.js';

// Account setup (issue 6): the system account of seed 004, which sends the app's own notifications.
export const setup: Migration = {
  version: 7,
  name: 'system account',
  sql: `
    ALTER TABLE accounts ADD COLUMN is_system INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1));
    -- At most one: the index holds only the marked row.
    CREATE UNIQUE INDEX accounts_one_system ON accounts(is_system) WHERE is_system = 1;
  `,
};
