import type { Migration } from './migration.js';

// Drafts (issue 8, compose "save draft"): letters being written, kept in the journal until sent or thrown away.
// Not interactions: a draft is in no chain, no list and no count until it goes out.
export const drafts: Migration = {
  version: 9,
  name: 'drafts',
  sql: `
    CREATE TABLE drafts (
      id INTEGER PRIMARY KEY,
      -- The fields of the compose form, as the send call takes them (JSON), files included.
      letter TEXT NOT NULL,
      title TEXT NOT NULL,
      recipients TEXT NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
  `,
};
