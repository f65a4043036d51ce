import { parseArgs } from 'node:util';
import { InterlogError } from '../errors.js';
import { journalFile } from '../journal-file.js';
import { JournalService } from '../journal-service.js';
import { FileSecretStore } from '../secrets/file-secret-store.js';
import {
  ACCOUNT_EDIT_USAGE,
  accountEditOptions,
  editAccountCommand,
  removeAccountCommand,
} from './account-commands.js';
import { ATTACHMENT_USAGE, attachmentCommand } from './attachment-commands.js';
import { BACKUP_USAGE, backupCommand, backupOptions } from './backup-commands.js';
import {
  chainCommand,
  contactCommand,
  deleteCommand,
  journalOptions,
  ruleCommand,
  subjectCommand,
} from './journal-commands.js';
import { KIND_USAGE, kindCommand, kindOptions } from './kind-commands.js';
import { exportLine, interactionLine, writeOut } from './output.js';
import { progressPrinter } from './progress-bar.js';
import { identityCommand, outboxCommand, sendCommand, sendOptions, smtpSettings } from './send-commands.js';
import {
  readPassword,
  SETUP_ENV_USAGE,
  SETUP_USAGE,
  setupCommand,
  setupFromEnv,
  setupOptions,
} from './setup-commands.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage: interlog [--db FILE] <command>

Commands:
  account add --name NAME --email ADDR --imap HOST:PORT|--pop3 HOST:PORT --security tls|starttls|none
              --user USER [--password-env VAR] [--accept-self-signed] [--identity ADDR]... [--timeout SEC] [--no-verify]
              [--leave-on-server [--delete-after-days N]]  (POP3; otherwise letters are deleted once received)
              [--secure-auth]  (prove the password by APOP/CRAM-MD5, never send it; POP3 only)
              [--smtp HOST:PORT [--smtp-security tls|starttls|none] [--smtp-user USER] [--smtp-password-env VAR]
               [--pop-before-smtp] [--smtp-secure-auth] [--no-sent-copy] [--sent-folder PATH] [--sender-name NAME]]
${ACCOUNT_EDIT_USAGE}
${SETUP_USAGE}
  identity add ADDR --account NAME [--company] [--default] [--display-name N] [--reply-to ADDR] [--for-subject ID]...
  identity list --account NAME
  send --account NAME --to ADDR... [--cc ADDR]... [--bcc ADDR]... [--subject S] (--text FILE | --html FILE)
       [--attach FILE]... [--from-address ADDR] [--reply-to-interaction ID | --forward-interaction ID]
       [--on-control [--due DATE]] [--queue]
  outbox [send | retry ID | cancel ID | mark-sent ID]
  account list
  sync [--account NAME] [--watch] [--poll SEC]
  export --json
  search TEXT
  subject list [--all] | add NAME | rename ID NAME | archive ID | unarchive ID | show ID
  subject set INTERACTION_ID SUBJECT_ID|NAME|none      (sets the subject of the interaction's whole chain)
  contact list [TEXT] | show ID | rename ID NAME | add-address ID ADDR | add-phone ID PHONE | merge KEEP OTHER
  rule list | remove ID | enable ID | disable ID | run
  rule add --name NAME [--to-address A]... [--from ADDR|DOMAIN]... [--subject-contains W]... [--body-contains W]...
           [--has-attachment|--no-attachment] [--account NAME] [--folder PATH]
           [--set-subject ID|NAME] [--mark-reviewed] [--on-control] [--tag T]... [--continue] [--position N]
  chain INTERACTION_ID                                   (the chain as a tree)
  delete INTERACTION_ID...                               (from the journal only; a sync does not bring it back)
${ATTACHMENT_USAGE}
${KIND_USAGE}
${BACKUP_USAGE}

The journal is --db FILE, else $INTERLOG_DB, else ~/.local/share/interlog/journal.db.
Passwords are read from the environment variable named by --password-env, or asked for; never from arguments.
${SETUP_ENV_USAGE}`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      db: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      imap: { type: 'string' },
      pop3: { type: 'string' },
      'leave-on-server': { type: 'boolean' },
      'secure-auth': { type: 'boolean' },
      'delete-after-days': { type: 'string' },
      security: { type: 'string' },
      user: { type: 'string' },
      'password-env': { type: 'string' },
      'accept-self-signed': { type: 'boolean' },
      identity: { type: 'string', multiple: true },
      timeout: { type: 'string' },
      'no-verify': { type: 'boolean' },
      account: { type: 'string' },
      watch: { type: 'boolean' },
      poll: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...journalOptions,
      ...sendOptions,
      ...kindOptions,
      ...setupOptions,
      ...backupOptions,
      ...accountEditOptions,
    },
  });
  const [command, sub, ...rest] = positionals;
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  const dbFile = journalFile(values.db);
  const onFiles = await backupCommand(command, dbFile, [sub ?? '', ...rest], values);
  if (onFiles !== undefined) return onFiles;
  const service = new JournalService({
    dbFile,
    secrets: FileSecretStore.besideJournal(dbFile),
    setup: setupFromEnv(process.env),
  });
  try {
    switch (command) {
      case 'account': {
        const setup = await setupCommand(service, sub ?? '', rest, values);
        if (setup !== undefined) return setup;
        if (sub === 'add') return await addAccount(service, values);
        if (sub === 'set') return await editAccountCommand(service, rest[0], values);
        if (sub === 'remove') return await removeAccountCommand(service, rest[0]);
        if (sub === 'list') {
          for (const a of await service.listAccounts()) {
            const status = a.lastError
              ? `error: ${a.lastError}`
              : a.lastSyncAt
                ? `synced ${a.lastSyncAt}`
                : 'never synced';
            process.stdout.write(
              `${a.name}\t${a.email}\t${a.protocol}://${a.host}:${a.port} (${a.security})\t${status}${a.isSystem ? '\tsystem account' : ''}\n`,
            );
          }
          return 0;
        }
        throw new UsageError(`unknown account command "${sub ?? ''}"`);
      }
      case 'sync':
        return await sync(service, values);
      case 'export':
        if (!values.json) throw new UsageError('export needs --json (one JSON object per line)');
        for (const record of service.iterateInteractions()) await writeOut(`${JSON.stringify(exportLine(record))}\n`);
        return 0;
      case 'search': {
        const text = [sub, ...rest].filter(Boolean).join(' ');
        if (!text) throw new UsageError('search needs the text to look for');
        for (const r of await service.search({ text, limit: 100 })) await writeOut(`${interactionLine(r)}\n`);
        return 0;
      }
      case 'subject':
        return await subjectCommand(service, [sub ?? '', ...rest], values);
      case 'contact':
        return await contactCommand(service, [sub ?? '', ...rest], values);
      case 'rule':
        return await ruleCommand(service, [sub ?? '', ...rest], values);
      case 'chain':
        return await chainCommand(service, [sub ?? '', ...rest]);
      case 'delete':
        return await deleteCommand(service, [sub ?? '', ...rest].filter(Boolean));
      case 'attachment':
        return await attachmentCommand(service, [sub ?? '', ...rest], values);
      case 'send':
        return await sendCommand(service, values);
      case 'outbox':
        return await outboxCommand(service, [sub ?? '', ...rest].filter(Boolean));
      case 'identity':
        return await identityCommand(service, [sub ?? '', ...rest], values);
      default: {
        const code = await kindCommand(service, command, [sub ?? '', ...rest].filter(Boolean), values);
        if (code === undefined) throw new UsageError(`unknown command "${command}"`);
        return code;
      }
    }
  } finally {
    await service.close();
  }
}

