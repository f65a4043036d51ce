/**
 * `npm run bench:pop3`: `interlog sync` of a 5,000-letter POP3 maildrop (the business mailbox of bench:sync, all
 * in one maildrop) into a fresh journal, beside a bare node-pop3 RETR loop over the same letters, against the
 * same local Dovecot in one run. The sync runs twice, on two copies of the maildrop: leaving the letters on the
 * server (the same server work as the bare loop) and deleting them (the default: DELE and the expunge at QUIT).
 *
 * Options: --count N (letters).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import Pop3Command from 'node-pop3';
import { CLI } from '../e2e/fixtures/cli.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from '../e2e/support/dovecot.js';
import { type SeedMessage, seedMessages } from '../e2e/support/maildir.js';
import { generateMailbox } from './support/mailbox-gen.js';
import { fmt, mb, peakRss, timed } from './support/measure.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    // Internal: run only the bare loop, in a process of its own so its peak RSS is its own.
    'bare-loop': { type: 'string' },
  },
});
const COUNT = Number(values.count);
const OWN = 'owner@bench.test';
const PASSWORD = 'bench';
const USERS = { bare: 'bare@bench.test', keep: 'keep@bench.test', clean: 'clean@bench.test' };

/** Seeds the same generated letters into each user's maildrop; returns their bytes and how many are distinct. */
function seed(server: DovecotServer): { bytes: number; unique: number } {
  const ids = new Set<string>();
  let withoutId = 0;
  let bytes = 0;
  let batch: SeedMessage[] = [];
  const flush = () => {
    for (const user of Object.values(USERS)) seedMessages(server, user, 'INBOX', batch);
    batch = [];
  };
  for (const m of generateMailbox({ count: COUNT, seed: 2026, ownAddress: OWN })) {
    bytes += m.raw.length;
    if (m.messageId) ids.add(m.messageId);
    else withoutId++;
    batch.push({ raw: m.raw, internalDate: m.internalDate });
    if (batch.length >= 500) flush();
  }
  flush();
  // A letter to oneself is generated in INBOX and in Sent with one Message-ID: the journal keeps it once.
  return { bytes, unique: ids.size + withoutId };
}

/** The client-side limit with the library the issue names: RETR every letter in turn and drop it. */
async function bareLoop(port: number): Promise<{ messages: number; ms: number }> {
  const start = performance.now();
  const pop3 = new Pop3Command({ user: USERS.bare, password: PASSWORD, host: '127.0.0.1', port });
  const [count] = (await pop3.STAT()).split(' ');
  for (let n = 1; n <= Number(count); n++) await pop3.RETR(n);
  await pop3.QUIT();
  return { messages: Number(count), ms: performance.now() - start };
}

interface Run {
  ms: number;
  peakRss: number | null;
}

/** Runs a command to its end, sampling the peak RSS of its process; `watch` is called on every sample. */
async function measured(args: string[], watch?: (elapsedMs: number) => void): Promise<Run & { stdout: string }> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  let peak: number | null = null;
  const poll = setInterval(() => {
    peak = Math.max(peak ?? 0, peakRss(child.pid as number) ?? 0) || peak;
    watch?.(performance.now() - start);
  }, 50);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return { ms: performance.now() - start, peakRss: peak, stdout };
}

interface SyncRun extends Run {
  listedMs: number | null;
  indexedMs: number | null;
  interactions: number;
  leftOnServer: number;
}

