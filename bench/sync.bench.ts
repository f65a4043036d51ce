/**
 * `npm run bench:sync`: a full IMAP sync of a generated business mailbox (10,000 letters, ~323 MB by default)
 * into a fresh journal, measured beside a bare imapflow fetch of every source and beside mbsync (isync) copying
 * the same mailbox to a Maildir, all against the same local Dovecot in one run.
 *
 * Options: --count N (letters), --skip-mbsync.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ImapFlow } from 'imapflow';
import { CLI, localImapAccount } from '../e2e/fixtures/cli.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from '../e2e/support/dovecot.js';
import { measuredSync } from './support/journal-watch.js';
import { fmt, mb, timed } from './support/measure.js';
import { seedGeneratedMailbox } from './support/seed-mailbox.js';

const { values } = parseArgs({
  options: { count: { type: 'string', default: '10000' }, 'skip-mbsync': { type: 'boolean', default: false } },
});
const COUNT = Number(values.count);
const OWN = 'owner@bench.test';
const PASSWORD = 'bench';
const USER = 'bench@bench.test';

function imapClient(server: DovecotServer): ImapFlow {
  return new ImapFlow({
    host: '127.0.0.1',
    port: server.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: USER, pass: PASSWORD },
    logger: false,
  });
}

/** The client-side limit: every source fetched by imapflow and dropped. */
async function bareFetch(server: DovecotServer, folders: string[]): Promise<{ messages: number; bytes: number }> {
  const client = imapClient(server);
  await client.connect();
  let messages = 0;
  let bytes = 0;
  for (const folder of folders) {
    await client.mailboxOpen(folder, { readOnly: true });
    for await (const msg of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
      messages++;
      bytes += msg.source?.length ?? 0;
    }
  }
  await client.logout();
  return { messages, bytes };
}

function mbsyncAvailable(): boolean {
  return spawnSync('mbsync', ['--version']).status === 0;
}

/** mbsync (isync, C) pulling the whole account into a Maildir, with its default fsync. */
async function runMbsync(server: DovecotServer, dir: string): Promise<number> {
  const maildir = path.join(dir, 'mbsync-maildir');
  fs.mkdirSync(maildir, { recursive: true });
  const config = path.join(dir, 'mbsyncrc');
  fs.writeFileSync(
    config,
    [
      'IMAPAccount bench',
      'Host 127.0.0.1',
      `Port ${server.imapPort}`,
      `User ${USER}`,
      `Pass ${PASSWORD}`,
      'SSLType None',
      'AuthMechs LOGIN',
      '',
      'IMAPStore remote',
      'Account bench',
      '',
      'MaildirStore local',
      `Path ${maildir}/`,
      `Inbox ${maildir}/INBOX`,
      'SubFolders Verbatim',
      '',
      'Channel bench',
      'Far :remote:',
      'Near :local:',
      'Patterns *',
      'Create Near',
      'Sync Pull',
      `SyncState ${dir}/mbsync-state/`,
      '',
    ].join('\n'),
  );
  fs.mkdirSync(path.join(dir, 'mbsync-state'), { recursive: true });
  const { ms } = await timed(
    () =>
      new Promise<void>((resolve, reject) => {
        const child = spawn('mbsync', ['-c', config, '-a', '-q'], { stdio: ['ignore', 'inherit', 'inherit'] });
        child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`mbsync exited with ${code}`))));
      }),
  );
  return ms;
}

interface InterlogRun {
  totalMs: number;
  listedMs: number | null;
  indexedMs: number | null;
  peakRss: number | null;
  interactions: number;
}

/** The real `interlog sync` command, as a user runs it, watched from outside through a read-only connection. */
async function runInterlog(server: DovecotServer, dir: string, expected: number): Promise<InterlogRun> {
  const db = path.join(dir, 'journal.db');
  const add = spawnSync(
    process.execPath,
    [CLI, '--db', db, ...localImapAccount({ name: 'Bench', email: OWN, port: server.imapPort, user: USER })],
    { env: { ...process.env, PW: PASSWORD }, encoding: 'utf8' },
  );
  if (add.status !== 0) throw new Error(`account add failed: ${add.stderr}`);
  const seen = await measuredSync(db, expected, 50);
  const { totalMs, interactions } = seen;
  const complete = interactions >= expected && seen.indexed >= expected;
  const listedMs = interactions >= expected ? seen.listedMs : null;
  const indexedMs = complete ? seen.indexedMs : null;
  const peak = seen.peak || null;
  return { totalMs, listedMs, indexedMs, peakRss: peak, interactions };
}

async function main() {
  const available = dovecotAvailable();
  if (!available.ok) {
    console.log(`bench:sync skipped: ${available.reason}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-'));
  const server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
  try {
    const gen = await timed(async () =>
      seedGeneratedMailbox(server, USER, { count: COUNT, seed: 2026, ownAddress: OWN }),
    );
    const { bytes, perFolder, unique: uniqueExpected } = gen.value;
    const folders = [...perFolder.keys()];
    console.log(
      `mailbox: ${COUNT} letters, ${fmt(mb(bytes))} MB in ${folders.join(', ')} (generated in ${fmt(gen.ms / 1000)} s)`,
    );
    // Dovecot indexes a Maildir on first open; do it now so no contender pays for it.
    await bareFetch(server, folders);
    const bare = await timed(() => bareFetch(server, folders));
    const mbsyncMs = values['skip-mbsync'] || !mbsyncAvailable() ? null : await runMbsync(server, dir);
    // Letters to oneself sit in INBOX and Sent: the journal keeps them once.
    const run = await runInterlog(server, dir, uniqueExpected);

    const s = (ms: number | null) => (ms === null ? 'n/a' : `${fmt(ms / 1000, 2)} s`);
    const ratio = (a: number | null, b: number | null) => (a === null || b === null ? 'n/a' : `${fmt(a / b, 2)}×`);
    console.log('');
    console.log(
      `bare imapflow fetch: ${s(bare.ms)}  (${bare.value.messages} messages, ${fmt(mb(bare.value.bytes) / (bare.ms / 1000))} MB/s)`,
    );
    console.log(`mbsync (isync) → Maildir: ${s(mbsyncMs)}`);
    console.log(`interlog sync (CLI, fresh journal): ${s(run.totalMs)}`);
    console.log(`  interactions: ${run.interactions} (expected ${uniqueExpected})`);
    console.log(`  all listed after: ${s(run.listedMs)}   all indexed after: ${s(run.indexedMs)}`);
    console.log(
      `  throughput: ${fmt(COUNT / (run.totalMs / 1000), 0)} messages/s, ${fmt(mb(bytes) / (run.totalMs / 1000))} MB/s`,
    );
    console.log(`  peak RSS of the sync process: ${run.peakRss === null ? 'n/a' : `${fmt(mb(run.peakRss), 0)} MB`}`);
    console.log(
      `  ratio to bare fetch: listed ${ratio(run.listedMs, bare.ms)}, indexed ${ratio(run.indexedMs, bare.ms)}`,
    );
    console.log(
      `  ratio to mbsync: listed ${ratio(run.listedMs, mbsyncMs)}, indexed ${ratio(run.indexedMs, mbsyncMs)}`,
    );
    const journalBytes = fs.statSync(path.join(dir, 'journal.db')).size + dirSize(path.join(dir, 'journal.db.blobs'));
    console.log(
      `  journal on disk: ${fmt(mb(journalBytes))} MB (${fmt(mb(journalBytes) / (COUNT / 1000))} MB per 1,000 letters)`,
    );
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function dirSize(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

await main();
