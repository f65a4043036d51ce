import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localImapAccount, parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { createFolder, type SeedMessage, seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const PASSWORD = 'secret';
const ME = 'me@resume.test';
const USERS = ['reference', 'killed', 'cut'].map((u) => `${u}@resume.test`);

/** A mailbox big enough that a sync takes a few seconds: threads, attachments, one letter above the stream limit. */
function mailbox(): Record<string, SeedMessage[]> {
  const inbox: SeedMessage[] = [];
  const sent: SeedMessage[] = [];
  for (let i = 0; i < 900; i++) {
    const size = 2000 + ((i * 7919) % 30_000);
    inbox.push({
      raw: letter({
        from: `Client ${i % 37} <client${i % 37}@example.com>`,
        to: ME,
        subject: `Заказ ${i}`,
        messageId: `order-${i}@example.com`,
        ...(i > 0 && i % 3 === 0
          ? { inReplyTo: `order-${i - 1}@example.com`, references: [`order-${i - 1}@example.com`] }
          : {}),
        text: `Текст письма ${i} `.repeat(Math.ceil(size / 20)),
        ...(i % 50 === 0
          ? {
              attachments: [
                { name: `scan-${i}.pdf`, contentType: 'application/pdf', content: Buffer.alloc(40_000 + i, i % 251) },
              ],
            }
          : {}),
      }),
      ...(i % 4 === 0 ? { flags: ['\\Seen'] } : {}),
    });
  }
  inbox.push({
    raw: letter({
      from: 'archive@example.com',
      to: ME,
      subject: 'Большой архив',
      messageId: 'huge@example.com',
      text: 'see attachment',
      attachments: [{ name: 'archive.zip', contentType: 'application/zip', content: Buffer.alloc(9 * 1024 * 1024, 7) }],
    }),
  });
  for (let i = 0; i < 150; i++) {
    sent.push({
      raw: letter({
        from: ME,
        to: `client${i % 37}@example.com`,
        subject: `Re: Заказ ${i}`,
        messageId: `reply-${i}@resume.test`,
        text: 'Принято',
      }),
      flags: ['\\Seen'],
    });
  }
  return { INBOX: inbox, Sent: sent };
}

/** What a user sees of the journal, without row ids (which may legitimately differ between runs). */
function comparable(lines: Array<Record<string, unknown>>) {
  return lines
    .map(({ id: _id, ...rest }) => rest)
    .sort((a, b) => String(a.messageId).localeCompare(String(b.messageId)));
}

describe.skipIf(!available.ok)(`resuming an IMAP sync${available.ok ? '' : ` (skipped: ${available.reason})`}`, () => {
  let server: DovecotServer;
  let dir: string;
  let reference: Array<Record<string, unknown>>;

  beforeAll(async () => {
    server = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })) });
    const seed = mailbox();
    for (const user of USERS) {
      createFolder(server, user, 'Sent');
      for (const [folder, messages] of Object.entries(seed)) seedMessages(server, user, folder, messages);
    }
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-resume-'));
    const db = path.join(dir, 'reference.db');
    const add = await runCli(addArgs(db, USERS[0] as string, server.imapPort), { env: { PW: PASSWORD } });
    expect(add.stderr).toBe('');
    const sync = await runCli(['--db', db, 'sync']);
    expect(sync.code).toBe(0);
    reference = parseExport((await runCli(['--db', db, 'export', '--json'])).stdout);
  }, 180_000);

  afterAll(async () => {
    await server?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  function addArgs(db: string, user: string, port: number) {
    return ['--db', db, ...localImapAccount({ name: 'Work', email: ME, port, user })];
  }

  it('the reference run holds every letter exactly once', () => {
    expect(reference).toHaveLength(1051);
    expect(new Set(reference.map((r) => r.messageId)).size).toBe(1051);
    const huge = reference.find((r) => r.messageId === 'huge@example.com');
    expect((huge?.attachments as Array<{ size: number }> | undefined)?.[0]?.size).toBe(9 * 1024 * 1024);
  });

  it('ends identical to an uninterrupted run after being killed (kill -9) again and again mid-sync', async () => {
    const db = path.join(dir, 'killed.db');
    expect((await runCli(addArgs(db, USERS[1] as string, server.imapPort), { env: { PW: PASSWORD } })).code).toBe(0);
    const kills = [700, 1300, 1900, 2600, 3400];
    let killed = 0;
    for (const ms of kills) {
      const run = await runCli(['--db', db, 'sync'], { killAfterMs: ms });
      if (run.signal === 'SIGKILL') killed++;
    }
    expect(killed).toBeGreaterThanOrEqual(2);
    const final = await runCli(['--db', db, 'sync']);
    expect(final.stderr).not.toMatch(/interlog:/);
    expect(final.code).toBe(0);
    const after = parseExport((await runCli(['--db', db, 'export', '--json'])).stdout);
    expect(comparable(after)).toEqual(comparable(reference));
  }, 180_000);

  it('survives the connection being cut mid-FETCH, reconnecting until done', async () => {
    const proxy = await startFaultProxy(server.imapPort);
    const db = path.join(dir, 'cut.db');
    const service = new JournalService({
      dbFile: db,
      secrets: FileSecretStore.besideJournal(db),
      tuning: { backoffBaseMs: 20 },
    });
    try {
      await service.addAccount({
        name: 'Work',
        email: ME,
        protocol: 'imap',
        host: '127.0.0.1',
        port: proxy.port,
        security: 'none',
        username: USERS[2] as string,
        password: PASSWORD,
      });
      let retries = 0;
      service.onEvent((e) => {
        if (e.type === 'retry') retries++;
      });
      // Every connection dies after 16 MB, in the middle of some message literal (the largest letter is 12.6 MB
      // in base64, so each connection can make progress, but no connection can finish the whole mailbox).
      proxy.cutAfterBytes(16 * 1024 * 1024 + 777);
      const results = await service.sync({});
      expect(retries).toBeGreaterThanOrEqual(2);
      expect(proxy.accepted()).toBeGreaterThanOrEqual(3);
      expect(results[0]?.added).toBe(1051);
      const after = [...service.iterateInteractions()].map((r) => r.messageId);
      expect(new Set(after).size).toBe(1051);
      expect(after).toHaveLength(1051);
    } finally {
      await service.close();
      await proxy.close();
    }
  }, 180_000);
});
