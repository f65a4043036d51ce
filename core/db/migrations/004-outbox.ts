import type { Migration } from './migration.js';

// Sending (issue 5): SMTP settings, identities (company and personal addresses), the durable outbox, and the
// "on control" mark on outgoing letters.
export const outbox: Migration = {
  version: 4,
  name: 'sending, identities, outbox, on control',
  sql: `
    ALTER TABLE accounts ADD COLUMN smtp_host TEXT;
    ALTER TABLE accounts ADD COLUMN smtp_port INTEGER;
    ALTER TABLE accounts ADD COLUMN smtp_security TEXT CHECK (smtp_security IS NULL OR smtp_security IN ('tls', 'starttls', 'none'));
    ALTER TABLE accounts ADD COLUMN smtp_username TEXT;
    -- NULL: the same password as the incoming server.
    ALTER TABLE accounts ADD COLUMN smtp_secret_ref TEXT;
    -- Seed 004: "authenticate on the incoming server before sending" (POP-before-SMTP).
    ALTER TABLE accounts ADD COLUMN pop_before_smtp INTEGER NOT NULL DEFAULT 0;
    -- Append a copy of each sent letter to the Sent folder; off for servers that file it themselves (Gmail).
    ALTER TABLE accounts ADD COLUMN copy_to_sent INTEGER NOT NULL DEFAULT 1;
    -- NULL: the folder the server marks \\Sent, else one named like Sent.
    ALTER TABLE accounts ADD COLUMN sent_folder TEXT;
    ALTER TABLE accounts ADD COLUMN sender_name TEXT;

    -- An identity is a From address: the company's (shared, possibly bound to subjects) or the user's own.
    ALTER TABLE identities ADD COLUMN kind TEXT NOT NULL DEFAULT 'personal' CHECK (kind IN ('personal', 'company'));
    ALTER TABLE identities ADD COLUMN reply_to TEXT;
    ALTER TABLE identities ADD COLUMN is_default INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE identity_subjects (
      identity_id INTEGER NOT NULL REFERENCES identities(id) ON DELETE CASCADE,
      subject_id INTEGER NOT NULL REFERENCES subjects(id) ON DELETE CASCADE,
      PRIMARY KEY (identity_id, subject_id)
    ) WITHOUT ROWID;

    -- The queue of letters to send. A row is written with its letter (already in the journal, with its final
    -- Message-ID) before any network step. 'sending' means the server has not received the end of the message
    -- and a restart may send it again; 'committing' means the end was sent and the server may have accepted it,
    -- so a restart asks the user instead of risking a second copy ('unknown').
    CREATE TABLE outbox (
      id INTEGER PRIMARY KEY,
      account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
      interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
      envelope_from TEXT NOT NULL,
      envelope_to TEXT NOT NULL,
      status TEXT NOT NULL CHECK (status IN ('queued', 'sending', 'committing', 'sent', 'failed', 'unknown', 'cancelled')),
      attempts INTEGER NOT NULL DEFAULT 0,
      next_attempt_at TEXT NOT NULL,
      last_error TEXT,
      server_response TEXT,
      sent_at TEXT,
      sent_copy TEXT CHECK (sent_copy IS NULL OR sent_copy IN ('appended', 'not-needed', 'failed')),
      -- host:pid of the process sending it, so only a dead sender's letters are recovered.
      claimed_by TEXT,
      created_at TEXT NOT NULL
    );
    CREATE INDEX outbox_due ON outbox(status, next_attempt_at);

    ALTER TABLE interactions ADD COLUMN control_due TEXT;
    -- When the control ended: a reply arrived in the chain (fulfilled_by) or the user closed it.
    ALTER TABLE interactions ADD COLUMN control_closed_at TEXT;
    ALTER TABLE interactions ADD COLUMN control_fulfilled_by INTEGER REFERENCES interactions(id) ON DELETE SET NULL;
  `,
};
