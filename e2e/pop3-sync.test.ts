import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AddAccountInput } from '../core/api.js';
import { Journal } from '../core/db/journal.js';
import { InterlogError } from '../core/errors.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { syncPop3Account } from '../core/sync/pop3/account-sync.js';
import { runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, signIns, startDovecot } from './support/dovecot.js';
import { seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const skipNote = available.ok ? '' : ` (skipped: ${available.reason})`;
const PASSWORD = 'Пароль-3';
const ME = 'anna@pop3.test';
const DAY = 24 * 60 * 60 * 1000;

/** Letters still in the user's maildrop (Dovecot removes the file when a QUIT commits a DELE). */
function onServer(server: DovecotServer, user: string): number {
  const root = server.mailRoot(user);
  return ['cur', 'new'].reduce((n, dir) => n + fs.readdirSync(path.join(root, dir)).length, 0);
}

/**
 * What Dovecot logged for the user's last POP3 session: letters retrieved and deleted. Dovecot logs the end of a
 * session just after answering QUIT, so this waits until every login of the user has its logout line.
 */
async function lastSession(server: DovecotServer, user: string): Promise<{ retr: number; del: number }> {
  const who = user.replace(/[.@+]/g, '\\$&');
  const login = new RegExp(`pop3-login: Info: Login: user=<${who}>`);
  const logout = new RegExp(`pop3\\(${who}\\).*Disconnected: .*retr=(\\d+)/\\d+, del=(\\d+)/`);
  for (const deadline = Date.now() + 5000; ; await new Promise((resolve) => setTimeout(resolve, 20))) {
    const lines = server.log().split('\n');
    const ends = lines.map((line) => logout.exec(line)).filter((m) => m !== null);
    const last = ends[ends.length - 1];
    if (last && ends.length >= lines.filter((line) => login.test(line)).length) {
      return { retr: Number(last[1]), del: Number(last[2]) };
    }
    if (Date.now() > deadline) throw new Error(`no finished POP3 session of ${user} in the log:\n${server.log()}`);
  }
}

function seedStandard(server: DovecotServer, user: string) {
  seedMessages(server, user, 'INBOX', [
    {
      raw: letter({
        from: '"Иван Петров" <ivan@client.example>',
        to: ME,
        subject: 'Счёт на оплату №15',
        messageId: 'invoice-15@client.example',
        text: 'Высылаю счёт на оплату по договору поставки.',
        attachments: [{ name: 'Счёт.pdf', contentType: 'application/pdf', content: Buffer.alloc(30_000, 0x25) }],
      }),
    },
    {
      raw: letter({
        from: 'Ольга <olga@supplier.example>',
        to: ME,
        subject: 'Прайс-лист',
        messageId: 'price@supplier.example',
        charset: 'koi8-r',
        // A line that begins with a dot travels dot-stuffed and must come back as written.
        text: 'Направляем прайс-лист на арматуру.\n.в конце строки точка\n.',
      }),
    },
    {
      raw: letter({
        from: ME,
        to: 'ivan@client.example',
        subject: 'Re: Счёт на оплату №15',
        messageId: 'reply-15@pop3.test',
        inReplyTo: 'invoice-15@client.example',
        references: ['invoice-15@client.example'],
        text: 'Оплатим в пятницу.',
      }),
    },
    { raw: letter({ from: ME, to: ME, subject: 'Напоминание себе', messageId: 'note@pop3.test', text: 'Позвонить' }) },
    { raw: letter({ from: 'robot@shop.example', to: ME, subject: 'No id here', text: 'Letter without a Message-ID' }) },
  ]);
}

describe.skipIf(!available.ok)(`POP3 receiving against a real Dovecot${skipNote}`, () => {
  const users = Array.from({ length: 12 }, (_, i) => `pop${i}@pop3.test`);
  let server: DovecotServer;
  let dir: string;
  let user: string;
  let service: JournalService;
  let dbFile: string;

  beforeAll(async () => {
    server = await startDovecot({ users: users.map((u) => ({ user: u, password: PASSWORD })), pop3: true });
  });
  afterAll(async () => {
    await server?.stop();
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-pop3-'));
    dbFile = path.join(dir, 'journal.db');
    user = users.shift() as string;
    seedStandard(server, user);
    service = new JournalService({
      dbFile,
      secrets: FileSecretStore.besideJournal(dbFile),
      tuning: { backoffBaseMs: 20 },
    });
  });
  afterEach(async () => {
    await service.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function addAccount(overrides: Partial<AddAccountInput> = {}) {
    return service.addAccount({
      name: 'Mail',
      email: ME,
      protocol: 'pop3',
      host: '127.0.0.1',
      port: server.pop3Port as number,
      security: 'starttls',
      username: user,
      password: PASSWORD,
      acceptSelfSigned: true,
      ...overrides,
    });
  }
  const all = () => [...service.iterateInteractions()];
  const byMessageId = (id: string) => all().find((r) => r.messageId === id);

  it('receives every letter once through the IMAP store path and deletes them only after committing', async () => {
    await addAccount();
    const [result] = await service.sync({});
    expect(result?.added).toBe(5);
    expect(result?.folders).toEqual([{ folder: 'INBOX', added: 5, seen: 5, gone: 5, flagsUpdated: 0 }]);
    expect(all()).toHaveLength(5);
    expect(onServer(server, user)).toBe(0);
    expect(await lastSession(server, user)).toEqual({ retr: 5, del: 5 });
    // Outgoing by the From address, the letter to oneself once; threaded like any other letter.
    expect(byMessageId('reply-15@pop3.test')?.direction).toBe('out');
    expect(byMessageId('note@pop3.test')?.direction).toBe('out');
    expect(byMessageId('invoice-15@client.example')?.direction).toBe('in');
    expect(byMessageId('reply-15@pop3.test')?.basisMessageId).toBe('invoice-15@client.example');
    const invoice = byMessageId('invoice-15@client.example');
    expect(invoice?.folders).toEqual([]);
    expect(invoice?.goneFromServer).toBe(true);
    expect(invoice?.attachments.map((a) => [a.name, a.size])).toEqual([['Счёт.pdf', 30_000]]);
    // 8-bit koi8-r bytes and dot-stuffed lines arrive intact: the body is decoded and searchable.
    expect((await service.search({ text: 'арматуру' })).map((r) => r.messageId)).toEqual(['price@supplier.example']);
    expect((await service.search({ text: 'строки точка' })).map((r) => r.messageId)).toEqual([
      'price@supplier.example',
    ]);

    seedMessages(server, user, 'INBOX', [
      { raw: letter({ from: 'new@client.example', to: ME, subject: 'Ещё', messageId: 'more@x', text: 'x' }) },
    ]);
    const [second] = await service.sync({});
    expect(second?.added).toBe(1);
    expect(await lastSession(server, user)).toEqual({ retr: 1, del: 1 });
    expect(all()).toHaveLength(6);
  });

  it('leaves copies on the server when asked and downloads only new letters on the next run', async () => {
    await addAccount({ leaveOnServer: true });
    expect((await service.sync({}))[0]?.added).toBe(5);
    expect(onServer(server, user)).toBe(5);
    expect(byMessageId('invoice-15@client.example')).toMatchObject({ folders: ['INBOX'], goneFromServer: false });

    expect((await service.sync({}))[0]?.added).toBe(0);
    expect(await lastSession(server, user)).toEqual({ retr: 0, del: 0 });

    seedMessages(server, user, 'INBOX', [
      { raw: letter({ from: 'new@client.example', to: ME, subject: 'Ещё', messageId: 'more@x', text: 'x' }) },
    ]);
    expect((await service.sync({}))[0]?.added).toBe(1);
    expect(await lastSession(server, user)).toEqual({ retr: 1, del: 0 });
    expect(onServer(server, user)).toBe(6);
    expect(all()).toHaveLength(6);
  });

  it('deletes a letter N days after the journal first received it (injected clock)', async () => {
    await addAccount({ leaveOnServer: true, deleteAfterDays: 10 });
    await service.close();
    const journal = Journal.open(dbFile);
    try {
      const account = journal.accounts.byName('Mail');
      if (!account) throw new Error('the account was not saved');
      expect(account).toMatchObject({ protocol: 'pop3', leaveOnServer: true, deleteAfterDays: 10 });
      const start = Date.parse('2026-03-01T09:00:00Z');
      let now = start;
      const sync = () =>
        syncPop3Account({ journal, indexer: { kick() {} }, account, password: PASSWORD, now: () => new Date(now) });

      expect((await sync()).added).toBe(5);
      now = start + 5 * DAY;
      seedMessages(server, user, 'INBOX', [
        { raw: letter({ from: 'late@client.example', to: ME, subject: 'Позже', messageId: 'late@x', text: 'x' }) },
      ]);
      expect((await sync()).added).toBe(1);
      expect(onServer(server, user)).toBe(6);

      now = start + 10 * DAY - 1;
      await sync();
      expect(onServer(server, user)).toBe(6);
      now = start + 10 * DAY;
      const tenth = await sync();
      expect(tenth.folders[0]?.gone).toBe(5);
      expect(await lastSession(server, user)).toEqual({ retr: 0, del: 5 });
      expect(onServer(server, user)).toBe(1);
      now = start + 15 * DAY;
      await sync();
      expect(onServer(server, user)).toBe(0);
      const gone = [...journal.interactions.iterateAll()].map((r) => r.goneFromServer);
      expect(gone).toEqual([true, true, true, true, true, true]);
    } finally {
      journal.close();
    }
  });

  it('speaks POP3S and STLS and verifies the certificate unless self-signed ones are allowed', async () => {
    const strict = await addAccount({
      port: server.pop3sPort as number,
      security: 'tls',
      acceptSelfSigned: false,
    }).catch((e: unknown) => e);
    expect((strict as InterlogError).kind).toBe('tls');
    const upgraded = await addAccount({ security: 'starttls', acceptSelfSigned: false }).catch((e: unknown) => e);
    expect((upgraded as InterlogError).kind).toBe('tls');
    await addAccount({ port: server.pop3sPort as number, security: 'tls' });
    expect((await service.sync({}))[0]?.added).toBe(5);
  });

  it('polls the maildrop while watching and brings a new letter in', async () => {
    await addAccount();
    let watching!: () => void;
    const ready = new Promise<void>((resolve) => {
      watching = resolve;
    });
    const arrived = new Promise<number>((resolve) => {
      service.onEvent((e) => {
        if (e.type === 'watching') watching();
        if (e.type === 'new-mail') resolve(e.added);
      });
    });
    const handle = await service.watch(undefined, 300);
    await ready;
    expect(all()).toHaveLength(5);
    seedMessages(server, user, 'INBOX', [
      { raw: letter({ from: 'fast@client.example', to: ME, subject: 'Срочно', messageId: 'urgent@x', text: 'x' }) },
    ]);
    expect(await arrived).toBe(1);
    handle.stop();
    await handle.result;
    expect(byMessageId('urgent@x')?.goneFromServer).toBe(true);
    expect(onServer(server, user)).toBe(0);
  });

  it('refuses a wrong password with a clear error and saves no account', async () => {
    const error = await addAccount({ password: 'wrong' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterlogError);
    expect((error as InterlogError).kind).toBe('auth');
    expect((error as InterlogError).message).toMatch(/refused the user name or password.*Authentication failed/);
    expect(await service.listAccounts()).toEqual([]);
  });

  it('reports a password changed on the server on the account, without retrying, and loses nothing', async () => {
    await addAccount({ leaveOnServer: true });
    await service.close();
    const journal = Journal.open(dbFile);
    try {
      const account = journal.accounts.byName('Mail');
      if (!account) throw new Error('the account was not saved');
      const error = await syncPop3Account({ journal, indexer: { kick() {} }, account, password: 'changed' }).catch(
        (e: unknown) => e,
      );
      expect((error as InterlogError).kind).toBe('auth');
      expect(journal.accounts.byName('Mail')?.lastError).toMatch(/refused the user name or password/);
      expect(onServer(server, user)).toBe(5);
    } finally {
      journal.close();
    }
  });

  it('adds a POP3 account from the command line, syncs it and says why a wrong password fails', async () => {
    const args = (password: string) => [
      '--db',
      path.join(dir, 'cli.db'),
      'account',
      'add',
      '--name',
      password === PASSWORD ? 'Mail' : 'Bad',
      '--email',
      ME,
      '--pop3',
      `127.0.0.1:${server.pop3Port}`,
      '--security',
      'none',
      '--user',
      user,
      '--password-env',
      'PW',
      '--leave-on-server',
      '--delete-after-days',
      '30',
      // Secure password authentication: the password is proved by CRAM-MD5, never sent.
      '--secure-auth',
    ];
    const bad = await runCli(args('nope'), { env: { PW: 'nope' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^interlog: The server 127\.0\.0\.1:\d+ refused the user name or password/);
    const add = await runCli(args(PASSWORD), { env: { PW: PASSWORD } });
    expect(add.stderr).toBe('');
    expect(add.code).toBe(0);
    const list = await runCli(['--db', path.join(dir, 'cli.db'), 'account', 'list']);
    expect(list.stdout).toMatch(/^Mail\tanna@pop3\.test\tpop3:\/\/127\.0\.0\.1:\d+ \(none\)\tnever synced/);
    const sync = await runCli(['--db', path.join(dir, 'cli.db'), 'sync']);
    expect(sync.code).toBe(0);
    expect(sync.stdout).toMatch(/Mail: 5 new letters/);
    expect(onServer(server, user)).toBe(5);
    expect(new Set(signIns(server, user))).toEqual(new Set(['pop3 CRAM-MD5']));
  });
});

describe.skipIf(!available.ok)(`POP3 with APOP and without UIDL${skipNote}`, () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-pop3-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function withService<T>(
    port: number,
    user: string,
    extra: Partial<AddAccountInput>,
    work: (s: JournalService) => Promise<T>,
  ) {
    const dbFile = path.join(dir, 'journal.db');
    const service = new JournalService({ dbFile, secrets: FileSecretStore.besideJournal(dbFile) });
    try {
      if ((await service.listAccounts()).length === 0) {
        await service.addAccount({
          name: 'Mail',
          email: ME,
          protocol: 'pop3',
          host: '127.0.0.1',
          port,
          security: 'none',
          username: user,
          password: PASSWORD,
          ...extra,
        });
      }
      return await work(service);
    } finally {
      await service.close();
    }
  }

  it('logs in with APOP when the greeting offers it', async () => {
    const user = 'apop@pop3.test';
    const server = await startDovecot({
      users: [{ user, password: PASSWORD }],
      pop3: true,
      extraConfig: 'auth_mechanisms = plain login apop',
    });
    try {
      seedStandard(server, user);
      await withService(server.pop3Port as number, user, {}, async (service) => {
        expect((await service.sync({}))[0]?.added).toBe(5);
      });
      expect(server.log()).toMatch(/pop3-login: Info: Login: user=<apop@pop3\.test>, method=APOP/);
      expect(server.log()).not.toMatch(/method=PLAIN/);
      expect(onServer(server, user)).toBe(0);
    } finally {
      await server.stop();
    }
  });

  it('names letters by a hash of their header on a server without UIDL, stable from one run to the next', async () => {
    const user = 'nouidl@pop3.test';
    const server = await startDovecot({ users: [{ user, password: PASSWORD }], pop3NoUidl: true });
    try {
      seedStandard(server, user);
      // The same letter delivered twice: identical headers, told apart by their order in the maildrop.
      const twin = letter({ from: 'twin@client.example', to: ME, subject: 'Twin', messageId: 'twin@x', text: 'x' });
      seedMessages(server, user, 'INBOX', [{ raw: twin }, { raw: twin }]);
      await withService(server.pop3Port as number, user, { leaveOnServer: true }, async (service) => {
        expect((await service.sync({}))[0]?.added).toBe(6);
        expect((await lastSession(server, user)).retr).toBe(7);
        expect((await service.sync({}))[0]?.added).toBe(0);
        expect((await lastSession(server, user)).retr).toBe(0);
        seedMessages(server, user, 'INBOX', [
          { raw: letter({ from: 'new@client.example', to: ME, subject: 'Ещё', messageId: 'more@x', text: 'x' }) },
        ]);
        expect((await service.sync({}))[0]?.added).toBe(1);
        expect((await lastSession(server, user)).retr).toBe(1);
        expect(onServer(server, user)).toBe(8);
      });
      expect(server.log()).not.toMatch(/pop3\(nouidl@pop3\.test\).*retr=\d+\/\d+, del=[1-9]/);
    } finally {
      await server.stop();
    }
  });
});
