import type { Migration } from './migration.js';

// The first schema. Never edit a released migration: add a new numbered file instead.
export const initial: Migration = {
  version: 1,
  name: 'initial journal',
  sql: `
    CREATE TABLE accounts (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      email TEXT NOT NULL,
      protocol TEXT NOT NULL CHECK (protocol IN ('imap', 'pop3')),
      host TEXT NOT NULL,
      port INTEGER NOT NULL,
      security TEXT NOT NULL CHECK (security IN ('tls', 'starttls', 'none')),
      username TEXT NOT NULL,
      accept_self_signed INTEGER NOT NULL DEFAULT 0,
      secret_ref TEXT NOT NULL,
      timeout_ms INTEGER NOT NULL DEFAULT 30000,
      created_at TEXT NOT NULL,
      last_sync_at TEXT,
      last_error TEXT
    );

    CREATE TABLE identities (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      address TEXT NOT NULL COLLATE NOCASE,
      display_name TEXT,
      UNIQUE (account_id, address)
    );

    CREATE TABLE folders (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      path TEXT NOT NULL,
      delimiter TEXT,
      special_use TEXT,
      uidvalidity TEXT,
      uidnext INTEGER,
      last_uid INTEGER NOT NULL DEFAULT 0,
      highest_modseq TEXT,
      present INTEGER NOT NULL DEFAULT 1,
      UNIQUE (account_id, path)
    );

    -- Content-addressed storage (sha256). Sources are appended to pack files, written once, in the order they
    -- arrive; a row exists only for bytes made durable before its transaction committed.
    CREATE TABLE blobs (
      sha256 TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      pack TEXT NOT NULL,
      offset INTEGER NOT NULL,
      codec TEXT NOT NULL DEFAULT 'raw' CHECK (codec IN ('raw'))
    ) WITHOUT ROWID;

    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      message_key TEXT NOT NULL UNIQUE,
      message_id TEXT,
      in_reply_to TEXT,
      refs TEXT NOT NULL DEFAULT '[]',
      subject TEXT NOT NULL DEFAULT '',
      from_address TEXT,
      from_name TEXT,
      recipients TEXT NOT NULL DEFAULT '{}',
      date TEXT NOT NULL,
      size INTEGER NOT NULL,
      source_sha256 TEXT NOT NULL REFERENCES blobs(sha256),
      parse_error TEXT,
      -- Listing needs only the header; the body is read for search and attachments just after (the indexer).
      indexed_at TEXT
    );
    CREATE INDEX messages_message_id ON messages(message_id);
    CREATE INDEX messages_unindexed ON messages(id) WHERE indexed_at IS NULL;

    -- A copy of a message in a server folder. UIDs mean something only within one UIDVALIDITY, so it is part of
    -- the key: after a UIDVALIDITY change the old rows are marked gone and the re-read adds new ones.
    CREATE TABLE message_locations (
      folder_id INTEGER NOT NULL REFERENCES folders(id) ON DELETE CASCADE,
      uidvalidity TEXT NOT NULL,
      uid INTEGER NOT NULL,
      message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      flags TEXT NOT NULL DEFAULT '',
      gone_at TEXT,
      PRIMARY KEY (folder_id, uidvalidity, uid)
    ) WITHOUT ROWID;
    CREATE INDEX message_locations_message ON message_locations(message_id);

    CREATE TABLE attachments (
      id INTEGER PRIMARY KEY,
      message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      part TEXT NOT NULL,
      name TEXT NOT NULL,
      content_type TEXT NOT NULL,
      size INTEGER NOT NULL,
      sha256 TEXT NOT NULL,
      inline INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX attachments_message ON attachments(message_id);

    CREATE TABLE interactions (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('email', 'call', 'sms', 'meeting', 'planned')),
      direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
      date TEXT NOT NULL,
      title TEXT NOT NULL,
      account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,
      message_id INTEGER UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
      preview TEXT NOT NULL DEFAULT '',
      has_attachments INTEGER NOT NULL DEFAULT 0,
      created_at TEXT NOT NULL
    );
    CREATE INDEX interactions_date ON interactions(date);

    -- The FTS table is also where an interaction's plain text lives; the raw source stays the truth.
    CREATE VIRTUAL TABLE interactions_fts USING fts5(
      title, body, people, tokenize = 'unicode61 remove_diacritics 2', detail = column
    );
  `,
};
