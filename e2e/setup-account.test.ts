import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SetupResult } from '../core/api.js';
import { InterlogError } from '../core/errors.js';
import { JournalService } from '../core/journal-service.js';
import { FileSecretStore } from '../core/secrets/file-secret-store.js';
import type { CheckStep } from '../core/setup/check.js';
import { runCli } from './fixtures/cli.js';
import { localNetwork, startDns, type TestDns } from './fixtures/dns-server.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';
import { type DovecotServer, dovecotAvailable, signIns, startDovecot } from './support/dovecot.js';

const available = dovecotAvailable();
// Distinctive, so finding it in a file cannot be a coincidence.
const PASSWORD = 'Pa55-zq7391-unique-secret';
const USERS = [
  'olga@firm.test',
  'user@yandex.ru',
  'pop@firm.test',
  'cli@firm.test',
  'spa@firm.test',
  'ann@fallback.test',
  'stop@stop.test',
];

/** Implicit TLS in front of the plain SMTP test server, with Dovecot's self-signed certificate. */
async function tlsFront(targetPort: number, key: Buffer, cert: string): Promise<tls.Server & { port: number }> {
  const server = tls.createServer({ key, cert }, (socket) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    socket.on('error', () => upstream.destroy());
    upstream.on('error', () => socket.destroy());
    socket.pipe(upstream).pipe(socket);
  });
  // A client that refuses the certificate hangs up mid-handshake.
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return Object.assign(server, { port: (server.address() as net.AddressInfo).port });
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const failed = (result: SetupResult, step: CheckStep['step']) => result.check.steps.find((s) => s.step === step);

