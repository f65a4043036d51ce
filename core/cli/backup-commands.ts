import path from 'node:path';
import { accountSecrets, backupJournal, compactJournal, restoreJournal } from '../db/backup.js';
import { defaultBackupFile } from '../journal-file.js';
import { FileSecretStore } from '../secrets/file-secret-store.js';
import { UsageError } from './usage-error.js';

export const BACKUP_USAGE = `  backup [FILE] [--with-secrets]                         (online; FILE and FILE.blobs/, default in <journal>.backups/)
  restore FILE [--force]                                 (--force replaces the journal, kept as .before-restore)
  compact                                                (VACUUM with Interlog closed; sizes before and after)`;

export const backupOptions = {
  'with-secrets': { type: 'boolean' },
  force: { type: 'boolean' },
} as const;

const COMMANDS = new Set(['backup', 'restore', 'compact']);

/**
 * backup, restore and compact work on the journal's files, so they run before the journal is opened for the
 * other commands: a restore must find no freshly created journal in its way, nor a damaged one refusing to open.
 */
export async function backupCommand(
  command: string,
  journal: string,
  args: string[],
  v: Record<string, unknown>,
): Promise<number | undefined> {
  if (!COMMANDS.has(command)) return undefined;
  const [file, ...extra] = args.filter(Boolean);
  if (extra.length > 0) throw new UsageError(`${command} takes at most one file`);
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (command === 'backup') {
    const target = path.resolve(file ?? defaultBackupFile(journal));
    const r = await backupJournal(journal, target, { withSecrets: v['with-secrets'] === true });
    out(`Backup written to ${r.file} (letters in ${r.file}.blobs/) in ${seconds(r.ms)}.`);
    out(
      `  ${r.interactions} interactions; database ${mb(r.databaseBytes)}, ${r.blobs} letters' sources in ${r.packs} ` +
        `packs, ${mb(r.blobBytes)}; integrity check passed (${seconds(r.checkMs)}).`,
    );
    if (r.secrets === 'left-out') {
      out(
        `  Passwords are not in this backup: they stay in ${journal}.secrets, encrypted with ${journal}.key. A restore ` +
          'here keeps them; restored anywhere else, the accounts need their passwords entered again ' +
          '(or back up with --with-secrets).',
      );
    }
    if (r.secrets === 'copied') {
      out(
        `  The accounts' passwords and the key that decrypts them are in ${r.file}.secrets and ${r.file}.key ` +
          '(--with-secrets): keep this backup as private as the journal itself.',
      );
    }
    return 0;
  }
  if (command === 'restore') {
    if (!file) throw new UsageError('restore needs the backup file');
    const r = await restoreJournal(path.resolve(file), journal, { force: v.force === true });
    out(`Restored ${path.resolve(file)} into ${r.journal}: ${r.interactions} interactions, ${r.packs} packs.`);
    if (r.replacedBy) out(`  The journal it replaced is kept as ${r.replacedBy} (and ${r.replacedBy}.blobs/).`);
    const missing = await accountsWithoutPassword(journal);
    if (r.secrets === 'restored') out(`  Passwords restored from ${path.resolve(file)}.secrets.`);
    if (missing.length > 0) {
      out(
        `  These accounts have no password stored beside the journal and need it entered again: ${missing.join(', ')}.`,
      );
    }
    return 0;
  }
  if (file) throw new UsageError('compact takes no file: it compacts the journal (--db)');
  const r = compactJournal(journal);
  out(
    `Compacted ${journal} in ${seconds(r.ms)}: database ${mb(r.databaseBefore)} → ${mb(r.databaseAfter)} ` +
      `(${mb(r.databaseBefore - r.databaseAfter)} reclaimed).`,
  );
  out(
    `  Letter packs: ${mb(r.packBytes)}, not rewritten: a letter's source is never deleted (not even with the letter ` +
      `deleted from the journal, whose source tells later syncs not to bring it back); ${mb(r.unreferencedPackBytes)} ` +
      'of them are left over from interrupted writes.',
  );
  return 0;
}

/** Accounts whose password (or SMTP password) cannot be read from the secrets file beside the journal. */
async function accountsWithoutPassword(journal: string): Promise<string[]> {
  const store = FileSecretStore.besideJournal(journal);
  const missing: string[] = [];
  for (const account of accountSecrets(journal)) {
    for (const ref of account.refs) {
      const secret = await store.get(ref).catch(() => undefined);
      if (secret === undefined) {
        missing.push(account.name);
        break;
      }
    }
  }
  return missing;
}

const mb = (bytes: number) => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
