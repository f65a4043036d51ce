import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AddAccountInput } from '../core/api.js';
import type { InterlogError } from '../core/errors.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';
import { lettersOnServer } from './support/pop3-observe.js';

const available = dovecotAvailable();
const IMAP_USER = 'boris@edit.test';
const POP_USERS = ['pop-leave@edit.test', 'pop-cli@edit.test'];
const USERS = [IMAP_USER, ...POP_USERS];
const OLD = 'old-secret';

/**
 * What the server side does when its owner changes a password. Dovecot looks at its passwd file again at most once
 * a second, so this waits until a sign-in with the new password passes, as the next client's would.
 */
async function changeServerPassword(server: DovecotServer, user: string, password: string): Promise<void> {
  const file = path.join(server.root, 'passwd');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  fs.writeFileSync(file, lines.map((l) => (l.startsWith(`${user}:`) ? `${user}:{PLAIN}${password}` : l)).join('\n'));
  for (const deadline = Date.now() + 5000; !(await imapLogin(server, user, password)); ) {
    if (Date.now() > deadline) throw new Error(`Dovecot never took the new password of ${user}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** One IMAP LOGIN: whether the server takes the password now. */
function imapLogin(server: DovecotServer, user: string, password: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.imapPort, '127.0.0.1');
    let text = '';
    let sent = false;
    socket.on('error', reject);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      if (!sent && text.includes('\r\n')) {
        sent = true;
        socket.write(`a1 LOGIN "${user}" "${password}"\r\n`);
      }
      const answer = /\r\na1 (OK|NO|BAD)/.exec(text);
      if (answer) {
        socket.end('a2 LOGOUT\r\n');
        resolve(answer[1] === 'OK');
      }
    });
  });
}

const letters = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, i) => ({
    raw: letter({
      from: `Client ${i} <client${i}@example.com>`,
      to: 'me@edit.test',
      subject: `${prefix} ${i}`,
      messageId: `${prefix}-${i}@example.com`,
      text: `letter ${i}`,
    }),
  }));

describe.skipIf(!available.ok)(
  `editing and removing an account${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let server: DovecotServer;
    let dir: string;
    let db: string;
    let service: JournalService;
    let secrets: FileSecretStore;

    beforeAll(async () => {
      server = await startDovecot({ users: USERS.map((user) => ({ user, password: OLD })), pop3: true });
      seedMessages(server, IMAP_USER, 'INBOX', letters('inbox', 12));
      seedMessages(server, IMAP_USER, 'Sent', letters('sent', 3));
      for (const user of POP_USERS) seedMessages(server, user, 'INBOX', letters(user.split('@')[0] as string, 5));
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
    });
    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-account-edit-'));
      db = path.join(dir, 'journal.db');
      secrets = FileSecretStore.besideJournal(db);
      service = new JournalService({ dbFile: db, secrets });
    });
    afterEach(async () => {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const imapAccount = (extra: Partial<AddAccountInput> = {}) =>
      service.addAccount({
        name: 'Work',
        email: 'me@edit.test',
        protocol: 'imap',
        host: '127.0.0.1',
        port: server.imapPort,
        security: 'none',
        username: IMAP_USER,
        password: OLD,
        ...extra,
      });

    /** The keychain entries the journal refers to, read as the journal stores them. */
    function secretRefs(): string[] {
      const reader = new Database(db, { readonly: true });
      try {
        return reader
          .prepare<[], { secret_ref: string; smtp_secret_ref: string | null }>(
            'SELECT secret_ref, smtp_secret_ref FROM accounts',
          )
          .all()
          .flatMap((r) => [r.secret_ref, ...(r.smtp_secret_ref ? [r.smtp_secret_ref] : [])]);
      } finally {
        reader.close();
      }
    }

    async function failure(work: Promise<unknown>): Promise<InterlogError> {
      try {
        await work;
      } catch (error) {
        return error as InterlogError;
      }
      throw new Error('it succeeded');
    }

    it('a password changed on the server: the sync says so, a wrong new one is refused unsaved, the right one syncs', async () => {
      await imapAccount();
      expect((await service.sync({}))[0]?.added).toBe(15);
      await changeServerPassword(server, IMAP_USER, 'a-longer-new-secret');
      try {
        const refused = await failure(service.sync({}));
        expect(refused.kind).toBe('auth');

        const wrong = await failure(service.editAccount({ name: 'Work', password: 'not-it' }));
        expect(wrong.kind).toBe('auth');
        expect(wrong.message).toMatch(/refused/);
        expect(await secrets.get(secretRefs()[0] as string)).toBe(OLD);
        expect((await service.listAccounts())[0]?.lastError).toMatch(/refused/);

        const saved = await service.editAccount({ name: 'Work', password: 'a-longer-new-secret' });
        expect(saved.lastError).toBeNull();
        const again = await service.sync({});
        expect(again[0]?.added).toBe(0);
        expect(await service.countInteractions({})).toBe(15);
      } finally {
        await changeServerPassword(server, IMAP_USER, OLD);
      }
    });

    it('a password the secret store lost is put back by an edit, which signs in with it first', async () => {
      await imapAccount();
      const [ref] = secretRefs();
      await secrets.delete(ref as string);
      const lost = await failure(service.sync({}));
      expect(lost.kind).toBe('secret-store');
      expect(lost.message).toContain('interlog account set "Work" --new-password');
      // Nothing else can be changed without it, and a wrong one is still refused.
      expect((await failure(service.editAccount({ name: 'Work', timeoutMs: 40_000 }))).kind).toBe('secret-store');
      expect((await failure(service.editAccount({ name: 'Work', password: 'not-it' }))).kind).toBe('auth');
      await service.editAccount({ name: 'Work', password: OLD });
      expect(await secrets.get(ref as string)).toBe(OLD);
      expect((await service.sync({}))[0]?.added).toBe(15);
    });

    it('settings that do not change where it signs in are saved without asking the server', async () => {
      await imapAccount();
      // The server is unreachable at that port: a check would fail, and none is made.
      const saved = await service.editAccount({
        name: 'Work',
        newName: 'Office',
        timeoutMs: 45_000,
        senderName: 'Борис Годунов',
        copyToSent: false,
      });
      expect(saved).toMatchObject({
        name: 'Office',
        timeoutMs: 45_000,
        senderName: 'Борис Годунов',
        copyToSent: false,
      });
      expect((await failure(service.editAccount({ name: 'Work', timeoutMs: 50_000 }))).kind).toBe('not-found');

      const moved = await failure(service.editAccount({ name: 'Office', port: 1 }));
      expect(moved.kind).toBe('connection-refused');
      expect((await service.listAccounts())[0]?.port).toBe(server.imapPort);
    });

    it('another host name for the same server: every folder is read again and nothing is doubled', async () => {
      await imapAccount();
      await service.sync({});
      await service.editAccount({ name: 'Work', host: 'localhost' });
      const [result] = await service.sync({});
      expect(result?.added).toBe(0);
      expect(result?.folders.reduce((n, f) => n + f.seen, 0)).toBe(15);
      expect(await service.countInteractions({})).toBe(15);
      expect((await service.listInteractions({ limit: 100 })).filter((r) => r.goneFromServer)).toEqual([]);
    });

    it('a POP3 account switched from leaving copies to deleting them cleans the server at its next sync', async () => {
      const user = POP_USERS[0] as string;
      await service.addAccount({
        name: 'Shop',
        email: 'me@edit.test',
        protocol: 'pop3',
        host: '127.0.0.1',
        port: server.pop3Port as number,
        security: 'none',
        username: user,
        password: OLD,
        leaveOnServer: true,
        deleteAfterDays: 30,
      });
      await service.sync({});
      expect(lettersOnServer(server, user)).toBe(5);

      const refused = await failure(service.editAccount({ name: 'Shop', deleteAfterDays: 10, leaveOnServer: false }));
      expect(refused.message).toMatch(/needs leaveOnServer/);
      const saved = await service.editAccount({ name: 'Shop', leaveOnServer: false });
      expect(saved).toMatchObject({ leaveOnServer: false, deleteAfterDays: null });
      const [result] = await service.sync({});
      expect(result?.added).toBe(0);
      expect(lettersOnServer(server, user)).toBe(0);
      expect(await service.countInteractions({})).toBe(5);
    });

    it('removing keeps the letters and forgets the password; refused while a letter waits in the outbox', async () => {
      await imapAccount({
        verify: false,
        // Nothing listens there: the letter stays queued.
        smtp: { host: '127.0.0.1', port: 1, security: 'none', password: 'smtp-secret' },
      });
      const refs = secretRefs();
      expect(refs).toHaveLength(2);
      expect(await secrets.get(refs[1] as string)).toBe('smtp-secret');
      await service.sync({});
      const queued = await service.send({ account: 'Work', to: ['client1@example.com'], subject: 'Offer', text: 'hi' });
      const refused = await failure(service.removeAccount({ name: 'Work' }));
      expect(refused.message).toMatch(/still has 1 letter in the outbox/);
      await service.outboxAction({ id: queued.id, action: 'cancel' });

      expect(await service.removeAccount({ name: 'Work' })).toEqual({ removed: 'Work', lettersKept: 16 });
      expect(await service.listAccounts()).toEqual([]);
      expect(await service.countInteractions({})).toBe(16);
      const kept = await service.search({ text: 'inbox' });
      expect(kept.length).toBeGreaterThan(0);
      for (const ref of refs) expect(await secrets.get(ref)).toBeUndefined();
      expect((await failure(service.sync({ account: 'Work' }))).kind).toBe('not-found');
    });

    it('the CLI changes POP3 cleaning and removes the account', async () => {
      const user = POP_USERS[1] as string;
      const base = ['--db', db];
      const add = await runCli(
        [
          ...base,
          'account',
          'add',
          '--name',
          'Mail',
          '--email',
          'me@edit.test',
          '--pop3',
          `127.0.0.1:${server.pop3Port}`,
        ].concat(['--security', 'none', '--user', user, '--password-env', 'PW', '--leave-on-server']),
        { env: { PW: OLD } },
      );
      expect(add.code).toBe(0);
      const set = await runCli([...base, 'account', 'set', 'Mail', '--delete-after-days', '14', '--rename', 'Orders']);
      expect(set.stderr).toBe('');
      expect(set.stdout).toBe(
        `Saved account "Orders": pop3://127.0.0.1:${server.pop3Port} (none), letters deleted from the server 14 days after receipt.\n`,
      );
      const contradiction = await runCli([
        ...base,
        'account',
        'set',
        'Orders',
        '--keep-forever',
        '--delete-after-days',
        '3',
      ]);
      expect(contradiction.code).toBe(2);
      expect(contradiction.stderr).toMatch(/contradict/);
      await runCli([...base, 'sync']);
      const removed = await runCli([...base, 'account', 'remove', 'Orders']);
      expect(removed.stdout).toBe('Removed account "Orders"; its 5 interactions stay in the journal.\n');
      expect((await runCli([...base, 'account', 'list'])).stdout).toBe('');
    });
  },
);
