import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The journal a command works on: --db, else $INTERLOG_DB, else the user's data directory (XDG). */
export function journalFile(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.resolve(explicit ?? env.INTERLOG_DB ?? path.join(base, 'interlog', 'journal.db'));
}

/** The pack files of a journal (or of a backup, which has the same layout). */
export function blobsDir(journal: string): string {
  return `${journal}.blobs`;
}

/**
 * Where `interlog backup` puts a backup when no file is named, and where a damaged journal's message looks for
 * one: beside the journal, so the latest backup is found without any setting, and on the same disk (a backup
 * against damage to the file, not against losing the disk: copy the folder elsewhere for that).
 */
export function backupsDir(journal: string): string {
  return `${journal}.backups`;
}

/** `<journal>.backups/journal-20261207-190102.db`: sortable, and one a second never collides with another. */
export function defaultBackupFile(journal: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const stem = path.basename(journal).replace(/\.db$/, '');
  return path.join(backupsDir(journal), `${stem}-${stamp}.db`);
}

/** The newest backup in the journal's backups folder (by modification time), or null when there is none. */
export function latestBackup(journal: string): { file: string; takenAt: Date } | null {
  const dir = backupsDir(journal);
  let best: { file: string; takenAt: Date } | null = null;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return null;
  }
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.endsWith('.db')) continue;
    const file = path.join(dir, entry.name);
    const takenAt = fs.statSync(file).mtime;
    if (!best || takenAt > best.takenAt) best = { file, takenAt };
  }
  return best;
}