describe.skipIf(!available.ok)(
  `account setup: check before saving, secrets, system account, CLI${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let dovecot: DovecotServer;
    let smtp: TestSmtp;
    /** Announces only PLAIN and LOGIN: no secure password authentication. */
    let plainOnlySmtp: TestSmtp;
    let smtps: tls.Server & { port: number };
    let silent: net.Server;
    let silentPort: number;
    let dns: TestDns;
    let dir: string;
    let db: string;
    let service: JournalService;

    beforeAll(async () => {
      dovecot = await startDovecot({ users: USERS.map((user) => ({ user, password: PASSWORD })), pop3: true });
      smtp = await startSmtp(Object.fromEntries(USERS.map((u) => [u, PASSWORD])));
      plainOnlySmtp = await startSmtp(Object.fromEntries(USERS.map((u) => [u, PASSWORD])), {
        authMethods: ['PLAIN', 'LOGIN'],
      });
      smtps = await tlsFront(smtp.port, fs.readFileSync(path.join(dovecot.root, 'key.pem')), dovecot.caPem);
      silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      silentPort = (silent.address() as net.AddressInfo).port;
      const refusing = await closedPort();
      // firm.test publishes its servers the RFC 6186 / 8314 way; the targets are this machine. fallback.test names
      // a closed port and a silent one first, each before a working server; stop.test offers IMAP, then POP3.
      dns = await startDns({
        '_imaps._tcp.firm.test': { SRV: [{ target: '127.0.0.1', port: dovecot.imapsPort }] },
        '_submissions._tcp.firm.test': { SRV: [{ target: '127.0.0.1', port: smtps.port }] },
        '_imaps._tcp.fallback.test': {
          SRV: [
            { target: '127.0.0.1', port: refusing, priority: 0 },
            { target: '127.0.0.1', port: dovecot.imapsPort, priority: 10 },
          ],
        },
        '_submissions._tcp.fallback.test': {
          SRV: [
            { target: '127.0.0.1', port: silentPort, priority: 0 },
            { target: '127.0.0.1', port: smtps.port, priority: 10 },
          ],
        },
        '_imaps._tcp.stop.test': { SRV: [{ target: '127.0.0.1', port: dovecot.imapsPort }] },
        '_pop3s._tcp.stop.test': { SRV: [{ target: '127.0.0.1', port: dovecot.pop3sPort as number }] },
        '_submissions._tcp.stop.test': { SRV: [{ target: '127.0.0.1', port: smtps.port }] },
      });
    });
    afterAll(async () => {
      await dns?.close();
      silent?.close();
      await new Promise<void>((resolve) => (smtps ? smtps.close(() => resolve()) : resolve()));
      await smtp?.close();
      await plainOnlySmtp?.close();
      await dovecot?.stop();
    });

    beforeEach(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-setup-'));
      db = path.join(dir, 'journal.db');
      service = new JournalService({
        dbFile: db,
        secrets: FileSecretStore.besideJournal(db),
        setup: { network: localNetwork({ dnsPort: dns.port }), ispdbUrl: null },
      });
      smtp.received.length = 0;
      smtp.behaviour.refuse.clear();
    });
    afterEach(async () => {
      await service.close();
      fs.rmSync(dir, { recursive: true, force: true });
    });

    /** The three steps by hand, against the local servers. */
    const manual = (email: string, password = PASSWORD) => ({
      email,
      password,
      acceptSelfSigned: true,
      outgoing: { username: email, host: '127.0.0.1', port: smtps.port, security: 'tls' as const },
      incoming: {
        protocol: 'imap' as const,
        username: email,
        host: '127.0.0.1',
        port: dovecot.imapsPort,
        security: 'tls' as const,
      },
    });

    it('detects by SRV, refuses the self-signed certificates, and saves nothing', async () => {
      const result = await service.setupAccount({
        email: 'olga@firm.test',
        password: PASSWORD,
        auto: true,
        name: 'Firm',
      });
      expect(result.saved).toBe(false);
      expect(result.detection?.source).toBe('srv');
      expect(failed(result, 'incoming')?.error).toMatchObject({ kind: 'tls', hint: 'certificate' });
      expect(failed(result, 'outgoing')?.error).toMatchObject({ kind: 'tls', hint: 'certificate' });
      expect(await service.listAccounts()).toEqual([]);
      expect(fs.existsSync(`${db}.secrets`)).toBe(false);
      expect(smtp.received).toEqual([]);
    });

    it('with the certificates accepted: a test letter to itself, a sign-in, then saved; no password in the journal', async () => {
      const result = await service.setupAccount({
        email: 'olga@firm.test',
        password: PASSWORD,
        auto: true,
        name: 'Firm',
        senderName: 'Ольга Петрова',
        acceptSelfSigned: true,
      });
      expect(result.check.steps.map((s) => [s.step, s.ok])).toEqual([
        ['incoming', true],
        ['outgoing', true],
      ]);
      if (!result.saved) throw new Error('not saved');
      expect(result.account).toMatchObject({
        name: 'Firm',
        protocol: 'imap',
        port: dovecot.imapsPort,
        isSystem: false,
      });
      expect(smtp.received).toHaveLength(1);
      const letter = smtp.received[0];
      expect(letter?.to).toEqual(['olga@firm.test']);
      expect(letter?.from).toBe('olga@firm.test');
      expect(letter?.user).toBe('olga@firm.test');
      expect(letter?.raw.toString()).toMatch(/^Auto-Submitted: auto-generated\r\n/);
      expect(letter?.raw.toString()).toContain(`<${result.check.testLetter?.messageId}>`);

      // The journal, its WAL and shared memory never hold the password, in UTF-8 or UTF-16; the secrets file
      // holds it only encrypted.
      await service.close();
      const needles = [Buffer.from(PASSWORD, 'utf8'), Buffer.from(PASSWORD, 'utf16le')];
      const files = [db, `${db}-wal`, `${db}-shm`, `${db}.secrets`].filter((f) => fs.existsSync(f));
      expect(files).toContain(`${db}.secrets`);
      for (const file of files) {
        const bytes = fs.readFileSync(file);
        for (const needle of needles) expect(bytes.includes(needle), file).toBe(false);
      }
      service = new JournalService({ dbFile: db, secrets: FileSecretStore.besideJournal(db) });
      // The stored password is the one that works: the same check again, for the saved account.
      const check = await service.checkAccount({ name: 'Firm' });
      expect(check.ok).toBe(true);
      expect(smtp.received).toHaveLength(2);
    });

    it('checks a saved account the same way, with the refusal of the test letter explained', async () => {
      const added = await service.setupAccount({ ...manual('olga@firm.test'), name: 'Firm' });
      expect(added.saved).toBe(true);
      smtp.behaviour.refuse.add('olga@firm.test');
      const check = await service.checkAccount({ name: 'Firm' });
      expect(check.ok).toBe(false);
      const outgoing = check.steps.find((s) => s.step === 'outgoing');
      expect(outgoing?.error).toMatchObject({ kind: 'relay-denied', hint: 'letter-refused' });
      expect(outgoing?.error?.serverSaid).toMatch(/550 5\.7\.1 Relaying denied/);
      expect(check.steps.find((s) => s.step === 'incoming')?.ok).toBe(true);
    });

    it('a wrong password: both steps fail with the servers’ own words and a hint; nothing is saved', async () => {
      const result = await service.setupAccount(manual('olga@firm.test', 'wrong-password'));
      expect(result.saved).toBe(false);
      const incoming = failed(result, 'incoming')?.error;
      expect(incoming).toMatchObject({ kind: 'auth', hint: 'wrong-password' });
      expect(incoming?.serverSaid).toMatch(/Authentication failed/);
      const outgoing = failed(result, 'outgoing')?.error;
      expect(outgoing).toMatchObject({ kind: 'auth', hint: 'wrong-password' });
      expect(outgoing?.serverSaid).toMatch(/535 5\.7\.8 Authentication credentials invalid/);
      expect(await service.listAccounts()).toEqual([]);
    });

    it('a refused password at a provider that needs app passwords says so', async () => {
      const result = await service.setupAccount(manual('user@yandex.ru', 'my-web-password'));
      const incoming = failed(result, 'incoming')?.error;
      expect(incoming?.hint).toBe('app-password');
      expect(incoming?.advice).toMatch(/Yandex Mail accepts only an app password/);
    });

    it('a closed port and a silent one: port-blocked and timeout', async () => {
      const input = manual('olga@firm.test');
      const began = performance.now();
      const result = await service.setupAccount({
        ...input,
        timeoutSeconds: 1,
        incoming: { ...input.incoming, port: await closedPort() },
        outgoing: { ...input.outgoing, port: silentPort },
      });
      expect(performance.now() - began).toBeLessThan(5000);
      expect(failed(result, 'incoming')?.error).toMatchObject({ kind: 'connection-refused', hint: 'port-blocked' });
      expect(failed(result, 'incoming')?.error?.advice).toMatch(/993 \(TLS\) or 143 \(STARTTLS\)/);
      expect(failed(result, 'outgoing')?.error).toMatchObject({ kind: 'timeout', hint: 'timeout' });

      // And the other way round: SMTP's closed port is a blocked port too, not a lost connection.
      const swapped = await service.setupAccount({
        ...input,
        timeoutSeconds: 1,
        incoming: { ...input.incoming, port: silentPort },
        outgoing: { ...input.outgoing, port: await closedPort() },
      });
      expect(failed(swapped, 'outgoing')?.error).toMatchObject({ kind: 'connection-refused', hint: 'port-blocked' });
      expect(failed(swapped, 'outgoing')?.error?.advice).toMatch(/465 \(TLS\) or 587 \(STARTTLS\)/);
      expect(failed(swapped, 'incoming')?.error).toMatchObject({ kind: 'timeout', hint: 'timeout' });
    });

    it('the three-step form: pre-filled from detection, else the usual names; its values save', async () => {
      const form = await service.accountSetupForm({ email: 'olga@firm.test' });
      expect(form.steps.map((s) => s.id)).toEqual(['outgoing', 'incoming', 'account']);
      expect(form.steps.flatMap((s) => s.fields.map((f) => f.key))).toEqual([
        'outgoing.username',
        'outgoing.password',
        'outgoing.securePasswordAuth',
        'outgoing.host',
        'outgoing.port',
        'outgoing.security',
        'outgoing.popBeforeSmtp',
        'incoming.username',
        'incoming.password',
        'incoming.securePasswordAuth',
        'incoming.host',
        'incoming.protocol',
        'incoming.port',
        'incoming.security',
        'incoming.leaveOnServer',
        'incoming.deleteAfterDays',
        'name',
        'timeoutSeconds',
      ]);
      expect(form.detection?.source).toBe('srv');
      expect(form.values.incoming).toMatchObject({ host: '127.0.0.1', port: dovecot.imapsPort, security: 'tls' });
      expect(form.values.outgoing).toMatchObject({ host: '127.0.0.1', port: smtps.port, security: 'tls' });
      expect(form.values).toMatchObject({ name: 'olga@firm.test', timeoutSeconds: 30 });

      const unknown = await service.accountSetupForm({ email: 'a@unknown.test', system: true });
      expect(unknown.detection).toBeNull();
      expect(unknown.values.incoming).toMatchObject({ protocol: 'imap', host: 'imap.unknown.test', port: 993 });
      expect(unknown.values.outgoing).toMatchObject({ host: 'smtp.unknown.test', port: 465, security: 'tls' });
      expect(unknown.values.name).toBe('System account');

      const saved = await service.setupAccount({ ...form.values, password: PASSWORD, acceptSelfSigned: true });
      expect(saved.saved).toBe(true);
      expect((await service.listAccounts()).map((a) => a.name)).toEqual(['olga@firm.test']);
    });

    it('a POP3 account through the form: signs in with POP3 and keeps the leave-on-server choice', async () => {
      const input = manual('pop@firm.test');
      const result = await service.setupAccount({
        ...input,
        name: 'Pop',
        incoming: {
          ...input.incoming,
          protocol: 'pop3',
          port: dovecot.pop3sPort as number,
          leaveOnServer: true,
          deleteAfterDays: 10,
        },
      });
      expect(result.check.steps.find((s) => s.step === 'incoming')).toMatchObject({ ok: true });
      expect(result.saved && result.account).toMatchObject({
        protocol: 'pop3',
        leaveOnServer: true,
        deleteAfterDays: 10,
      });
    });

    it('the system account: a clear answer when none is set up, one at a time, only with an outgoing server', async () => {
      const missing = await service.systemAccount({}).catch((e: unknown) => e);
      expect(missing).toBeInstanceOf(InterlogError);
      expect((missing as InterlogError).kind).toBe('not-configured');
      expect((missing as InterlogError).message).toMatch(/system account is not set up/);

      const input = manual('olga@firm.test');
      await service.addAccount({
        name: 'Receive only',
        email: 'olga@firm.test',
        protocol: 'imap',
        host: '127.0.0.1',
        port: dovecot.imapsPort,
        security: 'tls',
        username: 'olga@firm.test',
        password: PASSWORD,
        acceptSelfSigned: true,
      });
      await expect(service.setSystemAccount({ name: 'Receive only' })).rejects.toMatchObject({ kind: 'invalid-input' });

      const first = await service.setupAccount({ ...input, name: 'First', system: true });
      expect(first.saved && first.account.isSystem).toBe(true);
      expect((await service.systemAccount({})).name).toBe('First');
      await service.setupAccount({ ...input, name: 'Second' });
      await service.setSystemAccount({ name: 'Second' });
      const accounts = await service.listAccounts();
      expect(accounts.filter((a) => a.isSystem).map((a) => a.name)).toEqual(['Second']);
    });

    it('automatic setup: a detected server that is refused or silent gives way to the next; the tried ones are listed', async () => {
      const result = await service.setupAccount({
        email: 'ann@fallback.test',
        password: PASSWORD,
        auto: true,
        acceptSelfSigned: true,
        // The silent port costs this long before the next server is tried.
        timeoutSeconds: 5,
      });
      expect(result.detection?.incoming.map((s) => s.port)).toEqual([expect.any(Number), dovecot.imapsPort]);
      const incoming = failed(result, 'incoming');
      const outgoing = failed(result, 'outgoing');
      expect(incoming).toMatchObject({ ok: true, server: `imap://127.0.0.1:${dovecot.imapsPort} (tls)` });
      expect(incoming?.tried?.map((t) => [t.server, t.error.hint])).toEqual([
        [`imap://127.0.0.1:${result.detection?.incoming[0]?.port} (tls)`, 'port-blocked'],
      ]);
      expect(outgoing).toMatchObject({ ok: true, server: `smtp://127.0.0.1:${smtps.port} (tls)` });
      expect(outgoing?.tried?.map((t) => [t.server, t.error.hint])).toEqual([
        [`smtp://127.0.0.1:${silentPort} (tls)`, 'timeout'],
      ]);
      // The account keeps the servers that worked, and one test letter went out.
      expect(result.saved && result.account).toMatchObject({ port: dovecot.imapsPort });
      expect(service.journal.accounts.byName('ann@fallback.test')?.smtp?.port).toBe(smtps.port);
      expect(smtp.received.map((l) => l.to)).toEqual([['ann@fallback.test']]);
    });

    it('automatic setup: a wrong password is not tried on the next detected server', async () => {
      const result = await service.setupAccount({
        email: 'stop@stop.test',
        password: 'wrong-password',
        auto: true,
        acceptSelfSigned: true,
      });
      expect(result.detection?.incoming.map((s) => s.protocol)).toEqual(['imap', 'pop3']);
      const incoming = failed(result, 'incoming');
      expect(incoming).toMatchObject({ ok: false, server: `imap://127.0.0.1:${dovecot.imapsPort} (tls)` });
      expect(incoming?.error?.hint).toBe('wrong-password');
      expect(incoming?.tried).toBeUndefined();
      // Dovecot saw the one IMAP attempt and no POP3 one. Its auth process logs each attempt at once; the login
      // process logs it only when it closes the connection, after its failure delay.
      await expect.poll(() => dovecot.log(), { timeout: 15_000 }).toMatch(/imap-login: .*user=<stop@stop\.test>/);
      expect(dovecot.log().match(/passwd-file\(stop@stop\.test,/g)).toHaveLength(1);
      expect(dovecot.log()).not.toMatch(/pop3-login: .*user=<stop@stop\.test>/);
      expect(await service.listAccounts()).toEqual([]);
    });

    describe('secure password authentication (seed 004)', () => {
      const spa = (email: string, pop3Port: number) => {
        const input = manual(email);
        return {
          ...input,
          name: 'Spa',
          outgoing: { ...input.outgoing, securePasswordAuth: true },
          incoming: { ...input.incoming, protocol: 'pop3' as const, port: pop3Port, securePasswordAuth: true },
        };
      };

      it('POP3 by CRAM-MD5 and SMTP by CRAM-MD5: the password never sent, the setting kept for later checks', async () => {
        // On the plain SMTP port, where a PLAIN login would show the password to anyone on the path.
        const input = spa('spa@firm.test', dovecot.pop3sPort as number);
        const result = await service.setupAccount({
          ...input,
          outgoing: { ...input.outgoing, port: smtp.port, security: 'none' },
        });
        expect(result.check.steps.map((s) => [s.step, s.ok, s.error?.message])).toEqual([
          ['incoming', true, undefined],
          ['outgoing', true, undefined],
        ]);
        expect(result.saved).toBe(true);
        expect(signIns(dovecot, 'spa@firm.test')).toEqual(['pop3 CRAM-MD5']);
        expect(smtp.logins.filter((l) => l.user === 'spa@firm.test')).toEqual([
          { user: 'spa@firm.test', method: 'CRAM-MD5', ok: true },
        ]);
        expect(service.journal.accounts.byName('Spa')).toMatchObject({
          securePasswordAuth: true,
          smtp: { securePasswordAuth: true },
        });
        expect((await service.checkAccount({ name: 'Spa' })).ok).toBe(true);
        expect(signIns(dovecot, 'spa@firm.test')).toEqual(['pop3 CRAM-MD5', 'pop3 CRAM-MD5']);
        expect(smtp.logins.filter((l) => l.user === 'spa@firm.test').map((l) => l.method)).toEqual([
          'CRAM-MD5',
          'CRAM-MD5',
        ]);
        // Background sync signs in the same way.
        await service.sync({ account: 'Spa' });
        expect(signIns(dovecot, 'spa@firm.test')).toEqual(['pop3 CRAM-MD5', 'pop3 CRAM-MD5', 'pop3 CRAM-MD5']);
      });

      it('a wrong password by CRAM-MD5 is a wrong password', async () => {
        const result = await service.setupAccount({
          ...spa('spa@firm.test', dovecot.pop3sPort as number),
          password: 'nope',
        });
        expect(failed(result, 'incoming')?.error).toMatchObject({ kind: 'auth', hint: 'wrong-password' });
        expect(failed(result, 'outgoing')?.error).toMatchObject({ kind: 'auth', hint: 'wrong-password' });
        expect(failed(result, 'outgoing')?.error?.serverSaid).toMatch(/535/);
      });

      it('an SMTP server without CRAM-MD5: the check names what it offers and no AUTH is sent', async () => {
        const input = spa('spa@firm.test', dovecot.pop3sPort as number);
        const result = await service.setupAccount({
          ...input,
          outgoing: { ...input.outgoing, port: plainOnlySmtp.port, security: 'none' },
        });
        expect(result.saved).toBe(false);
        const error = failed(result, 'outgoing')?.error;
        expect(error).toMatchObject({ kind: 'auth', hint: 'secure-auth' });
        expect(error?.message).toMatch(
          /offers no secure password authentication \(AUTH CRAM-MD5\); it offers: AUTH PLAIN, AUTH LOGIN\. The password was not sent/,
        );
        expect(error?.advice).toMatch(/Turn "Secure password authentication" off/);
        expect(plainOnlySmtp.logins).toEqual([]);
      });

      it('IMAP: refused with the reason (the IMAP client cannot), naming what the server offers; no sign-in', async () => {
        const input = manual('spa@firm.test');
        const result = await service.setupAccount({
          ...input,
          incoming: { ...input.incoming, securePasswordAuth: true },
        });
        const error = failed(result, 'incoming')?.error;
        expect(error).toMatchObject({ kind: 'auth', hint: 'secure-auth' });
        expect(error?.message).toMatch(
          /not possible with 127\.0\.0\.1:\d+ over IMAP: the server offers a challenge-response mechanism, but Interlog's IMAP client \(imapflow\) cannot use it/,
        );
        expect(error?.message).toMatch(/AUTH=CRAM-MD5/);
        expect(error?.advice).toMatch(/receive by POP3/);
        expect(signIns(dovecot, 'spa@firm.test').filter((l) => l?.startsWith('imap'))).toEqual([]);
        // The form says so before the user tries.
        const form = await service.accountSetupForm({ email: 'spa@firm.test' });
        const field = form.steps[1]?.fields.find((f) => f.key === 'incoming.securePasswordAuth');
        expect(field).toMatchObject({ type: 'boolean', label: 'Secure password authentication' });
        expect(field?.hint).toMatch(/IMAP: not possible/);
      });

      describe('other Dovecot configurations', () => {
        let apop: DovecotServer;
        let plainOnly: DovecotServer;
        const users = [{ user: 'spa@firm.test', password: PASSWORD }];
        beforeAll(async () => {
          [apop, plainOnly] = await Promise.all([
            startDovecot({ users, pop3: true, extraConfig: 'auth_mechanisms = plain login apop' }),
            startDovecot({ users, pop3: true, extraConfig: 'auth_mechanisms = plain login' }),
          ]);
        });
        afterAll(async () => {
          await Promise.all([apop?.stop(), plainOnly?.stop()]);
        });

        it('POP3 by APOP when the greeting carries a challenge', async () => {
          const result = await service.setupAccount(spa('spa@firm.test', apop.pop3sPort as number));
          expect(failed(result, 'incoming')).toMatchObject({ ok: true });
          expect(signIns(apop, 'spa@firm.test')).toEqual(['pop3 APOP']);
        });

        it('a POP3 server with neither APOP nor CRAM-MD5: the check names what it offers, and nothing is sent', async () => {
          const result = await service.setupAccount(spa('spa@firm.test', plainOnly.pop3sPort as number));
          expect(result.saved).toBe(false);
          const error = failed(result, 'incoming')?.error;
          expect(error).toMatchObject({ kind: 'auth', hint: 'secure-auth' });
          expect(error?.message).toMatch(
            /offers no secure password authentication \(APOP or SASL CRAM-MD5\); it offers: USER\/PASS, SASL PLAIN LOGIN\. The password was not sent/,
          );
          expect(plainOnly.log()).not.toMatch(/user=<spa@firm\.test>/);
        });
      });
    });

    // Runs bin/interlog.js, so it needs `tsc -p tsconfig.build.json` first, as `npm test` does.
    describe('CLI', () => {
      const cli = (args: string[]) =>
        runCli(['--db', db, ...args], { env: { INTERLOG_DNS_SERVERS: `127.0.0.1:${dns.port}`, PW: PASSWORD } });

      it('detect prints what was found and from where; nothing found is exit 1', async () => {
        const found = await cli(['account', 'detect', 'cli@firm.test']);
        expect(found.code).toBe(0);
        expect(found.stdout).toContain('Found by DNS SRV: _imaps._tcp.firm.test, _submissions._tcp.firm.test');
        expect(found.stdout).toContain(`Incoming: imap 127.0.0.1:${dovecot.imapsPort} (tls), user cli@firm.test`);
        expect(found.stdout).toMatch(/Tried: providers nothing, autoconfig \w+, ispdb \w+, srv found/);
        const nothing = await cli(['account', 'detect', 'a@nowhere.test']);
        expect(nothing.code).toBe(1);
        expect(nothing.stderr).toMatch(/no servers found for a@nowhere\.test/);
      });

      it('add --auto names the detected servers it gave up on before the ones that worked', async () => {
        const added = await cli([
          ...['account', 'add', '--auto', '--name', 'Ann', '--email', 'ann@fallback.test', '--password-env', 'PW'],
          ...['--accept-self-signed', '--timeout', '5'],
        ]);
        expect(added.code).toBe(0);
        expect(added.stdout).toMatch(
          /incoming: imap:\/\/127\.0\.0\.1:\d+ \(tls\) given up \(port-blocked\): Nothing answers/,
        );
        expect(added.stdout).toContain(`outgoing: smtp://127.0.0.1:${silentPort} (tls) given up (timeout)`);
        expect(added.stdout).toContain(`incoming: imap://127.0.0.1:${dovecot.imapsPort} (tls) ok`);
      });

      it('add --auto checks before saving; check, system and list', async () => {
        const add = ['account', 'add', '--auto', '--name', 'Cli', '--email', 'cli@firm.test', '--password-env', 'PW'];
        const refused = await cli(add);
        expect(refused.code).toBe(1);
        expect(refused.stderr).toMatch(/incoming: imap:\/\/127\.0\.0\.1:\d+ \(tls\) FAILED \(certificate\)/);
        expect(refused.stderr).toContain('the account was not saved');

        const none = await cli(['account', 'system']);
        expect(none.code).toBe(1);
        expect(none.stderr).toMatch(/system account is not set up/);

        const added = await cli([...add, '--accept-self-signed', '--system']);
        expect(added.stderr).toBe('');
        expect(added.code).toBe(0);
        expect(added.stdout).toMatch(/Test letter <.+> accepted: 250/);
        expect(added.stdout).toContain('Added account "Cli" (cli@firm.test');
        expect(added.stdout).toContain('as the system account');

        const check = await cli(['account', 'check', 'Cli']);
        expect(check.code).toBe(0);
        expect(check.stdout).toMatch(/incoming: imap:\/\/127\.0\.0\.1:\d+ \(tls\) ok/);
        expect(check.stdout).toMatch(/outgoing: smtp:\/\/127\.0\.0\.1:\d+ \(tls\) ok/);
        expect((await cli(['account', 'system'])).stdout).toContain('The system account is "Cli"');
        expect((await cli(['account', 'list'])).stdout).toMatch(/^Cli\t.*\tsystem account$/m);
      });
    });
  },
);
