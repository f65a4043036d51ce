/**
 * `npm run bench:large`: a large journal. A generated business mailbox (100,000 letters by default, a fifth with
 * attachments, ≈3.2 GB) is synced from a local Dovecot by the real `interlog sync` into a fresh journal, then browsed
 * through the JournalService in a process of its own. Prints the sync's peak RSS (target: under 400 MB) and
 * speed, the database and blob store sizes per 1,000 letters, the time and peak RSS of each browsing step, the
 * cost of a full integrity check on the file, and `interlog backup` and `interlog compact` at that size.
 *
 * Options: --count N (letters), --keep (leave the journal in place and print where it is).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { databaseBytes, directoryBytes } from '../core/db/backup.js';
import { blobsDir } from '../core/journal-file.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { CLI, localImapAccount } from '../e2e/fixtures/cli.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from '../e2e/support/dovecot.js';
import { measuredSync } from './support/journal-watch.js';
import { fmt, mb, peakRss, timed } from './support/measure.js';
import { Rng } from './support/prng.js';
import { seedGeneratedMailbox } from './support/seed-mailbox.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    keep: { type: 'boolean', default: false },
    /** Internal: run the browsing steps on this journal and print them as JSON (the measured child process). */
    browse: { type: 'string' },
  },
});
const COUNT = Number(values.count);
const OWN = 'owner@bench.test';
const USER = 'bench@bench.test';
const PASSWORD = 'bench';
const SEARCHES = ['поставки', 'invoice'];

interface Step {
  label: string;
  ms: number;
  peakRss: number | null;
  rows: number;
}

/** Peak RSS of one step alone: the kernel's high-water mark is reset to the current RSS before it (clear_refs 5). */
async function step(label: string, work: () => Promise<number>): Promise<Step> {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // Not Linux, or not allowed: the figure is then the peak of the process so far.
  }
  const { ms, value } = await timed(work);
  return { label, ms, peakRss: peakRss(process.pid), rows: value };
}

/** The child: what the app's window would do on a large journal, each step timed and its memory measured. */
async function browse(db: string): Promise<void> {
  const steps: Step[] = [];
  let service!: JournalService;
  steps.push(
    await step('open the journal (JournalService)', async () => {
      service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
      return 0;
    }),
  );
  const total = await service.countInteractions({});
  for (const [where, offset] of [
    ['first', 0],
    ['middle', Math.floor(total / 2)],
    ['last', Math.max(0, total - 100)],
  ] as const) {
    steps.push(
      await step(`list: ${where} page of 100 (offset ${offset})`, async () => {
        return (await service.listInteractions({ limit: 100, offset })).length;
      }),
    );
  }
  for (const text of SEARCHES) {
    steps.push(
      await step(`search "${text}" (100 best)`, async () => (await service.search({ text, limit: 100 })).length),
    );
  }
  const rng = new Rng(7);
  const ids: number[] = [];
  for (let i = 0; i < 100; i++) {
    const [record] = await service.listInteractions({ limit: 1, offset: rng.int(0, total - 1) });
    if (record) ids.push(record.id);
  }
  steps.push(
    await step('open 100 random letters (getMessage)', async () => {
      let chars = 0;
      for (const interactionId of ids) {
        const view = await service.getMessage({ interactionId });
        chars += (view.text ?? '').length + (view.html ?? '').length;
      }
      return chars > 0 ? ids.length : 0;
    }),
  );
  await service.close();
  process.stdout.write(`${JSON.stringify({ total, steps })}\n`);
}

function cli(db: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const started = performance.now();
  const r = spawnSync(process.execPath, [CLI, '--db', db, ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`interlog ${args.join(' ')} failed: ${r.stderr}`);
  return { ms: performance.now() - started, stdout: r.stdout };
}

/** Dovecot builds a Maildir's index on its first SELECT; done here, so the sync measured does not pay for it. */
async function warmDovecot(server: DovecotServer, folders: string[]): Promise<void> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: server.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: USER, pass: PASSWORD },
    logger: false,
  });
  await client.connect();
  for (const folder of folders) await client.mailboxOpen(folder, { readOnly: true });
  await client.logout();
}

