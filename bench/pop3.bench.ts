/**
 * `npm run bench:pop3`: `interlog sync` of a 5,000-letter POP3 maildrop (the business mailbox of bench:sync, all
 * in one maildrop) into a fresh journal, beside a bare node-pop3 RETR loop over the same letters, against the
 * same local Dovecot in one run. The sync runs leaving the letters on the server (the same server work as the
 * bare loop) and deleting them (the default: DELE, and the expunge at QUIT) from a copy of the maildrop.
 * Each round runs the three one after another; the figures are the medians over the rounds, so a burst of other
 * work on the machine does not decide the result.
 *
 * Options: --count N (letters, default 5000), --rounds N (default 3).
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import Pop3Command from 'node-pop3';
import { CLI } from '../e2e/fixtures/cli.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from '../e2e/support/dovecot.js';
import { type SeedMessage, seedMessages } from '../e2e/support/maildir.js';
import { JournalWatch } from './support/journal-watch.js';
import { generateMailbox } from './support/mailbox-gen.js';
import { fmt, mb, peakRss, timed } from './support/measure.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '5000' },
    rounds: { type: 'string', default: '3' },
    // Internal: run only the bare loop, in a process of its own so its peak RSS is its own.
    'bare-loop': { type: 'string' },
  },
});
const COUNT = Number(values.count);
const ROUNDS = Number(values.rounds);
const OWN = 'owner@bench.test';
const PASSWORD = 'bench';
const BARE = 'bare@bench.test';
const KEEP = 'keep@bench.test';
/** Deleting empties a maildrop, so each round deletes from a copy of its own. */
const CLEAN = Array.from({ length: ROUNDS }, (_, i) => `clean${i}@bench.test`);
const USERS = [BARE, KEEP, ...CLEAN];

/** Seeds the same generated letters into each user's maildrop; returns their bytes and how many are distinct. */
function seed(server: DovecotServer): { bytes: number; unique: number } {
  const ids = new Set<string>();
  let withoutId = 0;
  let bytes = 0;
  let batch: SeedMessage[] = [];
  const flush = () => {
    for (const user of USERS) seedMessages(server, user, 'INBOX', batch);
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
  const pop3 = new Pop3Command({ user: BARE, password: PASSWORD, host: '127.0.0.1', port });
  const [count] = (await pop3.STAT()).split(' ');
  for (let n = 1; n <= Number(count); n++) await pop3.RETR(n);
  await pop3.QUIT();
  return { messages: Number(count), ms: performance.now() - start };
}

interface Run {
  ms: number;
  peakRss: number | null;
}

/**
 * Runs a command to its end, sampling the peak RSS of its process; `watch` is called on every sample and
 * `onLine` with each line the command writes to stderr (where the CLI reports progress), with its time.
 */
async function measured(
  args: string[],
  watch?: (elapsedMs: number) => void,
  onLine?: (line: string, elapsedMs: number) => void,
): Promise<Run & { stdout: string }> {
  const start = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    for (const line of d.toString().split('\n')) if (line) onLine?.(line, performance.now() - start);
  });
  let peak: number | null = null;
  const poll = setInterval(() => {
    peak = Math.max(peak ?? 0, peakRss(child.pid as number) ?? 0) || peak;
    watch?.(performance.now() - start);
  }, 25);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearInterval(poll);
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return { ms: performance.now() - start, peakRss: peak, stdout };
}

interface SyncRun extends Run {
  /** Every letter is in the journal's list (committed). */
  listedMs: number;
  /** Every letter's body is in the full-text index. */
  indexedMs: number;
  /** From the first letter asked for to the last one committed: the session itself, without the CLI's start. */
  receivingMs: number;
  interactions: number;
  leftOnServer: number;
}

function addAccount(server: DovecotServer, db: string, user: string, keep: boolean): void {
  const args = ['--db', db, 'account', 'add', '--name', 'Bench', '--email', OWN, '--pop3'];
  args.push(`127.0.0.1:${server.pop3Port}`, '--security', 'none', '--user', user, '--password-env', 'PW');
  if (keep) args.push('--leave-on-server');
  const add = spawnSync(process.execPath, [CLI, ...args], {
    env: { ...process.env, PW: PASSWORD },
    encoding: 'utf8',
  });
  if (add.status !== 0) throw new Error(`account add failed: ${add.stderr}`);
}

