import { type Db, writeTransaction } from './database.js';

export type Security = 'tls' | 'starttls' | 'none';

export interface AccountRecord {
  id: number;
  name: string;
  email: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: Security;
  username: string;
  acceptSelfSigned: boolean;
  secretRef: string;
  timeoutMs: number;
  /** POP3: keep letters on the server after receiving them (else each is deleted once committed). */
  leaveOnServer: boolean;
  /** POP3 with leaveOnServer: delete a letter this many days after the journal first received it. */
  deleteAfterDays: number | null;
  lastSyncAt: string | null;
  lastError: string | null;
  identities: string[];
  /** Where letters go out; null for an account that only receives. */
  smtp: SmtpSettings | null;
  /** The name letters are signed with, when it differs from the user's (seed 004: "Имя отправителя"). */
  senderName: string | null;
  copyToSent: boolean;
  /** The folder for copies of sent letters; null: the one the server marks \Sent. */
  sentFolder: string | null;
  /** Seed 004: the one account the app sends its own notifications from. */
  isSystem: boolean;
  /** Seed 004 "secure password authentication" on the incoming server: sign in only by challenge-response. */
  securePasswordAuth: boolean;
}

export interface SmtpSettings {
  host: string;
  port: number;
  security: Security;
  /** null: sign in with the incoming server's user name. */
  username: string | null;
  /** null: the incoming server's password. */
  secretRef: string | null;
  popBeforeSmtp: boolean;
  /** Sign in to the outgoing server only by challenge-response (CRAM-MD5). */
  securePasswordAuth: boolean;
}

export type NewAccount = Omit<
  AccountRecord,
  | 'id'
  | 'lastSyncAt'
  | 'lastError'
  | 'identities'
  | 'leaveOnServer'
  | 'deleteAfterDays'
  | 'smtp'
  | 'senderName'
  | 'copyToSent'
  | 'sentFolder'
  | 'isSystem'
  | 'securePasswordAuth'
> & {
  identities?: string[];
} & Partial<
    Pick<
      AccountRecord,
      | 'leaveOnServer'
      | 'deleteAfterDays'
      | 'smtp'
      | 'senderName'
      | 'copyToSent'
      | 'sentFolder'
      | 'isSystem'
      | 'securePasswordAuth'
    >
  >;

/** What `update` may change; undefined leaves a setting as it is, `smtp: null` removes the outgoing server. */
export type AccountChanges = Partial<
  Pick<
    AccountRecord,
    | 'name'
    | 'host'
    | 'port'
    | 'security'
    | 'username'
    | 'acceptSelfSigned'
    | 'timeoutMs'
    | 'leaveOnServer'
    | 'deleteAfterDays'
    | 'smtp'
    | 'senderName'
    | 'copyToSent'
    | 'sentFolder'
    | 'securePasswordAuth'
  >
>;

interface AccountRow {
  id: number;
  name: string;
  email: string;
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: Security;
  username: string;
  accept_self_signed: number;
  secret_ref: string;
  timeout_ms: number;
  leave_on_server: number;
  delete_after_days: number | null;
  last_sync_at: string | null;
  last_error: string | null;
  smtp_host: string | null;
  smtp_port: number | null;
  smtp_security: Security | null;
  smtp_username: string | null;
  smtp_secret_ref: string | null;
  pop_before_smtp: number;
  copy_to_sent: number;
  sent_folder: string | null;
  sender_name: string | null;
  is_system: number;
  secure_password_auth: number;
  smtp_secure_password_auth: number;
}

export class AccountsRepo {
  constructor(private readonly db: Db) {}

