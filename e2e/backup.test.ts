import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localImapAccount, parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'owner@backup.test';
const PASSWORD = 'pw';
const SEEDED = 24;
const DELIVERED = 60;

/** Every letter says "sparrow" and a word of its own; every other one carries a PDF. */
function bill(i: number): Buffer {
  return letter({
    from: `Client ${i % 5} <client${i % 5}@example.com>`,
    to: USER,
    subject: `Счёт ${i}`,
    messageId: `bill-${i}@example.com`,
    text: `Счёт номер ${i} по договору. sparrow wren${i}`,
    ...(i % 2 === 0
      ? {
          attachments: [
            { name: `bill-${i}.pdf`, contentType: 'application/pdf', content: Buffer.alloc(150_000 + i, i) },
          ],
        }
      : {}),
  });
}

/** What a backup must hold to be usable: a sound database, and every source it names, byte for byte. */
function checkBackupContents(file: string): { interactions: number; blobs: number } {
  const db = new Database(file, { readonly: true });
  try {
    expect(db.pragma('quick_check', { simple: true })).toBe('ok');
    const blobs = db.prepare('SELECT sha256, pack, offset, size FROM blobs').all() as Array<{
      sha256: string;
      pack: string;
      offset: number;
      size: number;
    }>;
    for (const b of blobs) {
      const fd = fs.openSync(path.join(`${file}.blobs`, b.pack), 'r');
      const bytes = Buffer.alloc(b.size);
      fs.readSync(fd, bytes, 0, b.size, b.offset);
      fs.closeSync(fd);
      expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(b.sha256);
    }
    const unnamed = db
      .prepare('SELECT COUNT(*) AS n FROM messages WHERE source_sha256 NOT IN (SELECT sha256 FROM blobs)')
      .get() as { n: number };
    expect(unnamed.n).toBe(0);
    const interactions = (db.prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
    return { interactions, blobs: blobs.length };
  } finally {
    db.close();
  }
}

describe.skipIf(!available.ok)(
  `backup, restore and compact from the CLI${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let server: DovecotServer;
    let dir: string;
    let db: string;
    const cli = (...args: string[]) => runCli(['--db', db, ...args], { env: { PW: PASSWORD } });
    /** Read-only, as a second window would: how far the running sync has got. */
    const stored = () => {
      if (!fs.existsSync(db)) return 0;
      const reader = new Database(db, { readonly: true });
      try {
        return (reader.prepare('SELECT COUNT(*) AS n FROM interactions').get() as { n: number }).n;
      } finally {
        reader.close();
      }
    };
    let onlineBackup: string;

    beforeAll(async () => {
      server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
      seedMessages(
        server,
        USER,
        'INBOX',
        Array.from({ length: SEEDED }, (_, i) => ({ raw: bill(i) })),
      );
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-backup-'));
      db = path.join(dir, 'journal.db');
      const add = await cli(...localImapAccount({ name: 'Work', email: USER, port: server.imapPort }));
      expect(add.stderr).toBe('');
      const sync = await cli('sync');
      expect(sync.code).toBe(0);
      expect(stored()).toBe(SEEDED);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('takes a consistent backup while sync --watch is storing new letters, and compact waits for it', async () => {
      let stopWatch!: () => void;
      const stop = new Promise<void>((resolve) => {
        stopWatch = resolve;
      });
      // Killed (kill -9) at the end, as a crash would: the backup must not depend on the watch closing the journal.
      const watch = runCli(['--db', db, 'sync', '--watch', '--poll', '1'], { env: { PW: PASSWORD }, killWhen: stop });
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: server.imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user: USER, pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      // Letters keep arriving (and the watch keeps storing them) for the whole time the backup runs.
      const delivering = (async () => {
        for (let i = SEEDED; i < SEEDED + DELIVERED; i++) await client.append('INBOX', bill(i));
      })();
      await vi.waitFor(() => expect(stored()).toBeGreaterThan(SEEDED), { timeout: 60_000, interval: 100 });

      const backup = await cli('backup');
      expect(backup.stderr).toBe('');
      expect(backup.code).toBe(0);
      onlineBackup = /Backup written to (\S+\.db) /.exec(backup.stdout)?.[1] ?? '';
      expect(path.dirname(onlineBackup)).toBe(`${db}.backups`);
      expect(backup.stdout).toMatch(/Passwords are not in this backup/);
      expect(fs.existsSync(`${onlineBackup}.secrets`)).toBe(false);

      // VACUUM would hold the write lock for as long as it runs: not while the watch is storing letters.
      const early = await cli('compact');
      expect(early.code).toBe(1);
      expect(early.stderr).toMatch(/is open in Interlog .* close it before compacting it/);

      await delivering;
      await client.logout();
      await vi.waitFor(() => expect(stored()).toBe(SEEDED + DELIVERED), { timeout: 60_000, interval: 200 });
      stopWatch();
      expect((await watch).signal).toBe('SIGKILL');

      const copy = checkBackupContents(onlineBackup);
      expect(copy.interactions).toBeGreaterThan(SEEDED);
      expect(copy.interactions).toBeLessThanOrEqual(SEEDED + DELIVERED);
      expect(copy.blobs).toBe(copy.interactions);

      const compact = await cli('compact');
      expect(compact.stderr).toBe('');
      expect(compact.stdout).toMatch(/database \d+\.\d MB → \d+\.\d MB/);
      expect(compact.stdout).toMatch(/Letter packs: \d+\.\d MB/);
    }, 240_000);

    it('names the latest backup when the journal is damaged, and restore brings back the same journal', async () => {
      // Whatever the killed watch left unindexed is indexed now, so the backup is of a settled journal.
      expect((await cli('sync')).code).toBe(0);
      const before = parseExport((await cli('export', '--json')).stdout);
      expect(before).toHaveLength(SEEDED + DELIVERED);
      const found = (await cli('search', 'sparrow')).stdout;
      expect(found.split('\n').filter(Boolean)).toHaveLength(SEEDED + DELIVERED);

      const backup = await cli('backup');
      expect(backup.code).toBe(0);
      const latest = /Backup written to (\S+\.db) /.exec(backup.stdout)?.[1] ?? '';
      expect(latest).not.toBe(onlineBackup);

      // Bytes overwritten in the middle of the file, as a failing disk or a stray write would leave it.
      expect(fs.existsSync(`${db}-wal`) && fs.statSync(`${db}-wal`).size > 0).toBe(false);
      // (compact ran VACUUM, so the file has no free pages whose bytes would not matter.)
      const middle = Math.floor(fs.statSync(db).size / 2 / 4096) * 4096;
      const fd = fs.openSync(db, 'r+');
      fs.writeSync(fd, Buffer.alloc(3 * 4096, 0xa5), 0, 3 * 4096, middle);
      fs.closeSync(fd);

      // Listing accounts reads none of the damaged pages: the check at open is what finds it.
      const opened = await cli('account', 'list');
      expect(opened.code).toBe(1);
      expect(opened.stderr).toContain(`The journal ${db} is damaged`);
      expect(opened.stderr).toContain(`The latest backup is ${latest}`);
      expect(opened.stderr).toContain(`restore ${latest} --force`);

      const refused = await cli('restore', latest);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/exists; restoring would replace it\. Run restore again with --force/);

      const restored = await cli('restore', latest, '--force');
      expect(restored.stderr).toBe('');
      expect(restored.stdout).toContain(`${SEEDED + DELIVERED} interactions`);
      expect(restored.stdout).toContain(`kept as ${db}.before-restore`);
      expect(restored.stdout).not.toMatch(/need it entered again/);
      expect(fs.existsSync(`${db}.before-restore`)).toBe(true);

      expect(parseExport((await cli('export', '--json')).stdout)).toEqual(before);
      expect((await cli('search', 'sparrow')).stdout).toBe(found);
      expect((await cli('search', 'wren31')).stdout).toMatch(/Счёт 31/);

      // Every letter's source is back, byte for byte: the reading pane shows it, and it is the letter that was sent.
      const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
      try {
        for (const record of before) {
          const id = record.id as number;
          const n = Number(/^Счёт (\d+)$/.exec(String(record.title))?.[1]);
          expect((await service.getMessage({ interactionId: id })).text).toContain(`wren${n}`);
          const source = service.journal.blobs.read(service.journal.interactions.sourceOf(id) as string);
          expect(source.equals(bill(n))).toBe(true);
          if (n % 2 === 0)
            expect((record.attachments as Array<{ name: string }>).map((a) => a.name)).toEqual([`bill-${n}.pdf`]);
        }
      } finally {
        await service.close();
      }

      // The restored journal syncs on from where it was, with the password still beside it.
      const again = await cli('sync');
      expect(again.code).toBe(0);
      expect(parseExport((await cli('export', '--json')).stdout)).toEqual(before);
    }, 240_000);
  },
);
