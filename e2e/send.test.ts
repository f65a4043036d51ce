import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { InterlogError } from '../core/errors.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import { localImapAccount, runCli } from './fixtures/cli.js';
import { letter } from './fixtures/letters.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';
import { startFaultProxy } from './support/fault-proxy.js';
import { createFolder, seedMessages } from './support/maildir.js';

const available = dovecotAvailable();
const PASSWORD = 'secret';
const USERS = Array.from({ length: 12 }, (_, i) => `sender${i}@mycompany.ru`);

describe.skipIf(!available.ok)(
  `sending through SMTP with a copy in Sent${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let dovecot: DovecotServer;
    let smtp: TestSmtp;
    let dir: string;
    let db: string;
    let user: string;
    let service: JournalService;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: USERS.map((u) => ({ user: u, password: PASSWORD })) });
      smtp = await startSmtp(Object.fromEntries(USERS.map((u) => [u, PASSWORD])));
    });
    afterAll(async () => {
      await smtp?.close();
      await dovecot?.stop();
    });

    beforeEach(async () => {
      user = USERS.shift() as string;
      createFolder(dovecot, user, 'Sent');
      seedMessages(dovecot, user, 'INBOX', [
        {
          raw: letter({
            from: 'Ivan Petrov <ivan@client.example>',
            to: user,
            subject: 'Запрос цены',
            messageId: 'ask@client.example',
            text: 'Сколько стоит арматура?',
          }),
        },
      ]);
      Object.assign(smtp.behaviour, {
        temporaryFailures: 0,
        rcptDelayMs: 0,
        dataDelayMs: 0,
        maxSize: 50 * 1024 * 1024,
      });
      smtp.behaviour.refuse.clear();
      smtp.received.length = 0;
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-send-'));
      db = path.join(dir, 'journal.db');
      service = new JournalService({
        dbFile: db,
        secrets: FileSecretStore.besideJournal(db),
        tuning: { backoffBaseMs: 20 },
      });
    });
    afterEach(async () => {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    const addAccount = (extra: { smtpPassword?: string; smtpPort?: number; copyToSent?: boolean } = {}) =>
      service.addAccount({
        name: 'Work',
        email: user,
        protocol: 'imap',
        host: '127.0.0.1',
        port: dovecot.imapPort,
        security: 'none',
        username: user,
        password: PASSWORD,
        smtp: {
          host: '127.0.0.1',
          port: extra.smtpPort ?? smtp.port,
          security: 'none',
          ...(extra.smtpPassword ? { password: extra.smtpPassword } : {}),
        },
        senderName: 'Анна Смирнова',
        ...(extra.copyToSent === undefined ? {} : { copyToSent: extra.copyToSent }),
        verify: false,
      });

    async function sentFolder(): Promise<string[]> {
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: dovecot.imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      await client.mailboxOpen('Sent');
      const ids: string[] = [];
      for await (const m of client.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '');
      await client.logout();
      return ids;
    }

    it('sends a letter as the server receives it: headers, text, attachment, Bcc only in the envelope, a copy in Sent', async () => {
      await addAccount();
      const queued = await service.send({
        account: 'Work',
        to: ['ivan@client.example'],
        bcc: ['boss@mycompany.ru'],
        subject: 'Коммерческое предложение',
        text: 'Добрый день! КП во вложении.',
        attachments: [{ filename: 'КП №7.pdf', contentBase64: Buffer.from('%PDF-1.4 offer').toString('base64') }],
      });
      expect(queued.status).toBe('queued');
      expect(await service.sendQueued({})).toEqual({ sent: 1, failed: 0 });
      expect(smtp.received).toHaveLength(1);
      const got = smtp.received[0];
      expect(got?.to.sort()).toEqual(['boss@mycompany.ru', 'ivan@client.example']);
      expect(got?.user).toBe(user);
      const parsed = await simpleParser(got?.raw as Buffer);
      expect(parsed.from?.value).toEqual([{ name: 'Анна Смирнова', address: user }]);
      expect(parsed.subject).toBe('Коммерческое предложение');
      expect(parsed.headers.has('bcc')).toBe(false);
      expect(parsed.text?.trim()).toBe('Добрый день! КП во вложении.');
      expect(parsed.attachments.map((a) => [a.filename, a.content.toString()])).toEqual([
        ['КП №7.pdf', '%PDF-1.4 offer'],
      ]);
      const [outboxItem] = await service.listOutbox({});
      expect(outboxItem).toMatchObject({ status: 'sent', sentCopy: 'appended' });
      expect(outboxItem?.serverResponse).toMatch(/^250 2\.0\.0 Ok/);
      const record = (await service.listInteractions({ limit: 10 })).find((r) => r.id === queued.interactionId);
      expect(record?.direction).toBe('out');
      expect(`<${record?.messageId}>`).toBe(parsed.messageId);
      expect(await sentFolder()).toEqual([parsed.messageId]);
      // The copy in Sent is the same interaction on the next sync, not a second one.
      await service.sync({});
      const all = await service.listInteractions({ limit: 10 });
      expect(all).toHaveLength(2);
      expect(all.find((r) => r.id === queued.interactionId)?.folders).toEqual(['Sent']);
    });

    it('answers in the chain: threading headers, "Re:", quote, subject inherited, on control until the client replies', async () => {
      await addAccount();
      await service.sync({});
      const ask = (await service.listInteractions({ limit: 10 }))[0];
      const deal = await service.createSubject({ name: 'Арматура для Стройинвест' });
      await service.setSubject({ interactionId: ask?.id as number, subjectId: deal.id });
      const queued = await service.send({
        account: 'Work',
        text: 'Цена 50 000 за тонну.',
        replyToInteraction: ask?.id as number,
        onControl: true,
        controlDue: '2030-01-15',
      });
      await service.sendQueued({});
      const parsed = await simpleParser(smtp.received[0]?.raw as Buffer);
      expect(parsed.subject).toBe('Re: Запрос цены');
      expect(parsed.inReplyTo).toBe('<ask@client.example>');
      expect(parsed.references).toBe('<ask@client.example>');
      expect((Array.isArray(parsed.to) ? parsed.to[0] : parsed.to)?.value[0]?.address).toBe('ivan@client.example');
      expect(parsed.text).toContain('Цена 50 000 за тонну.');
      expect(parsed.text).toContain('> Сколько стоит арматура?');
      const reply = (await service.chain({ interactionId: ask?.id as number })).map((r) => [
        r.title,
        r.subject?.name,
        r.onControl,
      ]);
      expect(reply).toEqual([
        ['Запрос цены', 'Арматура для Стройинвест', false],
        ['Re: Запрос цены', 'Арматура для Стройинвест', true],
      ]);
      expect((await service.listInteractions({ limit: 10, control: 'active' })).map((r) => r.id)).toEqual([
        queued.interactionId,
      ]);
      // The client answers; the next sync brings the answer into the chain and ends the control.
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: dovecot.imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      await client.append(
        'INBOX',
        letter({
          from: 'ivan@client.example',
          to: user,
          subject: 'Re: Re: Запрос цены',
          messageId: 'answer@client.example',
          date: new Date(Date.now() + 60_000).toUTCString(),
          inReplyTo: parsed.messageId?.slice(1, -1),
          references: ['ask@client.example', parsed.messageId?.slice(1, -1) as string],
          text: 'Согласны.',
        }),
      );
      await client.logout();
      await service.sync({});
      expect(await service.listInteractions({ limit: 10, control: 'active' })).toEqual([]);
      const chain = await service.chain({ interactionId: ask?.id as number });
      expect(chain.map((r) => r.messageId)).toEqual([
        'ask@client.example',
        parsed.messageId?.slice(1, -1),
        'answer@client.example',
      ]);
      expect(chain[1]?.controlClosedAt).not.toBeNull();
    });

    it('reports a refused password with the server’s words and does not retry it', async () => {
      await addAccount({ smtpPassword: 'wrong' });
      await service.send({ account: 'Work', to: ['ivan@client.example'], subject: 'Тест', text: 'x' });
      expect(await service.sendQueued({})).toEqual({ sent: 0, failed: 1 });
      const [item] = await service.listOutbox({});
      expect(item?.status).toBe('failed');
      expect(item?.lastError).toMatch(
        /refused the user name or password.*535 5\.7\.8 Authentication credentials invalid/,
      );
      expect(item?.attempts).toBe(1);
    });

    it('reports relay denied and a letter too large, and retries a temporary failure until it goes', async () => {
      await addAccount();
      smtp.behaviour.refuse.add('nobody@elsewhere.example');
      await service.send({ account: 'Work', to: ['nobody@elsewhere.example'], subject: 'A', text: 'x' });
      await service.sendQueued({});
      smtp.behaviour.maxSize = 1000;
      await service.send({ account: 'Work', to: ['ivan@client.example'], subject: 'B', text: 'x'.repeat(5000) });
      await service.sendQueued({});
      const errors = (await service.listOutbox({})).map((o) => [o.status, o.lastError]);
      expect(errors[0]?.[0]).toBe('failed');
      expect(errors[0]?.[1]).toMatch(/would not take the letter.*550 5\.7\.1 Relaying denied/);
      expect(errors[1]?.[0]).toBe('failed');
      expect(errors[1]?.[1]).toMatch(/larger than .* accepts.*552/);

      smtp.behaviour.maxSize = 50 * 1024 * 1024;
      smtp.behaviour.temporaryFailures = 2;
      const c = await service.send({ account: 'Work', to: ['ivan@client.example'], subject: 'C', text: 'x' });
      for (let i = 0; i < 40 && smtp.received.length === 0; i++) {
        await service.sendQueued({});
        await new Promise((r) => setTimeout(r, 50));
      }
      const item = (await service.listOutbox({})).find((o) => o.id === c.id);
      expect(item?.status).toBe('sent');
      expect(item?.attempts).toBe(3);
      expect(smtp.received).toHaveLength(1);
    });

    it('sends exactly once when killed before the server had the letter, and never twice when killed after', async () => {
      const env = { PW: PASSWORD };
      const cli = (...args: string[]) => runCli(['--db', db, ...args], { env });
      await service.close();
      expect(
        (
          await cli(
            ...localImapAccount({ name: 'Work', email: user, port: dovecot.imapPort }),
            '--smtp',
            `127.0.0.1:${smtp.port}`,
            '--smtp-security',
            'none',
            '--no-verify',
          )
        ).code,
      ).toBe(0);
      const body = path.join(dir, 'body.txt');
      fs.writeFileSync(body, 'Текст письма');

      smtp.behaviour.rcptDelayMs = 3000;
      const early = await runCli(
        ['--db', db, 'send', '--account', 'Work', '--to', 'ivan@client.example', '--subject', 'Early', '--text', body],
        { env, killWhen: smtp.next('rcpt') },
      );
      expect(early.signal).toBe('SIGKILL');
      smtp.behaviour.rcptDelayMs = 0;
      // The letter was in the journal before the network step; the server never got its end.
      await new Promise((r) => setTimeout(r, 3500));
      expect(smtp.received).toHaveLength(0);
      expect((await cli('outbox', 'send')).stdout).toMatch(/1 sent, 0 failed/);
      expect(smtp.received.map((r) => simpleParser(r.raw))).toHaveLength(1);

      smtp.behaviour.dataDelayMs = 3000;
      const late = await runCli(
        ['--db', db, 'send', '--account', 'Work', '--to', 'ivan@client.example', '--subject', 'Late', '--text', body],
        { env, killWhen: smtp.next('data-end') },
      );
      expect(late.signal).toBe('SIGKILL');
      await new Promise((r) => setTimeout(r, 3500));
      smtp.behaviour.dataDelayMs = 0;
      // The server took it after the client died: the restarted outbox must not send it again, and says why.
      expect(smtp.received).toHaveLength(2);
      expect((await cli('outbox', 'send')).stdout).toMatch(/0 sent, 0 failed/);
      expect(smtp.received).toHaveLength(2);
      const listing = (await cli('outbox')).stdout;
      expect(listing).toMatch(/#2 {2}unknown {2}Late .*may have been sent/);
      expect((await cli('outbox', 'mark-sent', '2')).stdout).toMatch(/Letter #2 is sent/);
      service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
    }, 60_000);

    it('a link lost while a large letter still waits to be written sends it again, exactly once', async () => {
      const proxy = await startFaultProxy(smtp.port, '127.0.0.1', { protocol: 'smtp' });
      try {
        await addAccount({ smtpPort: proxy.port, copyToSent: false });
        // 12 MB (16 MB as base64): once the link stops taking bytes, the kernel's buffers fill and most of the letter
        // still waits in the client when the link dies. Its end was never written: the server cannot have taken it.
        const queued = await service.send({
          account: 'Work',
          to: ['ivan@client.example'],
          subject: 'Архив документов',
          text: 'Во вложении архив.',
          attachments: [
            { filename: 'archive.bin', contentBase64: Buffer.alloc(12 * 1024 * 1024, 3).toString('base64') },
          ],
        });
        const stalled = proxy.inject({ kind: 'stall', ms: 20_000, afterCommand: /archive\.bin/ });
        const attempt = service.sendQueued({});
        expect(await stalled).toBe(true);
        await new Promise((r) => setTimeout(r, 1500));
        proxy.cutAllNow();
        expect(await attempt).toEqual({ sent: 0, failed: 0 });
        const [afterCut] = await service.listOutbox({});
        expect(afterCut).toMatchObject({ id: queued.id, status: 'queued' });
        await new Promise((r) => setTimeout(r, 100));
        expect(await service.sendQueued({})).toEqual({ sent: 1, failed: 0 });
        const got = await Promise.all(smtp.received.map((r) => simpleParser(r.raw)));
        const archives = got.filter((m) => m.attachments.some((a) => a.filename === 'archive.bin'));
        expect(archives).toHaveLength(1);
        expect(archives[0]?.attachments[0]?.size).toBe(12 * 1024 * 1024);
      } finally {
        await proxy.close();
      }
    }, 60_000);

    it('forwards a letter with its files and the quoted text', async () => {
      await addAccount();
      const client = new ImapFlow({
        host: '127.0.0.1',
        port: dovecot.imapPort,
        secure: false,
        doSTARTTLS: false,
        auth: { user, pass: PASSWORD },
        logger: false,
      });
      await client.connect();
      const scan = Buffer.from('scan of the contract');
      await client.append(
        'INBOX',
        letter({
          from: 'ivan@client.example',
          to: user,
          subject: 'Договор',
          messageId: 'contract@client.example',
          text: 'Подписанный договор во вложении.',
          attachments: [{ name: 'Договор.pdf', contentType: 'application/pdf', content: scan }],
        }),
      );
      await client.logout();
      await service.sync({});
      const original = (await service.listInteractions({ limit: 10 })).find(
        (r) => r.messageId === 'contract@client.example',
      );
      await service.send({
        account: 'Work',
        to: ['lawyer@mycompany.ru'],
        text: 'Посмотри, пожалуйста.',
        forwardInteraction: original?.id as number,
      });
      await service.sendQueued({});
      const parsed = await simpleParser(smtp.received[0]?.raw as Buffer);
      expect(parsed.subject).toBe('Fwd: Договор');
      expect(parsed.inReplyTo).toBeUndefined();
      expect(parsed.references).toBe('<contract@client.example>');
      expect(parsed.text).toContain('> Подписанный договор во вложении.');
      expect(parsed.attachments.map((a) => [a.filename, a.content.equals(scan)])).toEqual([['Договор.pdf', true]]);
    });

    it('sends queued letters with the next sync, from the background worker', async () => {
      await addAccount();
      const queued = await service.send({
        account: 'Work',
        to: ['ivan@client.example'],
        subject: 'С синхронизацией',
        text: 'x',
      });
      expect(smtp.received).toHaveLength(0);
      await service.sync({});
      expect(smtp.received).toHaveLength(1);
      expect((await service.listOutbox({})).find((o) => o.id === queued.id)).toMatchObject({
        status: 'sent',
        sentCopy: 'appended',
      });
    });

    it('refuses to send from an address the account does not have', async () => {
      await addAccount();
      const error = await service
        .send({ account: 'Work', from: 'ceo@mycompany.ru', to: ['ivan@client.example'], subject: 'x', text: 'x' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InterlogError);
      expect((error as Error).message).toMatch(/not an address of this account/);
    });
  },
);
