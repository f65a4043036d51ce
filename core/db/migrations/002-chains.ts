import type { Migration } from './migration.js';

// Chains, subjects, contacts and mail-processing rules (issue: interaction chains).
export const chains: Migration = {
  version: 2,
  name: 'chains, subjects, contacts, rules',
  sql: `
    CREATE TABLE subjects (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      archived INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL
    );
    CREATE UNIQUE INDEX subjects_name ON subjects(name COLLATE NOCASE);

    -- A chain is a connected set of interactions linked by their bases; it carries the business subject.
    CREATE TABLE chains (
      id INTEGER PRIMARY KEY,
      subject_id INTEGER REFERENCES subjects(id) ON DELETE SET NULL
    );

    ALTER TABLE interactions ADD COLUMN chain_id INTEGER REFERENCES chains(id);
    ALTER TABLE interactions ADD COLUMN basis_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL;
    ALTER TABLE interactions ADD COLUMN reviewed_at TEXT;
    ALTER TABLE interactions ADD COLUMN on_control INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX interactions_chain ON interactions(chain_id);
    CREATE INDEX interactions_basis ON interactions(basis_id);

    -- The ids a letter names as its possible bases, best first: In-Reply-To, then References nearest first.
    CREATE TABLE message_parents (
      message_row INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      rank INTEGER NOT NULL,
      parent_id TEXT NOT NULL,
      PRIMARY KEY (message_row, rank)
    ) WITHOUT ROWID;
    CREATE INDEX message_parents_parent ON message_parents(parent_id);

    CREATE TABLE contacts (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE contact_addresses (
      address TEXT PRIMARY KEY COLLATE NOCASE,
      contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE
    ) WITHOUT ROWID;
    CREATE INDEX contact_addresses_contact ON contact_addresses(contact_id);
    CREATE TABLE contact_phones (
      contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      phone TEXT NOT NULL,
      PRIMARY KEY (contact_id, phone)
    ) WITHOUT ROWID;
    CREATE TABLE interaction_contacts (
      interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
      contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
      role TEXT NOT NULL CHECK (role IN ('from', 'to', 'cc', 'bcc')),
      PRIMARY KEY (interaction_id, contact_id, role)
    ) WITHOUT ROWID;
    CREATE INDEX interaction_contacts_contact ON interaction_contacts(contact_id);

    CREATE TABLE rules (
      id INTEGER PRIMARY KEY,
      position INTEGER NOT NULL,
      name TEXT NOT NULL,
      enabled INTEGER NOT NULL DEFAULT 1,
      conditions TEXT NOT NULL,
      actions TEXT NOT NULL,
      continue_after INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE interaction_tags (
      interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
      tag TEXT NOT NULL,
      PRIMARY KEY (interaction_id, tag)
    ) WITHOUT ROWID;
    -- Rules run once per incoming letter, after its body is read.
    ALTER TABLE messages ADD COLUMN rules_applied INTEGER NOT NULL DEFAULT 0;
  `,
};