  add(account: NewAccount): AccountRecord {
    const id = writeTransaction(this.db, () => {
      if (account.isSystem) this.db.prepare('UPDATE accounts SET is_system = 0 WHERE is_system = 1').run();
      const info = this.db
        .prepare(
          `INSERT INTO accounts (name, email, protocol, host, port, security, username, accept_self_signed, secret_ref,
             timeout_ms, leave_on_server, delete_after_days, created_at, smtp_host, smtp_port, smtp_security,
             smtp_username, smtp_secret_ref, pop_before_smtp, copy_to_sent, sent_folder, sender_name, is_system,
             secure_password_auth, smtp_secure_password_auth)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          account.name,
          account.email.toLowerCase(),
          account.protocol,
          account.host,
          account.port,
          account.security,
          account.username,
          account.acceptSelfSigned ? 1 : 0,
          account.secretRef,
          account.timeoutMs,
          account.leaveOnServer ? 1 : 0,
          account.deleteAfterDays ?? null,
          new Date().toISOString(),
          account.smtp?.host ?? null,
          account.smtp?.port ?? null,
          account.smtp?.security ?? null,
          account.smtp?.username ?? null,
          account.smtp?.secretRef ?? null,
          account.smtp?.popBeforeSmtp ? 1 : 0,
          account.copyToSent === false ? 0 : 1,
          account.sentFolder ?? null,
          account.senderName ?? null,
          account.isSystem ? 1 : 0,
          account.securePasswordAuth ? 1 : 0,
          account.smtp?.securePasswordAuth ? 1 : 0,
        );
      const accountId = Number(info.lastInsertRowid);
      const addIdentity = this.db.prepare('INSERT OR IGNORE INTO identities (account_id, address) VALUES (?, ?)');
      for (const address of new Set([account.email, ...(account.identities ?? [])])) {
        addIdentity.run(accountId, address.toLowerCase());
      }
      return accountId;
    });
    return this.get(id) as AccountRecord;
  }

  get(id: number): AccountRecord | undefined {
    const row = this.db.prepare<[number], AccountRow>('SELECT * FROM accounts WHERE id = ?').get(id);
    return row && this.toRecord(row);
  }

  byName(name: string): AccountRecord | undefined {
    const row = this.db.prepare<[string], AccountRow>('SELECT * FROM accounts WHERE name = ?').get(name);
    return row && this.toRecord(row);
  }

  list(): AccountRecord[] {
    return this.db
      .prepare<[], AccountRow>('SELECT * FROM accounts ORDER BY name')
      .all()
      .map((row) => this.toRecord(row));
  }

  /** The system account, if one is marked. */
  system(): AccountRecord | undefined {
    const row = this.db.prepare<[], AccountRow>('SELECT * FROM accounts WHERE is_system = 1').get();
    return row && this.toRecord(row);
  }

  /** Marks the account as the system account, and no other. */
  setSystem(id: number): void {
    writeTransaction(this.db, () => {
      this.db.prepare('UPDATE accounts SET is_system = 0 WHERE is_system = 1 AND id <> ?').run(id);
      this.db.prepare('UPDATE accounts SET is_system = 1 WHERE id = ?').run(id);
    });
  }

  /**
   * Changes a saved account's settings in one transaction. With `serverMoved` (another host or user name: maybe
   * another mailbox) every folder's cursor is forgotten, so the next sync reads each folder again instead of
   * trusting UIDs that may name other letters there; letters already in the journal are recognised, not doubled.
   */
  update(id: number, changes: AccountChanges, options: { serverMoved: boolean }): AccountRecord {
    const columns: Record<string, string | number | null> = {};
    const set = <K extends keyof AccountChanges>(
      key: K,
      column: string,
      value: (v: AccountChanges[K] & {}) => string | number | null,
    ) => {
      if (changes[key] !== undefined)
        columns[column] = changes[key] === null ? null : value(changes[key] as AccountChanges[K] & {});
    };
    set('name', 'name', (v) => v);
    set('host', 'host', (v) => v);
    set('port', 'port', (v) => v);
    set('security', 'security', (v) => v);
    set('username', 'username', (v) => v);
    set('acceptSelfSigned', 'accept_self_signed', (v) => (v ? 1 : 0));
    set('timeoutMs', 'timeout_ms', (v) => v);
    set('leaveOnServer', 'leave_on_server', (v) => (v ? 1 : 0));
    set('deleteAfterDays', 'delete_after_days', (v) => v);
    set('senderName', 'sender_name', (v) => v);
    set('copyToSent', 'copy_to_sent', (v) => (v ? 1 : 0));
    set('sentFolder', 'sent_folder', (v) => v);
    set('securePasswordAuth', 'secure_password_auth', (v) => (v ? 1 : 0));
    if (changes.smtp !== undefined) {
      const smtp = changes.smtp;
      Object.assign(columns, {
        smtp_host: smtp?.host ?? null,
        smtp_port: smtp?.port ?? null,
        smtp_security: smtp?.security ?? null,
        smtp_username: smtp?.username ?? null,
        smtp_secret_ref: smtp?.secretRef ?? null,
        pop_before_smtp: smtp?.popBeforeSmtp ? 1 : 0,
        smtp_secure_password_auth: smtp?.securePasswordAuth ? 1 : 0,
      });
      // Only an account with an outgoing server can send the app's notifications.
      if (!smtp) columns.is_system = 0;
    }
    writeTransaction(this.db, () => {
      const names = Object.keys(columns);
      if (names.length > 0) {
        this.db
          .prepare(`UPDATE accounts SET ${names.map((c) => `${c} = ?`).join(', ')}, last_error = NULL WHERE id = ?`)
          .run(...Object.values(columns), id);
      }
      // IMAP only: a POP3 maildrop is known by its UIDLs, which another server simply does not list.
      if (options.serverMoved) {
        this.db
          .prepare(
            `UPDATE folders SET uidvalidity = ?, last_uid = 0, uidnext = NULL, highest_modseq = NULL
             WHERE account_id = ? AND (SELECT protocol FROM accounts WHERE id = ?) = 'imap'`,
          )
          .run(`moved ${new Date().toISOString()}`, id, id);
      }
    });
    return this.get(id) as AccountRecord;
  }

  /** Letters of the account that are not yet known to be sent: queued, being sent, failed, or in doubt. */
  unsentCount(id: number): number {
    return (
      this.db
        .prepare<[number], { n: number }>(
          `SELECT COUNT(*) AS n FROM outbox WHERE account_id = ? AND status NOT IN ('sent', 'cancelled')`,
        )
        .get(id)?.n ?? 0
    );
  }

  /**
   * Forgets the account: its folders' sync state, its maildrop memory, its identities and finished outbox rows
   * go with it (ON DELETE CASCADE); its letters stay in the journal as history, no longer tied to an account.
   */
  remove(id: number): void {
    writeTransaction(this.db, () => this.db.prepare('DELETE FROM accounts WHERE id = ?').run(id));
  }

  recordSyncResult(id: number, error: string | null): void {
    this.db
      .prepare(
        'UPDATE accounts SET last_sync_at = CASE WHEN ? IS NULL THEN ? ELSE last_sync_at END, last_error = ? WHERE id = ?',
      )
      .run(error, new Date().toISOString(), error, id);
  }

  private toRecord(row: AccountRow): AccountRecord {
    const identities = this.db
      .prepare<[number], { address: string }>('SELECT address FROM identities WHERE account_id = ? ORDER BY id')
      .all(row.id)
      .map((r) => r.address);
    return {
      id: row.id,
      name: row.name,
      email: row.email,
      protocol: row.protocol,
      host: row.host,
      port: row.port,
      security: row.security,
      username: row.username,
      acceptSelfSigned: row.accept_self_signed === 1,
      secretRef: row.secret_ref,
      timeoutMs: row.timeout_ms,
      leaveOnServer: row.leave_on_server === 1,
      deleteAfterDays: row.delete_after_days,
      lastSyncAt: row.last_sync_at,
      lastError: row.last_error,
      identities,
      smtp:
        row.smtp_host && row.smtp_port && row.smtp_security
          ? {
              host: row.smtp_host,
              port: row.smtp_port,
              security: row.smtp_security,
              username: row.smtp_username,
              secretRef: row.smtp_secret_ref,
              popBeforeSmtp: row.pop_before_smtp === 1,
              securePasswordAuth: row.smtp_secure_password_auth === 1,
            }
          : null,
      senderName: row.sender_name,
      copyToSent: row.copy_to_sent === 1,
      sentFolder: row.sent_folder,
      isSystem: row.is_system === 1,
      securePasswordAuth: row.secure_password_auth === 1,
    };
  }
}
