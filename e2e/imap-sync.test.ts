import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../core/api.js';
import { InterlogError } from '../core/errors.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { createFolder, seedMessages, setSubscriptions } from './support/maildir.js';

const available = dovecotAvailable();
const PASSWORD = 'Пароль-1';
const ME = 'anna@interlog.test';
/** Each test gets a mailbox of its own on the one server. */
const USERS = Array.from({ length: 20 }, (_, i) => `user${i}@interlog.test`);
let USER = '';

const pdf = Buffer.from('%PDF-1.4 счёт на оплату '.repeat(300));

/** The mailbox every test in this file starts from. */
function seedStandardMailbox(server: DovecotServer) {
  createFolder(server, USER, 'Sent');
  createFolder(server, USER, 'Drafts');
  createFolder(server, USER, 'Trash');
  createFolder(server, USER, 'Junk');
  createFolder(server, USER, 'Корзина');
  createFolder(server, USER, 'Проекты');
  createFolder(server, USER, 'Проекты/Стройка');
  seedMessages(server, USER, 'INBOX', [
    {
      raw: letter({
        from: '"Иван Петров" <Ivan@Client.example>',
        to: ME,
        subject: 'Счёт на оплату №15',
        messageId: 'invoice-15@client.example',
        text: 'Добрый день! Высылаю счёт на оплату по договору поставки.',
        attachments: [{ name: 'Счёт №15.pdf', contentType: 'application/pdf', content: pdf }],
      }),
      flags: ['\\Seen'],
    },
    {
      raw: letter({
        from: 'Ольга <olga@supplier.example>',
        to: ME,
        subject: 'Прайс-лист',
        messageId: 'price@supplier.example',
        charset: 'koi8-r',
        text: 'Направляем обновлённый прайс-лист на арматуру.',
      }),
    },
    {
      raw: letter({
        from: 'buh@bank.example',
        to: ME,
        subject: 'Выписка',
        messageId: 'statement@bank.example',
        charset: 'windows-1251',
        html: '<html><body><p>Остаток по счёту: <b>1&nbsp;000</b> рублей</p><script>alert(1)</script></body></html>',
      }),
    },
    {
      raw: letter({
        from: ME,
        to: ME,
        subject: 'Напоминание себе',
        messageId: 'note-to-self@interlog.test',
        text: 'Позвонить в банк',
      }),
    },
    { raw: letter({ from: 'robot@shop.example', to: ME, subject: 'No id here', text: 'Letter without a Message-ID' }) },
  ]);
  seedMessages(server, USER, 'Sent', [
    {
      raw: letter({
        from: `Anna <${ME}>`,
        to: 'Ivan@Client.example',
        subject: 'Re: Счёт на оплату №15',
        messageId: 'reply-15@interlog.test',
        inReplyTo: 'invoice-15@client.example',
        references: ['invoice-15@client.example'],
        text: 'Спасибо, оплатим в пятницу.',
      }),
      flags: ['\\Seen'],
    },
    {
      raw: letter({
        from: ME,
        to: ME,
        subject: 'Напоминание себе',
        messageId: 'note-to-self@interlog.test',
        text: 'Позвонить в банк',
      }),
      flags: ['\\Seen'],
    },
  ]);
  seedMessages(server, USER, 'Проекты/Стройка', [
    {
      raw: letter({
        from: 'prorab@build.example',
        to: ME,
        subject: 'Смета',
        messageId: 'estimate@build.example',
        text: 'Смета на фундамент',
      }),
    },
  ]);
  seedMessages(server, USER, 'Drafts', [
    { raw: letter({ from: ME, to: 'x@y.example', subject: 'Черновик', messageId: 'draft@x', text: 'draft' }) },
  ]);
  seedMessages(server, USER, 'Trash', [
    { raw: letter({ from: 'a@b.example', to: ME, subject: 'Deleted', messageId: 'trash@x', text: 'old' }) },
  ]);
  seedMessages(server, USER, 'Junk', [
    { raw: letter({ from: 'spam@spam.example', to: ME, subject: 'WIN', messageId: 'spam@x', text: 'spam' }) },
  ]);
  seedMessages(server, USER, 'Корзина', [
    { raw: letter({ from: 'a@b.example', to: ME, subject: 'Удалено', messageId: 'korzina@x', text: 'x' }) },
  ]);
}

