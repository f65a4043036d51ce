import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { CLI, type CliResult, parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { type SeedMessage, seedMessages } from './support/maildir.js';
import { commands, commandTap, lettersOnServer as onServer } from './support/pop3-observe.js';

const available = dovecotAvailable();
const PASSWORD = 'secret';
const ME = 'me@resume.test';
const USERS = ['reference', 'dele', 'quit', 'killed', 'cut'].map((u) => `${u}@pop3resume.test`);
const [REFERENCE, KILL_AT_DELE, KILL_AT_QUIT, KILLED, CUT] = USERS as [string, string, string, string, string];
const LETTERS = 601;

/** Enough letters that a run takes a few seconds, threads, attachments, own letters, one above the stream limit. */
function mailbox(): SeedMessage[] {
  const inbox: SeedMessage[] = [];
  for (let i = 0; i < LETTERS - 1; i++) {
    const size = 2000 + ((i * 7919) % 30_000);
    const own = i % 10 === 9;
    inbox.push({
      raw: letter({
        from: own ? ME : `Client ${i % 37} <client${i % 37}@example.com>`,
        to: own ? `client${i % 37}@example.com` : ME,
        subject: `Заказ ${i}`,
        messageId: `order-${i}@example.com`,
        ...(i > 0 && i % 3 === 0
          ? { inReplyTo: `order-${i - 1}@example.com`, references: [`order-${i - 1}@example.com`] }
          : {}),
        text: `Текст письма ${i}\n.строка с точкой\n`.repeat(Math.ceil(size / 40)),
        ...(i % 50 === 0
          ? {
              attachments: [
                { name: `scan-${i}.pdf`, contentType: 'application/pdf', content: Buffer.alloc(40_000 + i, i % 251) },
              ],
            }
          : {}),
      }),
    });
  }
  // 6 MB in base64 is about 8.6 MB on the wire: above the 8 MB at which a letter is streamed into the pack.
  inbox.splice(LETTERS / 2, 0, {
    raw: letter({
      from: 'archive@example.com',
      to: ME,
      subject: 'Большой архив',
      messageId: 'huge@example.com',
      text: 'see attachment',
      attachments: [{ name: 'archive.zip', contentType: 'application/zip', content: Buffer.alloc(6 * 1024 * 1024, 7) }],
    }),
  });
  return inbox;
}

const ids = (lines: Array<Record<string, unknown>>) => lines.map((r) => String(r.messageId)).sort();

/** What a user sees of the journal, without row ids and chain ids (which may differ between runs). */
function comparable(lines: Array<Record<string, unknown>>) {
  return lines
    .map(({ id: _id, chainId: _chain, ...rest }) => rest)
    .sort((a, b) => String(a.messageId).localeCompare(String(b.messageId)));
}

describe.skipIf(!available.ok)(`resuming a POP3 sync${available.ok ? '' : ` (skipped: ${available.reason})`}`, () => {
  let server: DovecotServer;
  let dir: string;
  let reference: Array<Record<string, unknown>>;

  const dbOf = (user: string) => path.join(dir, `${user}.db`);
  async function exported(user: string) {
    const run = await runCli(['--db', dbOf(user), 'export', '--json']);
    // A journal that fails to open must fail the test with its own words, not look like an empty one.
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    return parseExport(run.stdout);
  }
  const addArgs = (user: string, port: number) => [
    '--db',
    dbOf(user),
    'account',
    'add',
    '--name',
    'Mail',
    '--email',
    ME,
    '--pop3',
    `127.0.0.1:${port}`,
    '--security',
    'none',
    '--user',
    user,
    '--password-env',
    'PW',
  ];
  async function addAccount(user: string, port = server.pop3Port as number) {
    const add = await runCli(addArgs(user, port), { env: { PW: PASSWORD } });
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
  }

  /**
   * `interlog sync` through a tap that kills it (kill -9) when it is about to send `command`, which never reaches
   * the server. Returns the run and the tap, which then relays everything, for the next runs.
   */
  async function syncKilledAt(user: string, command: RegExp) {
    let child: ReturnType<typeof spawn> | undefined;
    let armed = false;
    const tap = await commandTap(server.pop3Port as number, (line) => {
      if (!armed || !command.test(line)) return false;
      armed = false;
      child?.kill('SIGKILL');
      return true;
    });
    await addAccount(user, tap.port);
    const from = tap.sent.length;
    armed = true;
    child = spawn(process.execPath, [CLI, '--db', dbOf(user), 'sync'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const run = await new Promise<Pick<CliResult, 'code' | 'signal' | 'stderr'>>((resolve) =>
      child?.on('close', (code, signal) => resolve({ code, signal, stderr })),
    );
    /** What the killed run sent to the server. */
    const killedRun = () => commands(tap.sent.slice(from));
    return { run, tap, killedRun };
  }

  beforeAll(async () => {
    server = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })), pop3: true });
    const seed = mailbox();
    for (const user of USERS) seedMessages(server, user, 'INBOX', seed);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-pop3-resume-'));
    await addAccount(REFERENCE);
    const sync = await runCli(['--db', dbOf(REFERENCE), 'sync']);
    expect(sync.stderr).not.toMatch(/interlog:/);
    expect(sync.code).toBe(0);
    reference = await exported(REFERENCE);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the reference run holds every letter once and empties the maildrop', () => {
    expect(reference).toHaveLength(LETTERS);
    expect(new Set(reference.map((r) => r.messageId)).size).toBe(LETTERS);
    expect(reference.filter((r) => r.direction === 'out')).toHaveLength(60);
    const huge = reference.find((r) => r.messageId === 'huge@example.com');
    expect((huge?.attachments as Array<{ size: number }> | undefined)?.[0]?.size).toBe(6 * 1024 * 1024);
    expect(onServer(server, REFERENCE)).toBe(0);
  });

  it('killed (kill -9) after committing and before DELE: deletes nothing, and the next run deletes without downloading', async () => {
    const { run, tap, killedRun } = await syncKilledAt(KILL_AT_DELE, /^DELE /);
    try {
      expect(run.signal).toBe('SIGKILL');
      expect(killedRun()).toEqual({ RETR: LETTERS, DELE: 0, QUIT: 0 });
      expect(onServer(server, KILL_AT_DELE)).toBe(LETTERS);
      // Every letter was committed before the first DELE (bodies are indexed later, by the next run).
      expect(ids(await exported(KILL_AT_DELE))).toEqual(ids(reference));

      const before = tap.sent.length;
      const again = await runCli(['--db', dbOf(KILL_AT_DELE), 'sync']);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/Mail: 0 new letters/);
      expect(commands(tap.sent.slice(before))).toEqual({ RETR: 0, DELE: LETTERS, QUIT: 1 });
      expect(onServer(server, KILL_AT_DELE)).toBe(0);
      expect(comparable(await exported(KILL_AT_DELE))).toEqual(comparable(reference));
    } finally {
      await tap.close();
    }
  }, 180_000);

  it('killed after every DELE but before QUIT: the server deletes nothing, the next run does', async () => {
    const { run, tap, killedRun } = await syncKilledAt(KILL_AT_QUIT, /^QUIT/);
    try {
      expect(run.signal).toBe('SIGKILL');
      expect(killedRun()).toEqual({ RETR: LETTERS, DELE: LETTERS, QUIT: 0 });
      expect(onServer(server, KILL_AT_QUIT)).toBe(LETTERS);
      const before = tap.sent.length;
      const again = await runCli(['--db', dbOf(KILL_AT_QUIT), 'sync']);
      expect(again.code).toBe(0);
      expect(commands(tap.sent.slice(before))).toEqual({ RETR: 0, DELE: LETTERS, QUIT: 1 });
      expect(onServer(server, KILL_AT_QUIT)).toBe(0);
      expect(comparable(await exported(KILL_AT_QUIT))).toEqual(comparable(reference));
    } finally {
      await tap.close();
    }
  }, 180_000);

  it('ends identical to an uninterrupted run after being killed again and again mid-download', async () => {
    await addAccount(KILLED);
    let kills = 0;
    for (const ms of [500, 800, 1100, 1400, 1700]) {
      const run = await runCli(['--db', dbOf(KILLED), 'sync'], { killAfterMs: ms });
      if (run.signal !== 'SIGKILL') continue;
      kills++;
      // A letter leaves the server only once the journal holds it, whenever the kill came.
      const left = onServer(server, KILLED);
      if (left < LETTERS) expect(ids(await exported(KILLED))).toEqual(ids(reference));
    }
    expect(kills).toBeGreaterThanOrEqual(2);
    const final = await runCli(['--db', dbOf(KILLED), 'sync']);
    expect(final.stderr).not.toMatch(/interlog:/);
    expect(final.code).toBe(0);
    expect(onServer(server, KILLED)).toBe(0);
    expect(comparable(await exported(KILLED))).toEqual(comparable(reference));
  }, 180_000);

  it('survives the link being cut mid-RETR, reconnecting until done, and deletes only after a clean QUIT', async () => {
    const proxy = await startFaultProxy(server.pop3Port as number);
    const db = dbOf(CUT);
    const service = new JournalService({
      dbFile: db,
      secrets: FileSecretStore.besideJournal(db),
      tuning: { backoffBaseMs: 20 },
    });
    try {
      await service.addAccount({
        name: 'Mail',
        email: ME,
        protocol: 'pop3',
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: CUT,
        password: PASSWORD,
      });
      let retries = 0;
      service.onEvent((e) => {
        if (e.type === 'retry') retries++;
      });
      // Every connection dies after 9.5 MB, inside some letter: enough for the largest letter (8.6 MB on the
      // wire), too little for the whole maildrop (about 20 MB).
      proxy.cutAfterBytes(9.5 * 1024 * 1024 + 777);
      const [result] = await service.sync({});
      expect(retries).toBeGreaterThanOrEqual(2);
      expect(proxy.accepted()).toBeGreaterThanOrEqual(3);
      expect(result?.added).toBe(LETTERS);
      const ids = [...service.iterateInteractions()].map((r) => r.messageId);
      expect(ids).toHaveLength(LETTERS);
      expect(new Set(ids).size).toBe(LETTERS);
      expect(onServer(server, CUT)).toBe(0);
    } finally {
      await service.close();
      await proxy.close();
    }
  }, 180_000);
});