type Values = Record<string, string | boolean | string[] | undefined>;

async function addAccount(service: JournalService, v: Values): Promise<number> {
  const need = (key: string) => {
    const value = v[key];
    if (typeof value !== 'string' || !value) throw new UsageError(`account add needs --${key}`);
    return value;
  };
  if ((v.imap === undefined) === (v.pop3 === undefined)) throw new UsageError('account add needs --imap or --pop3');
  const protocol = v.pop3 === undefined ? 'imap' : 'pop3';
  const server = /^(.+):(\d+)$/.exec(need(protocol));
  if (!server?.[1] || !server[2]) throw new UsageError(`--${protocol} must be HOST:PORT`);
  const days = v['delete-after-days'];
  if (days !== undefined && !/^[1-9]\d*$/.test(String(days))) {
    throw new UsageError('--delete-after-days must be a whole number of days');
  }
  const security = need('security');
  if (security !== 'tls' && security !== 'starttls' && security !== 'none') {
    throw new UsageError('--security must be tls, starttls or none');
  }
  const password = await readPassword(v, need('user'));
  const timeout = typeof v.timeout === 'string' ? Number(v.timeout) * 1000 : undefined;
  const account = await service.addAccount({
    name: need('name'),
    email: need('email'),
    protocol,
    host: server[1],
    port: Number(server[2]),
    security,
    username: need('user'),
    password,
    acceptSelfSigned: v['accept-self-signed'] === true,
    identities: Array.isArray(v.identity) ? v.identity : [],
    verify: v['no-verify'] !== true,
    leaveOnServer: v['leave-on-server'] === true,
    deleteAfterDays: days === undefined ? null : Number(days),
    securePasswordAuth: v['secure-auth'] === true,
    ...(timeout ? { timeoutMs: timeout } : {}),
    ...smtpSettings(v),
  });
  process.stdout.write(`Added account "${account.name}" (${account.email}).\n`);
  return 0;
}

async function sync(service: JournalService, v: Values): Promise<number> {
  const account = typeof v.account === 'string' ? v.account : undefined;
  service.onEvent(progressPrinter());
  if (!v.watch) {
    const results = await service.sync(account ? { account } : {});
    for (const r of results)
      process.stdout.write(`${r.account}: ${r.added} new letters in ${r.folders.length} folders\n`);
    return 0;
  }
  const pollMs = typeof v.poll === 'string' ? Number(v.poll) * 1000 : undefined;
  const handle = await service.watch(account, pollMs);
  const stop = () => handle.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await handle.result;
  return 0;
}

/** Exits only once stdout and stderr are flushed: process.exit() would cut a piped export short. */
function exitWhenFlushed(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

/** Runs the CLI and exits with its code; every failure is one line a person can act on. */
export function run(): void {
  main(process.argv.slice(2)).then(
    (code) => exitWhenFlushed(code),
    (error: unknown) => {
      if (error instanceof UsageError) {
        process.stderr.write(`interlog: ${error.message}\n\n${USAGE}\n`);
        return exitWhenFlushed(2);
      }
      const message = error instanceof InterlogError || error instanceof Error ? error.message : String(error);
      const zodIssues = (error as { issues?: Array<{ path: unknown[]; message: string }> }).issues;
      const text = zodIssues ? zodIssues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : message;
      process.stderr.write(`interlog: ${text.replace(/\s+/g, ' ')}\n`);
      exitWhenFlushed(1);
    },
  );
}
