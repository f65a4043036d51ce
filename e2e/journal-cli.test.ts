import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Journal } from '../core/db/journal.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localImapAccount, parseExport, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { createFolder, seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const USER = 'manager@mycompany.ru';
const PASSWORD = 'pw';

describe.skipIf(!available.ok)(
  `chains, subjects, contacts and rules from the CLI${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let server: DovecotServer;
    let dir: string;
    let db: string;
    const cli = (...args: string[]) => runCli(['--db', db, ...args], { env: { PW: PASSWORD } });
    const exported = async () => parseExport((await cli('export', '--json')).stdout);

    beforeAll(async () => {
      server = await startDovecot({ users: [{ user: USER, password: PASSWORD }] });
      createFolder(server, USER, 'Sent');
      // The reply sits in INBOX before the letter it answers arrives in Sent: the chain must still form.
      seedMessages(server, USER, 'INBOX', [
        {
          raw: letter({
            from: 'Пётр <petr@stroy.example>',
            to: 'sales@mycompany.ru',
            subject: 'Re: Коммерческое предложение',
            messageId: 'kp-re@stroy.example',
            inReplyTo: 'kp@mycompany.ru',
            references: ['kp@mycompany.ru'],
            text: 'Цена устраивает, готовы заказать.',
          }),
        },
        {
          raw: letter({
            from: 'Пётр <petr@stroy.example>',
            to: 'sales@mycompany.ru',
            subject: 'Заявка на бетон',
            messageId: 'beton@stroy.example',
            text: 'Нужен бетон М300, 20 кубов.',
          }),
        },
        {
          raw: letter({
            from: 'P. Ivanov <PETR.IVANOV@gmail.example>',
            to: USER,
            subject: 'Личное',
            messageId: 'private@gmail.example',
            text: 'Это Пётр, мой личный адрес.',
          }),
        },
        {
          raw: letter({
            from: 'news@shop.example',
            to: USER,
            subject: 'Скидки',
            messageId: 'news@shop.example',
            text: 'Акция',
          }),
        },
      ]);
      seedMessages(server, USER, 'Sent', [
        {
          raw: letter({
            from: USER,
            to: 'petr@stroy.example',
            subject: 'Коммерческое предложение',
            messageId: 'kp@mycompany.ru',
            text: 'Направляем КП на поставку арматуры.',
          }),
        },
      ]);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-journal-cli-'));
      db = path.join(dir, 'journal.db');
      const add = await cli(
        ...localImapAccount({ name: 'Work', email: USER, port: server.imapPort }),
        '--identity',
        'sales@mycompany.ru',
      );
      expect(add.stderr).toBe('');
      // Rules are set up before the mail comes in: letters to sales@ from a client's domain go to "Продажи".
      expect((await cli('subject', 'add', 'Продажи')).code).toBe(0);
      const rule = await cli(
        'rule',
        'add',
        '--name',
        'sales',
        '--to-address',
        'sales@mycompany.ru',
        '--from',
        'stroy.example',
        '--set-subject',
        'Продажи',
        '--tag',
        'lead',
      );
      expect(rule.stderr).toBe('');
      const sync = await cli('sync');
      expect(sync.stderr).not.toMatch(/interlog:/);
      expect(sync.code).toBe(0);
    }, 120_000);

    afterAll(async () => {
      await server?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('exports each letter with its chain and basis', async () => {
      const lines = await exported();
      const byId = Object.fromEntries(lines.map((l) => [l.messageId, l]));
      expect(byId['kp-re@stroy.example']?.basisMessageId).toBe('kp@mycompany.ru');
      expect(byId['kp-re@stroy.example']?.chainId).toBe(byId['kp@mycompany.ru']?.chainId);
      expect(byId['beton@stroy.example']?.chainId).not.toBe(byId['kp@mycompany.ru']?.chainId);
      expect(byId['kp@mycompany.ru']?.direction).toBe('out');
    });

    it('routes letters by rule, and the whole chain carries the subject', async () => {
      const byId = Object.fromEntries((await exported()).map((l) => [l.messageId, l.subject]));
      expect(byId).toEqual({
        'kp-re@stroy.example': 'Продажи',
        'kp@mycompany.ru': 'Продажи',
        'beton@stroy.example': 'Продажи',
        'private@gmail.example': null,
        'news@shop.example': null,
      });
      const show = await cli('subject', 'list');
      expect(show.stdout).toMatch(/Продажи {2}3 interactions/);
    });

    it('prints a chain as a tree', async () => {
      const reply = (await exported()).find((l) => l.messageId === 'kp-re@stroy.example');
      const tree = (await cli('chain', String(reply?.id))).stdout.split('\n');
      expect(tree[0]).toBe(`Chain #${reply?.chainId}: Коммерческое предложение — Продажи`);
      expect(tree[1]).toMatch(/^ {2}#\d+ .*Коммерческое предложение {2}to petr@stroy.example/);
      expect(tree[2]).toMatch(/^ {4}#\d+ .*Re: Коммерческое предложение {2}from Пётр <petr@stroy.example>/);
    });

    it('moves a chain to another subject with one command', async () => {
      const beton = (await exported()).find((l) => l.messageId === 'beton@stroy.example');
      expect((await cli('subject', 'add', 'Бетон для ЖК Север')).code).toBe(0);
      expect((await cli('subject', 'set', String(beton?.id), 'Бетон для ЖК Север')).code).toBe(0);
      const after = (await exported()).find((l) => l.messageId === 'beton@stroy.example');
      expect(after?.subject).toBe('Бетон для ЖК Север');
    });

    it('makes every correspondent a contact, and merges two addresses of one person', async () => {
      const list = (await cli('contact', 'list', 'пётр')).stdout + (await cli('contact', 'list', 'petr.ivanov')).stdout;
      const work = /#(\d+) {2}Пётр {2}<petr@stroy.example>/.exec(list);
      const personal = /#(\d+) {2}P\. Ivanov {2}<petr\.ivanov@gmail\.example>/.exec(list);
      expect(work && personal).toBeTruthy();
      expect((await cli('contact', 'merge', work?.[1] as string, personal?.[1] as string)).code).toBe(0);
      expect((await cli('contact', 'add-phone', work?.[1] as string, '+7 (912) 345-67-89')).code).toBe(0);
      const shown = (await cli('contact', 'show', work?.[1] as string)).stdout;
      expect(shown).toContain('addresses: petr.ivanov@gmail.example, petr@stroy.example');
      expect(shown).toContain('phones: +79123456789');
      expect(shown).toContain('Личное');
      expect(shown).toContain('Заявка на бетон');
    });

    it('re-runs rules over existing mail on demand', async () => {
      expect((await cli('subject', 'add', 'Рассылки')).code).toBe(0);
      await cli(
        'rule',
        'add',
        '--name',
        'news',
        '--from',
        'shop.example',
        '--set-subject',
        'Рассылки',
        '--mark-reviewed',
      );
      expect((await cli('rule', 'run')).stdout).toMatch(/Rules matched [1-9]\d* letters/);
      const news = (await exported()).find((l) => l.messageId === 'news@shop.example');
      expect(news?.subject).toBe('Рассылки');
      expect((await cli('rule', 'list')).stdout).toMatch(/1\. #\d+ sales: .*2\. #\d+ news/s);
    });

    it('lists by account, server folder, direction and period', async () => {
      // The account says which folders it holds letters from, for the list's folder filter.
      const service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
      try {
        expect((await service.listAccounts()).map((a) => [a.name, a.folders, a.timeoutMs])).toEqual([
          ['Work', ['INBOX', 'Sent'], 30_000],
        ]);
      } finally {
        await service.close();
      }
      const journal = Journal.open(db);
      try {
        const titles = (filter: Omit<Parameters<typeof journal.interactions.list>[0], 'limit'>) =>
          journal.interactions.list({ limit: 100, ...filter }).map((r) => r.messageId);
        const account = journal.accounts.byName('Work')?.id as number;
        expect(titles({ accountId: account, folder: 'Sent' })).toEqual(['kp@mycompany.ru']);
        expect(titles({ folder: 'INBOX' })).toHaveLength(4);
        expect(titles({ direction: 'out' })).toEqual(['kp@mycompany.ru']);
        expect(titles({ accountId: account + 1 })).toEqual([]);
        const all = journal.interactions.list({ limit: 100 });
        const middle = all[2]?.date as string;
        const newer = titles({ since: middle });
        const older = titles({ before: middle });
        expect(newer.length + older.length).toBe(all.length);
        expect(newer).toContain(all[2]?.messageId);
        expect(older).not.toContain(all[2]?.messageId);
      } finally {
        journal.close();
      }
    });

    it('deletes a letter from the journal only: the server keeps it and the next sync does not bring it back', async () => {
      const news = (await exported()).find((l) => l.messageId === 'news@shop.example');
      const deleted = await cli('delete', String(news?.id), '999999');
      expect(deleted.stdout).toContain('Deleted 1 of 2 from the journal.');
      expect(deleted.code).toBe(1);
      expect((await exported()).map((l) => l.messageId)).not.toContain('news@shop.example');
      expect((await cli('search', 'Акция')).stdout).not.toContain('Скидки');
      expect((await cli('sync')).code).toBe(0);
      expect((await exported()).map((l) => l.messageId)).not.toContain('news@shop.example');
      const onServer = fs.readdirSync(path.join(server.mailRoot(USER), 'cur'));
      expect(onServer.length + fs.readdirSync(path.join(server.mailRoot(USER), 'new')).length).toBe(4);
    });
  },
);