async function runInterlog(
  server: DovecotServer,
  dir: string,
  user: string,
  keep: boolean,
  expected: number,
): Promise<SyncRun> {
  const db = path.join(dir, `${user}.db`);
  const add = spawnSync(
    process.execPath,
    [
      CLI,
      '--db',
      db,
      'account',
      'add',
      '--name',
      'Bench',
      '--email',
      OWN,
      '--pop3',
      `127.0.0.1:${server.pop3Port}`,
      '--security',
      'none',
      '--user',
      user,
      '--password-env',
      'PW',
      ...(keep ? ['--leave-on-server'] : []),
    ],
    { env: { ...process.env, PW: PASSWORD }, encoding: 'utf8' },
  );
  if (add.status !== 0) throw new Error(`account add failed: ${add.stderr}`);
  let reader: Database.Database | null = null;
  let listedMs: number | null = null;
  let indexedMs: number | null = null;
  const run = await measured([CLI, '--db', db, 'sync'], (now) => {
    try {
      reader ??= new Database(db, { readonly: true, fileMustExist: true });
      const open = reader;
      const count = (sql: string) => (open.prepare(sql).get() as { n: number }).n;
      if (listedMs === null && count('SELECT COUNT(*) AS n FROM interactions') >= expected) listedMs = now;
      if (indexedMs === null && count('SELECT COUNT(*) AS n FROM interactions_fts') >= expected) indexedMs = now;
    } catch {
      // The journal is being created; try again on the next sample.
    }
  });
  reader ??= new Database(db, { readonly: true });
  const interactions = (reader.prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
  (reader as Database.Database).close();
  const root = server.mailRoot(user);
  const leftOnServer = ['cur', 'new'].reduce((n, d) => n + fs.readdirSync(path.join(root, d)).length, 0);
  return { ...run, listedMs: listedMs ?? run.ms, indexedMs: indexedMs ?? run.ms, interactions, leftOnServer };
}

async function main() {
  const available = dovecotAvailable();
  if (!available.ok) {
    console.log(`bench:pop3 skipped: ${available.reason}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-pop3-'));
  const server = await startDovecot({
    users: Object.values(USERS).map((user) => ({ user, password: PASSWORD })),
    pop3: true,
  });
  try {
    const gen = await timed(async () => seed(server));
    const { bytes, unique } = gen.value;
    console.log(
      `maildrop: ${COUNT} letters, ${fmt(mb(bytes))} MB (${unique} distinct), generated in ${fmt(gen.ms / 1000)} s`,
    );
    const port = server.pop3Port as number;
    const self = [...process.execArgv, process.argv[1] as string, '--bare-loop', String(port)];
    // Dovecot builds its index of each Maildir on first open; do it now so no contender pays for it.
    for (const user of Object.values(USERS)) {
      const pop3 = new Pop3Command({ user, password: PASSWORD, host: '127.0.0.1', port });
      await pop3.STAT();
      await pop3.QUIT();
    }
    const bareProcess = await measured(self);
    // The loop times itself: the process's start-up is not the library's work (the sync's start-up is counted).
    const bareResult = JSON.parse(bareProcess.stdout) as { messages: number; ms: number };
    const bare = { ms: bareResult.ms, peakRss: bareProcess.peakRss };
    const keep = await runInterlog(server, dir, USERS.keep, true, unique);
    const clean = await runInterlog(server, dir, USERS.clean, false, unique);

    const s = (ms: number | null) => (ms === null ? 'n/a' : `${fmt(ms / 1000, 2)} s`);
    const rss = (n: number | null) => (n === null ? 'n/a' : `${fmt(mb(n), 0)} MB`);
    const rate = (ms: number | null) => (ms === null ? 'n/a' : `${fmt(COUNT / (ms / 1000), 0)} messages/s`);
    const ratio = (ms: number | null) => (ms === null ? 'n/a' : `${fmt(ms / bare.ms, 2)}×`);
    console.log('');
    console.log(
      `bare node-pop3 RETR loop: ${s(bare.ms)}  (${bareResult.messages} messages, ${rate(bare.ms)}, ` +
        `${fmt(mb(bytes) / (bare.ms / 1000))} MB/s, peak RSS ${rss(bare.peakRss)})`,
    );
    for (const [label, run] of [
      ['leaving letters on the server', keep],
      ['deleting letters from the server (default)', clean],
    ] as const) {
      console.log(`interlog sync (CLI, fresh journal), ${label}: ${s(run.ms)}`);
      console.log(`  interactions: ${run.interactions} (expected ${unique}); left on the server: ${run.leftOnServer}`);
      console.log(`  all listed after: ${s(run.listedMs)}   all indexed after: ${s(run.indexedMs)}`);
      console.log(`  throughput: ${rate(run.listedMs)} listed, ${rate(run.ms)} to the end`);
      console.log(`  peak RSS of the sync process: ${rss(run.peakRss)}`);
      console.log(`  ratio to the bare loop: listed ${ratio(run.listedMs)}, whole run ${ratio(run.ms)}`);
    }
  } finally {
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (values['bare-loop']) {
  process.stdout.write(JSON.stringify(await bareLoop(Number(values['bare-loop']))));
} else {
  await main();
}
