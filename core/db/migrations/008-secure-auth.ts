import type { Migration } from './migration.js';

// Secure password authentication (seed 004, "Безопасная проверка пароля"), chosen per server in the wizard's step 1
// (outgoing) and step 2 (incoming). Off for existing accounts: they keep signing in as they did.
export const secureAuth: Migration = {
  version: 8,
  name: 'secure password authentication',
  sql: `
    ALTER TABLE accounts ADD COLUMN secure_password_auth INTEGER NOT NULL DEFAULT 0 CHECK (secure_password_auth IN (0, 1));
    ALTER TABLE accounts ADD COLUMN smtp_secure_password_auth INTEGER NOT NULL DEFAULT 0
      CHECK (smtp_secure_password_auth IN (0, 1));
  `,
};
