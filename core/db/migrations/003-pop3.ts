import type { Migration } from './migration.js';

// POP3 receiving (issue 4): the account's server-cleaning settings and the journal's memory of the maildrop.
export const pop3: Migration = {
  version: 3,
  name: 'pop3 maildrop',
  sql: `
    -- Off by default, as in the seed: a letter is deleted from the server once the journal holds it.
    ALTER TABLE accounts ADD COLUMN leave_on_server INTEGER NOT NULL DEFAULT 0;
    -- With leave_on_server: delete a letter this many days after the journal first received it (NULL: never).
    ALTER TABLE accounts ADD COLUMN delete_after_days INTEGER CHECK (delete_after_days IS NULL OR delete_after_days > 0);

    -- Every maildrop letter the journal has committed, by its UIDL (or, from a server without UIDL, a hash of its
    -- header, prefixed 'hdr:'). A row commits in the same transaction as its letter, so a UIDL here means "stored":
    -- it is never downloaded again and may be deleted from the server. The copy itself is a message_locations row
    -- (folder INBOX of the account, uidvalidity 'pop3', uid = this id), so lists, rules and export see POP3 letters
    -- the way they see IMAP ones, including when a letter is gone from the server.
    CREATE TABLE pop3_uidl (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      uidl TEXT NOT NULL,
      message_row INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      first_seen_at TEXT NOT NULL,
      UNIQUE (account_id, uidl)
    );
    CREATE INDEX pop3_uidl_message ON pop3_uidl(message_row);
  `,
};
