import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { journalFile } from '../journal-file.js';
import { JournalService } from '../journal-service.js';
import { FileSecretStore } from '../secrets/file-secret-store.js';
import { createDispatcher } from './dispatch.js';
import { startHttpHost } from './http-host.js';

const USAGE = `Usage: npm run serve -- [--db FILE] [--port N]

Serves Interlog to a browser on 127.0.0.1 and prints the address to open (it carries this run's token).
The journal is --db FILE, else $INTERLOG_DB, else ~/.local/share/interlog/journal.db.`;

/** The built renderer: dist/renderer beside the sources, or beside this file once it is compiled into dist/. */
function rendererDir(): string {
  const candidates = [
    path.resolve(import.meta.dirname, '..', '..', 'dist', 'renderer'),
    path.resolve(import.meta.dirname, '..', '..', 'renderer'),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'index.html'))) ?? (candidates[0] as string);
}

async function serve(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { db: { type: 'string' }, port: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dbFile = journalFile(values.db);
  fs.mkdirSync(path.dirname(dbFile), { recursive: true });
  const service = new JournalService({ dbFile, secrets: FileSecretStore.besideJournal(dbFile) });
  const host = await startHttpHost({
    dispatcher: createDispatcher(service),
    staticDir: rendererDir(),
    port: values.port ? Number(values.port) : 0,
  });
  process.stdout.write(`Interlog (${dbFile}) is at:\n\n  ${host.url}\n\nPress Ctrl+C to stop.\n`);
  const stop = async () => {
    await host.close();
    await service.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

serve(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`interlog serve: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
