import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { type SeedMessage, seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const PASSWORD = 'secret';
const ME = 'me@large.test';
const COUNT = 5000;
const KEEP = 'keep@large.test';
const CLEAN = 'clean@large.test';

function maildrop(): SeedMessage[] {
  return Array.from({ length: COUNT }, (_, i) => ({
    raw: letter({
      from: i % 7 === 0 ? ME : `Client ${i % 101} <client${i % 101}@example.com>`,
      to: i % 7 === 0 ? `client${i % 101}@example.com` : ME,
      subject: `Письмо ${i}`,
      // Every 500th letter has no Message-ID: the journal then knows it by its header and body.
      ...(i % 500 === 499 ? {} : { messageId: `letter-${i}@example.com` }),
      text: `Строка письма ${i}.\n`.repeat(20 + (i % 300)),
    }),
  }));
}

function onServer(server: DovecotServer, user: string): number {
  const root = server.mailRoot(user);
  return ['cur', 'new'].reduce((n, dir) => n + fs.readdirSync(path.join(root, dir)).length, 0);
}

describe.skipIf(!available.ok)(`a POP3 maildrop of ${COUNT} letters${available.ok ? '' : ` (skipped)`}`, () => {
  let server: DovecotServer;
  let dir: string;

  beforeAll(async () => {
    server = await startDovecot({ users: [KEEP, CLEAN].map((user) => ({ user, password: PASSWORD })), pop3: true });
    const letters = maildrop();
    for (const user of [KEEP, CLEAN]) seedMessages(server, user, 'INBOX', letters);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-pop3-large-'));
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  async function add(user: string, extra: string[]) {
    const db = path.join(dir, `${user}.db`);
    const args = ['--db', db, 'account', 'add', '--name', 'Mail', '--email', ME, '--pop3'];
    args.push(`127.0.0.1:${server.pop3Port}`, '--security', 'none', '--user', user, '--password-env', 'PW', ...extra);
    const result = await runCli(args, { env: { PW: PASSWORD } });
    expect(result.stderr).toBe('');
    return db;
  }

  it('receives each letter once, and the next run asks for none of them again', async () => {
    const db = await add(KEEP, ['--leave-on-server']);
    const first = await runCli(['--db', db, 'sync']);
    expect(first.stderr).not.toMatch(/interlog:/);
    expect(first.stdout).toMatch(`Mail: ${COUNT} new letters`);
    const second = await runCli(['--db', db, 'sync']);
    expect(second.stdout).toMatch('Mail: 0 new letters');
    expect(onServer(server, KEEP)).toBe(COUNT);
    const lines = parseExport((await runCli(['--db', db, 'export', '--json'])).stdout);
    expect(lines).toHaveLength(COUNT);
    expect(new Set(lines.map((l) => l.title)).size).toBe(COUNT);
    expect(lines.filter((l) => l.direction === 'out')).toHaveLength(Math.ceil(COUNT / 7));
  }, 240_000);

  it('empties the maildrop by default', async () => {
    const db = await add(CLEAN, []);
    const run = await runCli(['--db', db, 'sync']);
    expect(run.stdout).toMatch(`Mail: ${COUNT} new letters`);
    expect(onServer(server, CLEAN)).toBe(0);
  }, 240_000);
});