describe.skipIf(!available.ok)(
  `IMAP sync against a real Dovecot${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let server: DovecotServer;
    let dir: string;
    let service: JournalService;

    beforeAll(async () => {
      server = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })) });
    });
    afterAll(async () => {
      await server?.stop();
    });

    beforeEach(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-sync-'));
      USER = USERS.shift() as string;
      seedStandardMailbox(server);
      service = newService();
    });
    afterEach(async () => {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    function newService() {
      const dbFile = path.join(dir, 'journal.db');
      return new JournalService({
        dbFile,
        secrets: FileSecretStore.besideJournal(dbFile),
        tuning: { backoffBaseMs: 50 },
      });
    }

    async function addAccount(overrides: Partial<Parameters<JournalService['addAccount']>[0]> = {}) {
      return service.addAccount({
        name: 'Work',
        email: ME,
        protocol: 'imap',
        host: '127.0.0.1',
        port: server.imapPort,
        security: 'starttls',
        username: USER,
        password: PASSWORD,
        acceptSelfSigned: true,
        ...overrides,
      });
    }

    const all = () => [...service.iterateInteractions()];
    const byMessageId = (id: string) => all().find((r) => r.messageId === id);

    async function imap(): Promise<ImapFlow> {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: server.imapPort,
        secure: false,
        auth: { user: USER, pass: PASSWORD },
        logger: false,
        tls: { rejectUnauthorized: false },
      });
      await client.connect();
      return client;
    }

    it('reads every folder that matters, once, and skips drafts, trash and spam by flag and by name', async () => {
      await addAccount();
      const events: JournalEvent[] = [];
      service.onEvent((e) => events.push(e));
      const [result] = await service.sync({});
      const records = all();
      const ids = records.map((r) => r.messageId).sort();
      expect(ids).toEqual(
        [
          'estimate@build.example',
          'invoice-15@client.example',
          'note-to-self@interlog.test',
          'price@supplier.example',
          'reply-15@interlog.test',
          'statement@bank.example',
          null,
        ].sort(),
      );
      expect(result?.added).toBe(7);
      expect(byMessageId('estimate@build.example')?.folders).toEqual(['Проекты/Стройка']);
      const progress = events.filter((e) => e.type === 'progress').map((e) => e.progress);
      expect(progress.some((p) => p.folder === 'INBOX' && p.done === 5 && p.total === 5)).toBe(true);
    });

    it('marks outgoing letters by the From address and stores a letter to oneself once', async () => {
      await addAccount();
      await service.sync({});
      expect(byMessageId('reply-15@interlog.test')?.direction).toBe('out');
      expect(byMessageId('invoice-15@client.example')?.direction).toBe('in');
      const note = all().filter((r) => r.title === 'Напоминание себе');
      expect(note).toHaveLength(1);
      expect(note[0]?.direction).toBe('out');
      expect(note[0]?.folders).toEqual(['INBOX', 'Sent']);
    });

    it('decodes koi8-r, windows-1251 and encoded-word headers, and finds the words by search', async () => {
      await addAccount();
      await service.sync({});
      const invoice = byMessageId('invoice-15@client.example');
      expect(invoice?.title).toBe('Счёт на оплату №15');
      expect(invoice?.from).toEqual({ name: 'Иван Петров', address: 'ivan@client.example' });
      expect((await service.search({ text: 'арматуру' })).map((r) => r.messageId)).toEqual(['price@supplier.example']);
      expect((await service.search({ text: 'остаток рублей' })).map((r) => r.messageId)).toEqual([
        'statement@bank.example',
      ]);
      // Script content is not text a person reads, so it is not indexed.
      expect(await service.search({ text: 'alert' })).toEqual([]);
      expect((await service.search({ text: 'ПОСТАВКИ' })).map((r) => r.messageId)).toEqual([
        'invoice-15@client.example',
      ]);
    });

    it('records attachments with their names, sizes and content hashes', async () => {
      await addAccount();
      await service.sync({});
      expect(byMessageId('invoice-15@client.example')?.attachments).toEqual([
        {
          name: 'Счёт №15.pdf',
          size: pdf.length,
          sha256: crypto.createHash('sha256').update(pdf).digest('hex'),
          contentType: 'application/pdf',
        },
      ]);
      expect((await service.search({ text: 'Счёт №15.pdf' }))[0]?.messageId).toBe('invoice-15@client.example');
    });

    it('keeps the raw source byte for byte in the blob store', async () => {
      await addAccount();
      await service.sync({});
      const row = service.journal.db
        .prepare<[string], { sha: string }>('SELECT source_sha256 AS sha FROM messages WHERE message_id = ?')
        .get('price@supplier.example');
      const source = service.journal.blobs.read(row?.sha as string);
      expect(crypto.createHash('sha256').update(source).digest('hex')).toBe(row?.sha);
      expect(source.toString('latin1')).toContain('Message-ID: <price@supplier.example>');
    });

    it('fetches only what is new on the next run, and keeps letters expunged on the server', async () => {
      await addAccount();
      await service.sync({});
      const [again] = await service.sync({});
      expect(again?.added).toBe(0);

      const client = await imap();
      await client.append(
        'INBOX',
        letter({ from: 'new@client.example', to: ME, subject: 'Новое', messageId: 'new@client.example', text: 'hi' }),
      );
      await client.mailboxOpen('Проекты/Стройка');
      await client.messageDelete('1:*');
      await client.logout();

      const [third] = await service.sync({});
      expect(third?.added).toBe(1);
      expect(byMessageId('new@client.example')?.folders).toEqual(['INBOX']);
      const estimate = byMessageId('estimate@build.example');
      expect(estimate?.goneFromServer).toBe(true);
      expect(estimate?.folders).toEqual([]);
      expect(all()).toHaveLength(8);
    });

    it('follows flag changes on the server (CONDSTORE)', async () => {
      await addAccount();
      await service.sync({});
      const client = await imap();
      await client.mailboxOpen('INBOX');
      await client.messageFlagsAdd({ all: true }, ['\\Flagged']);
      await client.logout();
      await service.sync({});
      const flags = service.journal.db
        .prepare<[], { flags: string }>(
          `SELECT l.flags FROM message_locations l JOIN folders f ON f.id = l.folder_id WHERE f.path = 'INBOX'`,
        )
        .all();
      expect(flags.length).toBe(5);
      expect(flags.every((f) => f.flags.includes('\\Flagged'))).toBe(true);
    });

    it('rereads a folder whose UIDVALIDITY changed without doubling a letter', async () => {
      await addAccount();
      await service.sync({});
      const before = all().length;
      const client = await imap();
      // Recreating a folder is how a server announces new UIDs: same letters, new UIDVALIDITY.
      await client.mailboxCreate('Temp');
      await client.mailboxOpen('Проекты/Стройка');
      await client.messageCopy('1:*', 'Temp');
      await client.mailboxDelete('Проекты/Стройка');
      await client.mailboxCreate('Проекты/Стройка');
      await client.mailboxOpen('Temp');
      await client.messageCopy('1:*', 'Проекты/Стройка');
      await client.mailboxClose();
      await client.mailboxDelete('Temp');
      await client.logout();
      await service.sync({});
      expect(all()).toHaveLength(before);
      const estimate = byMessageId('estimate@build.example');
      expect(estimate?.folders).toEqual(['Проекты/Стройка']);
      expect(estimate?.goneFromServer).toBe(false);
    });

    it('takes only the subscribed folders when the server has some', async () => {
      setSubscriptions(server, USER, ['Проекты/Стройка']);
      await addAccount();
      await service.sync({});
      const folders = new Set(all().flatMap((r) => r.folders));
      expect([...folders].sort()).toEqual(['INBOX', 'Проекты/Стройка']);
    });

    it('refuses a wrong password with a clear error and saves no account', async () => {
      const error = await addAccount({ password: 'wrong' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InterlogError);
      expect((error as InterlogError).kind).toBe('auth');
      expect((error as InterlogError).message).toMatch(/refused the user name or password/);
      expect(await service.listAccounts()).toEqual([]);
    });

    it('verifies certificates unless self-signed ones are allowed for the account', async () => {
      const strict = await addAccount({ port: server.imapsPort, security: 'tls', acceptSelfSigned: false }).catch(
        (e: unknown) => e,
      );
      expect((strict as InterlogError).kind).toBe('tls');
      await addAccount({ name: 'Trusting', port: server.imapsPort, security: 'tls', acceptSelfSigned: true });
      const [result] = await service.sync({});
      expect(result?.added).toBe(7);
    });

    it('names an unknown host and a silent server as such', async () => {
      const unknown = await addAccount({ host: 'no-such-host.invalid' }).catch((e: unknown) => e);
      expect((unknown as InterlogError).kind).toBe('host-not-found');
      const net = await import('node:net');
      const silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const port = (silent.address() as { port: number }).port;
      const timeout = await addAccount({ port, timeoutMs: 1000 }).catch((e: unknown) => e);
      silent.close();
      expect((timeout as InterlogError).kind).toBe('timeout');
    });

    it('brings a new letter in within seconds while watching (IDLE)', async () => {
      await addAccount();
      let watching!: () => void;
      const ready = new Promise<void>((resolve) => {
        watching = resolve;
      });
      let arrivedAt = 0;
      const arrived = new Promise<void>((resolve) => {
        service.onEvent((e) => {
          if (e.type === 'watching') watching();
          if (e.type === 'new-mail' && e.folder === 'INBOX') {
            arrivedAt = Date.now();
            resolve();
          }
        });
      });
      const handle = await service.watch();
      await ready;
      expect(all()).toHaveLength(7);
      const started = Date.now();
      const client = await imap();
      await client.append(
        'INBOX',
        letter({
          from: 'fast@client.example',
          to: ME,
          subject: 'Срочно',
          messageId: 'urgent@client.example',
          text: 'now',
        }),
      );
      await client.logout();
      await arrived;
      expect(arrivedAt - started).toBeLessThan(5000);
      expect(byMessageId('urgent@client.example')?.folders).toEqual(['INBOX']);
      handle.stop();
      await handle.result;
    });
  },
);
