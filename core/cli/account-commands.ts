import type { JournalService } from '../journal-service.js';
import type { Values } from './journal-commands.js';
import { smtpSettings } from './send-commands.js';
import { readPassword } from './setup-commands.js';
import { UsageError } from './usage-error.js';

export const ACCOUNT_EDIT_USAGE = `  account set NAME [--rename NEW] [--server HOST:PORT] [--security tls|starttls|none] [--user USER]
              [--new-password [--password-env VAR]] [--timeout SEC] [--accept-self-signed|--reject-self-signed]
              [--leave-on-server|--delete-on-receipt] [--delete-after-days N|--keep-forever] (POP3)
              [--secure-auth|--plain-auth] [--smtp HOST:PORT ...|--no-smtp] [--sender-name N] [--sent-copy|--no-sent-copy]
              [--sent-folder PATH] [--no-verify]   (new servers and passwords are signed in to before saving)
  account remove NAME                                    (its letters stay in the journal; its password is forgotten)`;

export const accountEditOptions = {
  rename: { type: 'string' },
  server: { type: 'string' },
  'new-password': { type: 'boolean' },
  'reject-self-signed': { type: 'boolean' },
  'delete-on-receipt': { type: 'boolean' },
  'keep-forever': { type: 'boolean' },
  'plain-auth': { type: 'boolean' },
  'no-smtp': { type: 'boolean' },
  'sent-copy': { type: 'boolean' },
} as const;

/** A pair of opposite switches: true, false, or undefined when neither was given. */
function either(v: Values, on: string, off: string): boolean | undefined {
  if (v[on] === true && v[off] === true) throw new UsageError(`--${on} and --${off} contradict each other`);
  return v[on] === true ? true : v[off] === true ? false : undefined;
}

/** `interlog account set NAME ...`: only what is given changes. */
export async function editAccountCommand(
  service: JournalService,
  name: string | undefined,
  v: Values,
): Promise<number> {
  if (!name) throw new UsageError('account set needs the account name');
  const server = typeof v.server === 'string' ? /^(.+):(\d+)$/.exec(v.server) : undefined;
  if (server === null || (server && (!server[1] || !server[2]))) throw new UsageError('--server must be HOST:PORT');
  const security = v.security;
  if (security !== undefined && security !== 'tls' && security !== 'starttls' && security !== 'none') {
    throw new UsageError('--security must be tls, starttls or none');
  }
  const days = v['delete-after-days'];
  if (days !== undefined && !/^[1-9]\d*$/.test(String(days))) {
    throw new UsageError('--delete-after-days must be a whole number of days');
  }
  if (days !== undefined && v['keep-forever'] === true) {
    throw new UsageError('--delete-after-days and --keep-forever contradict each other');
  }
  const smtp = smtpSettings(v)?.smtp;
  if (smtp && v['no-smtp'] === true) throw new UsageError('--smtp and --no-smtp contradict each other');
  const user = typeof v.user === 'string' ? v.user : undefined;
  const password = v['new-password'] === true ? await readPassword(v, user ?? name) : undefined;
  const definedOnly = <T extends object>(o: T) =>
    Object.fromEntries(Object.entries(o).filter(([, value]) => value !== undefined)) as Partial<T>;
  const account = await service.editAccount({
    name,
    ...definedOnly({
      newName: typeof v.rename === 'string' ? v.rename : undefined,
      host: server?.[1],
      port: server?.[2] ? Number(server[2]) : undefined,
      security: security as 'tls' | 'starttls' | 'none' | undefined,
      username: user,
      password,
      timeoutMs: typeof v.timeout === 'string' ? Number(v.timeout) * 1000 : undefined,
      acceptSelfSigned: either(v, 'accept-self-signed', 'reject-self-signed'),
      leaveOnServer: either(v, 'leave-on-server', 'delete-on-receipt'),
      deleteAfterDays: days !== undefined ? Number(days) : v['keep-forever'] === true ? null : undefined,
      securePasswordAuth: either(v, 'secure-auth', 'plain-auth'),
      smtp: v['no-smtp'] === true ? null : smtp && { username: null, ...smtp },
      senderName: typeof v['sender-name'] === 'string' ? v['sender-name'] : undefined,
      copyToSent: either(v, 'sent-copy', 'no-sent-copy'),
      sentFolder: typeof v['sent-folder'] === 'string' ? v['sent-folder'] : undefined,
    }),
    verify: v['no-verify'] !== true,
  });
  const cleaning =
    account.protocol === 'pop3'
      ? account.leaveOnServer
        ? account.deleteAfterDays
          ? `, letters deleted from the server ${account.deleteAfterDays} days after receipt`
          : ', letters left on the server'
        : ', letters deleted from the server once received'
      : '';
  process.stdout.write(
    `Saved account "${account.name}": ${account.protocol}://${account.host}:${account.port} (${account.security})${cleaning}.\n`,
  );
  return 0;
}

/** `interlog account remove NAME`. */
export async function removeAccountCommand(service: JournalService, name: string | undefined): Promise<number> {
  if (!name) throw new UsageError('account remove needs the account name');
  const { removed, lettersKept } = await service.removeAccount({ name });
  process.stdout.write(
    `Removed account "${removed}"; its ${lettersKept} interaction${lettersKept === 1 ? '' : 's'} stay in the journal.\n`,
  );
  return 0;
}