async function main(): Promise<void> {
  const available = dovecotAvailable();
  if (!available.ok) {
    console.log(`bench:large skipped: ${available.reason}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-large-'));
  const db = path.join(dir, 'journal.db');
  const server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
  try {
    const seeded = await timed(async () =>
      seedGeneratedMailbox(server, USER, { count: COUNT, seed: 2026, ownAddress: OWN }),
    );
    const { bytes, perFolder, unique } = seeded.value;
    console.log(
      `mailbox: ${COUNT} letters (${unique} distinct), ${fmt(mb(bytes))} MB in ${[...perFolder.keys()].join(', ')} ` +
        `(generated in ${fmt(seeded.ms / 1000)} s)`,
    );
    await warmDovecot(server, [...perFolder.keys()]);
    cli(db, localImapAccount({ name: 'Bench', email: OWN, port: server.imapPort, user: USER }), { PW: PASSWORD });
    const run = await measuredSync(db, unique, 100);
    const perThousand = unique / 1000;
    const dbBytes = databaseBytes(db);
    const blobBytes = directoryBytes(blobsDir(db));
    const reader = new Database(db, { readonly: true });
    const attachments = (reader.prepare('SELECT COUNT(*) AS n FROM attachments').get() as { n: number }).n;
    reader.close();
    console.log('');
    console.log(`interlog sync (CLI, fresh journal): ${fmt(run.totalMs / 1000)} s`);
    console.log(
      `  interactions: ${run.interactions} (expected ${unique}), indexed ${run.indexed}, attachments ${attachments}`,
    );
    console.log(`  all listed after ${fmt(run.listedMs / 1000)} s, all indexed after ${fmt(run.indexedMs / 1000)} s`);
    console.log(
      `  ${fmt(unique / (run.totalMs / 1000), 0)} letters/s, ${fmt(mb(bytes) / (run.totalMs / 1000))} MB/s; ` +
        `peak RSS of the sync process ${fmt(mb(run.peak), 0)} MB (target < 400 MB)`,
    );
    console.log(
      `  database ${fmt(mb(dbBytes))} MB (${fmt(mb(dbBytes) / perThousand, 2)} MB per 1,000 letters), blob store ` +
        `${fmt(mb(blobBytes))} MB (${fmt(mb(blobBytes) / perThousand, 2)} MB per 1,000 letters)`,
    );

    const browsing = await browseInChild(db);
    console.log('');
    console.log(`browsing ${browsing.total} interactions (JournalService in its own process):`);
    for (const s of browsing.steps) {
      const rss = s.peakRss === null ? 'n/a' : `${fmt(mb(s.peakRss), 0)} MB`;
      console.log(`  ${s.label.padEnd(46)} ${fmt(s.ms, 1).padStart(9)} ms   peak RSS ${rss}   (${s.rows} rows)`);
    }

    const checker = new Database(db, { readonly: true });
    const check = await timed(async () => checker.pragma('quick_check'));
    checker.close();
    console.log('');
    console.log(`PRAGMA quick_check on the ${fmt(mb(dbBytes))} MB database: ${fmt(check.ms / 1000, 2)} s`);
    const backupFile = path.join(dir, 'backup.db');
    const backup = cli(db, ['backup', backupFile]);
    console.log(`interlog backup: ${fmt(backup.ms / 1000, 1)} s`);
    console.log(backup.stdout.trimEnd().replace(/^/gm, '  '));
    const compact = cli(db, ['compact']);
    console.log(`interlog compact: ${fmt(compact.ms / 1000, 1)} s`);
    console.log(compact.stdout.trimEnd().replace(/^/gm, '  '));
    if (values.keep) console.log(`journal kept in ${dir}`);
  } finally {
    await server.stop();
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

function browseInChild(db: string): Promise<{ total: number; steps: Step[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--browse', db], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('close', (code) => {
      const line = out.trim().split('\n').at(-1);
      if (code !== 0 || !line) reject(new Error(`the browsing process exited with ${code}`));
      else resolve(JSON.parse(line) as { total: number; steps: Step[] });
    });
  });
}

if (values.browse) await browse(values.browse);
else await main();
