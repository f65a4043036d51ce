import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DetectOptions, detectServers } from '../core/setup/detect.js';
import type { Detection } from '../core/setup/types.js';
import { type AutoconfigServer, clientConfig, startAutoconfig } from './fixtures/autoconfig-server.js';
import { localNetwork, startDns, type TestDns } from './fixtures/dns-server.js';
import { startSmtp, type TestSmtp } from './fixtures/smtp.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './support/dovecot.js';

const available = dovecotAvailable();
const ISPDB = 'https://ispdb.test/v1.1/';
const SRV_NAMES = ['_imaps', '_imap', '_pop3s', '_pop3', '_submissions', '_submission'];

const hosts = (domain: string, prefixes: string[]) =>
  Object.fromEntries(prefixes.map((p) => [`${p}.${domain}`, { A: ['127.0.0.1'] }]));

function listen(server: SMTPServer): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.server.address() as net.AddressInfo).port)),
  );
}

describe.skipIf(!available.ok)(
  `server detection against local DNS, HTTP, Dovecot and SMTP${available.ok ? '' : ` (skipped: ${available.reason})`}`,
  () => {
    let dovecot: DovecotServer;
    let dns: TestDns;
    let web: AutoconfigServer;
    let plainSmtp: TestSmtp;
    let tlsSmtp: SMTPServer;
    let starttlsSmtp: SMTPServer;
    let silent: net.Server;
    const ports = { tlsSmtp: 0, starttlsSmtp: 0, silent: 0 };

    beforeAll(async () => {
      dovecot = await startDovecot({ users: [{ user: 'a@guess.test', password: 'x' }], pop3: true });
      const tls = { key: fs.readFileSync(path.join(dovecot.root, 'key.pem')), cert: dovecot.caPem };
      tlsSmtp = new SMTPServer({ ...tls, secure: true, authOptional: true, logger: false });
      starttlsSmtp = new SMTPServer({ ...tls, authOptional: true, logger: false });
      // Probes hang up mid-handshake on purpose; the servers report it as an error event.
      for (const server of [tlsSmtp, starttlsSmtp]) server.on('error', () => {});
      ports.tlsSmtp = await listen(tlsSmtp);
      ports.starttlsSmtp = await listen(starttlsSmtp);
      plainSmtp = await startSmtp({});
      // Accepts connections and never says a word: a port a firewall swallows.
      silent = net.createServer(() => {});
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      ports.silent = (silent.address() as net.AddressInfo).port;
      dns = await startDns();
      web = await startAutoconfig();
    });
    afterAll(async () => {
      await web?.close();
      await dns?.close();
      silent?.close();
      await plainSmtp?.close();
      await new Promise<void>((resolve) => (tlsSmtp ? tlsSmtp.close(() => resolve()) : resolve()));
      await new Promise<void>((resolve) => (starttlsSmtp ? starttlsSmtp.close(() => resolve()) : resolve()));
      await dovecot?.stop();
    });

    /** Every usual port of the guessed names of `domain`, onto the local servers. */
    const guessPorts = (domain: string) => ({
      [`imap.${domain}:993`]: dovecot.imapsPort,
      [`imap.${domain}:143`]: dovecot.imapPort,
      [`pop3.${domain}:995`]: dovecot.pop3sPort as number,
      [`pop3.${domain}:110`]: dovecot.pop3Port as number,
      [`smtp.${domain}:465`]: ports.tlsSmtp,
      [`smtp.${domain}:587`]: ports.starttlsSmtp,
      [`smtp.${domain}:25`]: plainSmtp.port,
    });

    const detect = (
      email: string,
      network: { ports?: Record<string, number> } = {},
      options: Partial<DetectOptions> = {},
    ): Promise<Detection | null> =>
      detectServers(email, {
        network: localNetwork({ dnsPort: dns.port, httpPort: web.port, ...network }),
        ispdbUrl: ISPDB,
        ...options,
      });

    it('(a) the provider table answers alone, asking the network nothing', async () => {
      const queries = dns.queries.length;
      const requests = web.requests.length;
      const found = await detect('ivan@inbox.ru');
      expect(found?.source).toBe('providers');
      expect(found?.incoming[0]).toMatchObject({ host: 'imap.mail.ru', port: 993, security: 'tls' });
      expect(found?.notes.join(' ')).toMatch(/external applications/);
      expect(dns.queries.length).toBe(queries);
      expect(web.requests.length).toBe(requests);
    });

    it('(b) autoconfig.<domain> over HTTPS, with the address only in the HTTPS query', async () => {
      web.routes.set('https://autoconfig.auto.test/mail/config-v1.1.xml', {
        delayMs: 100,
        body: clientConfig('auto.test', [
          { type: 'imap', host: 'imap.auto.test', port: 993, socketType: 'SSL' },
          { type: 'smtp', host: 'smtp.auto.test', port: 465, socketType: 'SSL', username: '%EMAILLOCALPART%' },
        ]),
      });
      const found = await detect('olga@auto.test');
      expect(found?.source).toBe('autoconfig');
      expect(found?.detail).toBe('https://autoconfig.auto.test/mail/config-v1.1.xml?emailaddress=olga%40auto.test');
      expect(found?.incoming[0]).toMatchObject({ host: 'imap.auto.test', username: 'olga@auto.test' });
      expect(found?.outgoing[0]).toMatchObject({ host: 'smtp.auto.test', username: 'olga' });
      expect(web.requests).toContain('http://autoconfig.auto.test/mail/config-v1.1.xml');
    });

    it('(b) broken XML at autoconfig.<domain> falls through to /.well-known', async () => {
      web.routes.set('https://autoconfig.wellknown.test/mail/config-v1.1.xml', {
        body: '<clientConfig version="1.1"><emailProvider id="x"><incomingServer type="imap">',
      });
      web.routes.set('https://wellknown.test/.well-known/autoconfig/mail/config-v1.1.xml', {
        body: clientConfig('wellknown.test', [
          { type: 'imap', host: 'mail.wellknown.test', port: 143, socketType: 'STARTTLS' },
          { type: 'smtp', host: 'mail.wellknown.test', port: 587, socketType: 'STARTTLS' },
        ]),
      });
      const found = await detect('a@wellknown.test');
      expect(found?.source).toBe('autoconfig');
      expect(found?.detail).toMatch(/^https:\/\/wellknown\.test\/\.well-known\//);
      expect(found?.incoming[0]).toMatchObject({ host: 'mail.wellknown.test', port: 143, security: 'starttls' });
    });

    it('(b) a slow autoconfig server costs its timeout, then the ISPDB answers', async () => {
      web.routes.set('https://autoconfig.slow.test/mail/config-v1.1.xml', { delayMs: 10_000, body: 'late' });
      web.routes.set('http://autoconfig.slow.test/mail/config-v1.1.xml', { hang: true });
      web.routes.set(`${ISPDB}slow.test`, {
        body: clientConfig('slow.test', [
          { type: 'pop3', host: 'pop.slow.test', port: 995, socketType: 'SSL' },
          { type: 'smtp', host: 'smtp.slow.test', port: 465, socketType: 'SSL' },
        ]),
      });
      const began = performance.now();
      const found = await detect('a@slow.test', {}, { stepTimeoutMs: 600 });
      const elapsed = performance.now() - began;
      expect(found?.source).toBe('ispdb');
      expect(found?.incoming[0]).toMatchObject({ protocol: 'pop3', host: 'pop.slow.test' });
      expect(found?.attempts.find((a) => a.source === 'autoconfig')?.outcome).toBe('timeout');
      expect(elapsed).toBeGreaterThan(550);
      expect(elapsed).toBeLessThan(2000);
    });

    it('(c) DNS SRV records, with "." meaning "not offered"', async () => {
      Object.assign(dns.zone, {
        '_imaps._tcp.srv.test': {
          SRV: [
            { target: 'imap2.srv.test', port: 993, priority: 20 },
            { target: 'imap1.srv.test', port: 1993, priority: 10 },
          ],
        },
        '_pop3s._tcp.srv.test': { SRV: [{ target: '.', port: 0 }] },
        '_submission._tcp.srv.test': { SRV: [{ target: 'smtp.srv.test', port: 587 }] },
      });
      const found = await detect('a@srv.test');
      expect(found?.source).toBe('srv');
      expect(found?.incoming.map((s) => `${s.host}:${s.port}`)).toEqual(['imap1.srv.test:1993', 'imap2.srv.test:993']);
      expect(found?.incoming.some((s) => s.protocol === 'pop3')).toBe(false);
      expect(found?.notes).toEqual([]);
      expect(found?.outgoing[0]).toMatchObject({
        host: 'smtp.srv.test',
        port: 587,
        security: 'starttls',
        username: 'a@srv.test',
      });
    });

    it('(d) a company domain whose MX is at a provider in the table', async () => {
      dns.zone['hosted.test'] = { MX: [{ exchange: 'mx.yandex.net', priority: 10 }] };
      const found = await detect('boss@hosted.test');
      expect(found?.source).toBe('mx');
      expect(found?.viaMx).toEqual({ host: 'mx.yandex.net', domain: 'yandex.net', source: 'providers' });
      expect(found?.incoming[0]).toMatchObject({ host: 'imap.yandex.ru', username: 'boss@hosted.test' });
      expect(found?.appPassword).toBe('required');
      expect(found?.notes.join(' ')).not.toMatch(/forged/);
    });

    it('(d) a company domain whose MX host publishes SRV records for its own domain', async () => {
      Object.assign(dns.zone, {
        'company.test': {
          MX: [
            { exchange: 'mx2.hoster.test', priority: 20 },
            { exchange: 'mx1.hoster.test', priority: 10 },
          ],
        },
        '_imaps._tcp.hoster.test': { SRV: [{ target: 'imap.hoster.test', port: 993 }] },
        '_submissions._tcp.hoster.test': { SRV: [{ target: 'smtp.hoster.test', port: 465 }] },
      });
      const found = await detect('a@company.test');
      expect(found?.viaMx).toEqual({ host: 'mx1.hoster.test', domain: 'hoster.test', source: 'srv' });
      expect(found?.incoming[0]).toMatchObject({ host: 'imap.hoster.test', username: 'a@company.test' });
      expect(found?.attempts.map((a) => a.source)).toEqual(expect.arrayContaining(['mx:providers', 'mx:srv']));
      // Unsigned DNS pointed outside the address's domain: the user is asked to look before the password goes there.
      expect(found?.notes.join(' ')).toMatch(/imap\.hoster\.test is outside company\.test .* can be forged/);
    });

    it('(e) probing: TLS and STARTTLS told apart by what Dovecot and SMTP answer, encrypted first', async () => {
      Object.assign(dns.zone, hosts('guess.test', ['imap', 'pop3', 'smtp']));
      const found = await detect('a@guess.test', { ports: guessPorts('guess.test') });
      expect(found?.source).toBe('guess');
      const list = (servers: Detection['incoming']) =>
        servers.map((s) => `${s.protocol} ${s.host}:${s.port} ${s.security}`);
      expect(list(found?.incoming ?? [])).toEqual([
        'imap imap.guess.test:993 tls',
        'imap imap.guess.test:143 starttls',
        'pop3 pop3.guess.test:995 tls',
        'pop3 pop3.guess.test:110 starttls',
      ]);
      expect(list(found?.outgoing ?? [])).toEqual([
        'smtp smtp.guess.test:465 tls',
        'smtp smtp.guess.test:587 starttls',
        'smtp smtp.guess.test:25 none',
      ]);
      expect(found?.notes.join(' ')).toMatch(/certificate of imap\.guess\.test:993 is not trusted/);
    });

    it('(e) probing ignores a port that speaks another protocol and warns about an unencrypted one', async () => {
      Object.assign(dns.zone, hosts('plain.test', ['imap', 'smtp']));
      const found = await detect('a@plain.test', {
        ports: {
          'imap.plain.test:993': plainSmtp.port,
          'imap.plain.test:143': dovecot.imapPort,
          'smtp.plain.test:587': plainSmtp.port,
        },
      });
      expect(found?.incoming.map((s) => `${s.port} ${s.security}`)).toEqual(['143 starttls']);
      expect(found?.outgoing.map((s) => `${s.port} ${s.security}`)).toEqual(['587 none']);
      expect(found?.notes.join(' ')).toMatch(/smtp\.plain\.test:587 offers no encryption/);
    });

    it('all sources at once: the first in priority order wins and the rest are stopped', async () => {
      web.routes.set('https://autoconfig.all.test/mail/config-v1.1.xml', {
        body: clientConfig('all.test', [
          { type: 'imap', host: 'imap.all.test', port: 993, socketType: 'SSL' },
          { type: 'smtp', host: 'smtp.all.test', port: 465, socketType: 'SSL' },
        ]),
      });
      Object.assign(dns.zone, {
        ...hosts('all.test', ['imap', 'smtp']),
        '_imaps._tcp.all.test': { SRV: [{ target: 'srv-imap.all.test', port: 993 }] },
        '_submissions._tcp.all.test': { SRV: [{ target: 'srv-smtp.all.test', port: 465 }] },
      });
      const found = await detect('a@all.test', { ports: guessPorts('all.test') });
      expect(found?.source).toBe('autoconfig');
      const outcome = (source: string) => found?.attempts.find((a) => a.source === source)?.outcome;
      expect([outcome('ispdb'), outcome('srv'), outcome('mx'), outcome('guess')]).toEqual([
        'not-needed',
        'not-needed',
        'not-needed',
        'not-needed',
      ]);
    });

    it('answers within 3 s with the default limits while DNS, HTTP and some ports hang', async () => {
      for (const name of SRV_NAMES) dns.silent.add(`${name}._tcp.hang.test`);
      dns.silent.add('hang.test');
      for (const url of [
        'https://autoconfig.hang.test/mail/config-v1.1.xml',
        'http://autoconfig.hang.test/mail/config-v1.1.xml',
        'https://hang.test/.well-known/autoconfig/mail/config-v1.1.xml',
        `${ISPDB}hang.test`,
      ]) {
        web.routes.set(url, { hang: true });
      }
      Object.assign(dns.zone, hosts('hang.test', ['imap', 'pop3', 'pop', 'mail', 'smtp']));
      const swallowed = Object.fromEntries(
        ['imap', 'pop3', 'pop', 'mail', 'smtp'].flatMap((p) =>
          [993, 143, 995, 110, 465, 587, 25].map((port) => [`${p}.hang.test:${port}`, ports.silent]),
        ),
      );
      const began = performance.now();
      const found = await detect('a@hang.test', {
        ports: { ...swallowed, 'imap.hang.test:993': dovecot.imapsPort, 'smtp.hang.test:587': ports.starttlsSmtp },
      });
      const elapsed = performance.now() - began;
      expect(elapsed).toBeLessThan(3000);
      expect(found?.source).toBe('guess');
      expect(found?.incoming[0]).toMatchObject({ host: 'imap.hang.test', port: 993, security: 'tls' });
      expect(found?.outgoing[0]).toMatchObject({ host: 'smtp.hang.test', port: 587, security: 'starttls' });
      const outcome = (source: string) => found?.attempts.find((a) => a.source === source)?.outcome;
      expect([outcome('autoconfig'), outcome('ispdb'), outcome('srv'), outcome('mx')]).toEqual([
        'timeout',
        'timeout',
        'timeout',
        'timeout',
      ]);
    });

    it('finds nothing for a domain nobody serves, quickly', async () => {
      const began = performance.now();
      expect(await detect('a@nowhere.test')).toBeNull();
      expect(performance.now() - began).toBeLessThan(3000);
    });
  },
);