/** The real `interlog sync` command, as a user runs it, watched from outside through a read-only connection. */
async function runInterlog(server: DovecotServer, db: string, user: string, expected: number): Promise<SyncRun> {
  const watch = new JournalWatch(db, expected);
  let firstAsked = 0;
  let lastCommitted = 0;
  // The CLI prints "Bench/INBOX: done/total" when the session starts receiving and when it has committed all.
  const progress = (line: string, now: number) => {
    const m = /: (\d+)\/(\d+)$/.exec(line);
    if (m?.[1] === '0') firstAsked = now;
    else if (m && m[1] === m[2]) lastCommitted = now;
  };
  const run = await measured([CLI, '--db', db, 'sync'], (now) => watch.sample(now), progress);
  const seen = watch.finish(run.ms);
  if (seen.indexed < expected) throw new Error(`only ${seen.indexed} of ${expected} letters were indexed`);
  const root = server.mailRoot(user);
  const leftOnServer = ['cur', 'new'].reduce((n, d) => n + fs.readdirSync(path.join(root, d)).length, 0);
  return {
    ...run,
    listedMs: seen.listedMs,
    indexedMs: seen.indexedMs,
    receivingMs: lastCommitted - firstAsked,
    interactions: seen.interactions,
    leftOnServer,
  };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function main() {
  const available = dovecotAvailable();
  if (!available.ok) {
    console.log(`bench:pop3 skipped: ${available.reason}`);
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-bench-pop3-'));
  const server = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })), pop3: true });
  try {
    const gen = await timed(async () => seed(server));
    const { bytes, unique } = gen.value;
    console.log(
      `maildrop: ${COUNT} letters, ${fmt(mb(bytes))} MB (${unique} distinct), generated in ${fmt(gen.ms / 1000)} s; ` +
        `${ROUNDS} rounds on ${os.availableParallelism()} cores`,
    );
    const port = server.pop3Port as number;
    // Dovecot builds its index of each Maildir on first open; do it now so no contender pays for it.
    for (const user of USERS) {
      const pop3 = new Pop3Command({ user, password: PASSWORD, host: '127.0.0.1', port });
      await pop3.STAT();
      await pop3.QUIT();
    }
    const self = [...process.execArgv, process.argv[1] as string, '--bare-loop', String(port)];
    const bare: Run[] = [];
    const keep: SyncRun[] = [];
    const clean: SyncRun[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const loop = await measured(self);
      // The loop times itself: its process's start-up is not the library's work (the sync's start-up is counted).
      bare.push({ ms: (JSON.parse(loop.stdout) as { ms: number }).ms, peakRss: loop.peakRss });
      const keepDb = path.join(dir, `keep-${round}.db`);
      addAccount(server, keepDb, KEEP, true);
      keep.push(await runInterlog(server, keepDb, KEEP, unique));
      const cleanDb = path.join(dir, `clean-${round}.db`);
      addAccount(server, cleanDb, CLEAN[round] as string, false);
      clean.push(await runInterlog(server, cleanDb, CLEAN[round] as string, unique));
      const base = (bare[round] as Run).ms;
      const r = (run: SyncRun) =>
        `listed ${fmt(run.listedMs / base, 2)}×, receiving ${fmt(run.receivingMs / base, 2)}×`;
      console.log(
        `round ${round + 1}: bare loop ${fmt(base / 1000, 2)} s; leaving: ${r(keep[round] as SyncRun)}; ` +
          `deleting: ${r(clean[round] as SyncRun)}`,
      );
    }

    const s = (ms: number) => `${fmt(ms / 1000, 2)} s`;
    const rss = (runs: Run[]) => `${fmt(mb(Math.max(...runs.map((r) => r.peakRss ?? 0))), 0)} MB`;
    const rate = (ms: number) => `${fmt(COUNT / (ms / 1000), 0)} messages/s`;
    const bareMs = median(bare.map((r) => r.ms));
    console.log('');
    console.log(
      `bare node-pop3 RETR loop: ${s(bareMs)}  (${rate(bareMs)}, ${fmt(mb(bytes) / (bareMs / 1000))} MB/s, ` +
        `peak RSS ${rss(bare)})`,
    );
    for (const [label, runs] of [
      ['leaving letters on the server', keep],
      ['deleting them from the server (the default)', clean],
    ] as const) {
      const listed = median(runs.map((r) => r.listedMs));
      const receiving = median(runs.map((r) => r.receivingMs));
      const indexed = median(runs.map((r) => r.indexedMs));
      const total = median(runs.map((r) => r.ms));
      const ratio = (pick: (r: SyncRun) => number) =>
        `${fmt(median(runs.map((r, i) => pick(r) / (bare[i] as Run).ms)), 2)}×`;
      console.log(`interlog sync (CLI, fresh journal), ${label}:`);
      const last = runs[runs.length - 1] as SyncRun;
      console.log(
        `  interactions: ${last.interactions} (expected ${unique}); left on the server: ${last.leftOnServer}`,
      );
      console.log(
        `  all listed after ${s(listed)} (${rate(listed)}), all indexed after ${s(indexed)}, exit ${s(total)}`,
      );
      console.log(`  receiving, from the first RETR to the last commit: ${s(receiving)} (${rate(receiving)})`);
      console.log(`  peak RSS of the sync process: ${rss(runs)}`);
      console.log(
        `  ratio to the bare loop: receiving ${ratio((r) => r.receivingMs)}, listed ${ratio((r) => r.listedMs)} ` +
          `(with the CLI's start), indexed ${ratio((r) => r.indexedMs)}, whole run ${ratio((r) => r.ms)}`,
      );
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
