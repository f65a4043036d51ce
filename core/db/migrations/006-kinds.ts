import type { Migration } from './migration.js';

/**
 * Which interactions take the "reviewed" flag (seed 004): incoming letters, calls, meetings, planned ones. Queries
 * must repeat it word for word (with their table alias) for SQLite to use the partial indexes below.
 */
export const reviewable = (alias = '') =>
  `(${alias}kind IN ('call', 'meeting', 'planned') OR (${alias}kind = 'email' AND ${alias}direction = 'in'))`;

// Calls, SMS, meetings and planned interactions; postponed review; feature settings (issue 7).
export const kinds: Migration = {
  version: 6,
  name: 'calls, sms, meetings, planned; review lists; settings',
  sql: `
    -- One row per interaction that is not a letter: what its kind needs beside the common columns.
    CREATE TABLE interaction_details (
      interaction_id INTEGER PRIMARY KEY REFERENCES interactions(id) ON DELETE CASCADE,
      phone TEXT,
      -- Call: start is interactions.date; meeting: start and end; planned: when it is due.
      starts_at TEXT,
      ends_at TEXT,
      duration_s INTEGER,
      -- Call result, meeting outcome.
      result TEXT,
      -- Call notes, SMS text, meeting agenda, what a planned interaction is about.
      body TEXT NOT NULL DEFAULT '',
      place TEXT,
      -- SMS: logged | queued | sent | delivered | failed; planned: open | done.
      status TEXT,
      provider TEXT,
      provider_message_id TEXT,
      provider_error TEXT,
      -- Planned: what it is to become, and the interaction that did it.
      planned_kind TEXT CHECK (planned_kind IS NULL OR planned_kind IN ('call', 'meeting', 'email', 'sms')),
      done_by INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
      -- Meeting: the iCalendar UID its invitation carried, so replies find it.
      ical_uid TEXT,
      ical_sequence INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX interaction_details_provider ON interaction_details(provider, provider_message_id)
      WHERE provider_message_id IS NOT NULL;
    CREATE UNIQUE INDEX interaction_details_ical ON interaction_details(ical_uid) WHERE ical_uid IS NOT NULL;
    CREATE INDEX interaction_details_due ON interaction_details(starts_at) WHERE status = 'open';

    -- A call or SMS finds its contact by number.
    CREATE INDEX contact_phones_phone ON contact_phones(phone);

    CREATE TABLE meeting_participants (
      interaction_id INTEGER NOT NULL REFERENCES interactions(id) ON DELETE CASCADE,
      address TEXT NOT NULL COLLATE NOCASE,
      name TEXT NOT NULL DEFAULT '',
      status TEXT NOT NULL DEFAULT 'needs-action'
        CHECK (status IN ('needs-action', 'accepted', 'declined', 'tentative')),
      replied_at TEXT,
      PRIMARY KEY (interaction_id, address)
    ) WITHOUT ROWID;

    -- Letters already read for a meeting reply, so each is applied once.
    CREATE TABLE calendar_replies_seen (
      message_row INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE
    );

    -- "Postpone review": not reviewed, out of the to-review list until then.
    ALTER TABLE interactions ADD COLUMN review_after TEXT;

    -- The lists must count and page in milliseconds on a large journal: each scans only its own partial index,
    -- newest first, and the index holds what the filter needs (no table lookups while counting).
    CREATE INDEX interactions_unreviewed ON interactions(date, review_after)
      WHERE reviewed_at IS NULL AND ${reviewable()};
    CREATE INDEX interactions_postponed ON interactions(review_after)
      WHERE reviewed_at IS NULL AND review_after IS NOT NULL;
    CREATE INDEX interactions_controlled ON interactions(date, control_due)
      WHERE on_control = 1 AND control_closed_at IS NULL;
    CREATE INDEX interactions_kind_date ON interactions(kind, date);

    -- Organizer settings (seed 004) and the SMS provider: one JSON value per key.
    CREATE TABLE settings (
      key TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;
  `,
};
