import os from 'node:os';
import path from 'node:path';

/** The journal a command works on: --db, else $INTERLOG_DB, else the user's data directory (XDG). */
export function journalFile(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME ?? path.join(os.homedir(), '.local', 'share');
  return path.resolve(explicit ?? env.INTERLOG_DB ?? path.join(base, 'interlog', 'journal.db'));
}
