import { describe, expect, it } from 'vitest';
import { type DetectOptions, detectServers } from './detect.js';
import { registrableDomain } from './mx.js';
import type { MxRecord, Network, SrvRecord } from './network.js';
import { PROVIDERS, providerForDomain, providerForHost, providerForMxDomain } from './providers.js';

type Answer<T> = T | 'hang' | Error;

/** A network in memory: answers from tables, 'hang' never answers, nothing is ever connected. */
function fakeNetwork(tables: {
  srv?: Record<string, Answer<SrvRecord[]>>;
  mx?: Record<string, Answer<MxRecord[]>>;
  http?: Record<string, Answer<string>>;
}): Network & { asked: string[] } {
  const asked: string[] = [];
  const answer = <T>(table: Record<string, Answer<T>> | undefined, key: string, empty: () => Promise<T>) => {
    asked.push(key);
    const value = table?.[key];
    if (value === undefined) return empty();
    if (value === 'hang') return new Promise<T>(() => {});
    if (value instanceof Error) return Promise.reject(value);
    return Promise.resolve(value);
  };
  const refused = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
  return {
    asked,
    resolveSrv: (name) => answer(tables.srv, name, async () => []),
    resolveMx: (domain) => answer(tables.mx, domain, async () => []),
    fetchText: (url) => answer(tables.http, url.replace(/\?.*$/, ''), () => Promise.reject(new Error('HTTP 404'))),
    connect: (host, port) => {
      asked.push(`tcp ${host}:${port}`);
      return refused();
    },
  };
}

const xml = (host: string) => `<clientConfig version="1.1"><emailProvider id="p">
  <incomingServer type="imap"><hostname>imap.${host}</hostname><port>993</port><socketType>SSL</socketType>
    <username>%EMAILADDRESS%</username></incomingServer>
  <outgoingServer type="smtp"><hostname>smtp.${host}</hostname><port>465</port><socketType>SSL</socketType>
    <username>%EMAILADDRESS%</username></outgoingServer></emailProvider></clientConfig>`;

const srv = (name: string, port: number): SrvRecord[] => [{ name, port, priority: 0, weight: 0 }];

const detect = (email: string, network: Network, extra: Partial<DetectOptions> = {}) =>
  detectServers(email, {
    network,
    stepTimeoutMs: 300,
    deadlineMs: 1000,
    ispdbUrl: 'https://ispdb.test/v1.1/',
    ...extra,
  });

describe('provider table', () => {
  it('knows the providers of the issue, with app-password notes', () => {
    for (const domain of ['gmail.com', 'outlook.com', 'hotmail.com', 'live.com', 'yahoo.com', 'icloud.com']) {
      expect(providerForDomain(domain), domain).toBeDefined();
    }
    for (const domain of ['yandex.ru', 'mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'rambler.ru', 'fastmail.com']) {
      expect(providerForDomain(domain), domain).toBeDefined();
    }
    for (const domain of ['gmx.net', 'gmx.com', 'zoho.com']) expect(providerForDomain(domain), domain).toBeDefined();
    expect(providerForDomain('gmail.com')?.appPassword).toBe('required');
    expect(providerForMxDomain('yandex.net')?.id).toBe('yandex');
    expect(providerForHost('imap.mail.ru')?.id).toBe('mailru');
    for (const p of PROVIDERS) {
      expect(
        p.servers.some((s) => s.protocol === 'smtp'),
        p.id,
      ).toBe(true);
      expect(
        p.servers.some((s) => s.protocol !== 'smtp'),
        p.id,
      ).toBe(true);
    }
  });

  it('answers from the table without touching the network', async () => {
    const network = fakeNetwork({});
    const found = await detect('Someone@BK.ru', network);
    expect(found?.source).toBe('providers');
    expect(found?.provider?.name).toBe('Mail.ru');
    expect(found?.incoming[0]).toMatchObject({
      host: 'imap.mail.ru',
      port: 993,
      security: 'tls',
      username: 'Someone@BK.ru',
    });
    expect(found?.appPassword).toBe('required');
    expect(network.asked).toEqual([]);
  });

  it('fills the iCloud IMAP user name with the local part, as Apple documents', async () => {
    const found = await detect('emily@me.com', fakeNetwork({}));
    expect(found?.incoming[0]?.username).toBe('emily');
    expect(found?.outgoing[0]?.username).toBe('emily@me.com');
  });
});

describe('registrable domain of an MX host', () => {
  it.each([
    ['mx.yandex.net', 'yandex.net'],
    ['aspmx.l.google.com.', 'google.com'],
    ['mx1.mail.example.co.uk', 'example.co.uk'],
    ['mail.firm.msk.ru', 'firm.msk.ru'],
    ['example.com', 'example.com'],
  ])('%s → %s', (host, domain) => expect(registrableDomain(host)).toBe(domain));
});

describe('detection order', () => {
  it('takes autoconfig over SRV when both answer', async () => {
    const network = fakeNetwork({
      http: { 'https://autoconfig.firm.test/mail/config-v1.1.xml': xml('auto.test') },
      srv: {
        '_imaps._tcp.firm.test': srv('imap.srv.test', 993),
        '_submission._tcp.firm.test': srv('smtp.srv.test', 587),
      },
    });
    const found = await detect('a@firm.test', network);
    expect(found?.source).toBe('autoconfig');
    expect(found?.incoming[0]?.host).toBe('imap.auto.test');
    expect(found?.attempts.find((a) => a.source === 'srv')?.outcome).toBe('not-needed');
  });

  it('waits for a slower source of higher priority, and takes SRV once autoconfig has failed', async () => {
    const network = fakeNetwork({
      http: { 'https://autoconfig.firm.test/mail/config-v1.1.xml': '<clientConfig><broken' },
      srv: {
        '_imaps._tcp.firm.test': srv('imap.srv.test', 993),
        '_submissions._tcp.firm.test': srv('smtp.srv.test', 465),
      },
    });
    const found = await detect('a@firm.test', network);
    expect(found?.source).toBe('srv');
    expect(found?.detail).toBe('_imaps._tcp.firm.test, _submissions._tcp.firm.test');
    expect(found?.attempts.find((a) => a.source === 'autoconfig')?.outcome).toBe('failed');
  });

  it('finds a company domain hosted at a provider through its MX, by the table', async () => {
    const network = fakeNetwork({ mx: { 'firm.test': [{ exchange: 'mx.yandex.net', priority: 10 }] } });
    const found = await detect('boss@firm.test', network);
    expect(found?.source).toBe('mx');
    expect(found?.viaMx).toEqual({ host: 'mx.yandex.net', domain: 'yandex.net', source: 'providers' });
    expect(found?.incoming[0]).toMatchObject({ host: 'imap.yandex.ru', username: 'boss@firm.test' });
  });

  it('asks the ISPDB for the MX domain', async () => {
    const network = fakeNetwork({
      mx: {
        'firm.test': [
          { exchange: 'mx2.host.test', priority: 20 },
          { exchange: 'mx1.hoster.test', priority: 5 },
        ],
      },
      http: { 'https://ispdb.test/v1.1/hoster.test': xml('hoster.test') },
    });
    const found = await detect('boss@firm.test', network);
    expect(found?.viaMx).toEqual({ host: 'mx1.hoster.test', domain: 'hoster.test', source: 'ispdb' });
    expect(found?.incoming[0]?.host).toBe('imap.hoster.test');
  });

  it('combines halves when no source is complete, and says where each came from', async () => {
    const network = fakeNetwork({
      srv: { '_imaps._tcp.firm.test': srv('imap.firm.test', 993), '_submission._tcp.firm.test': srv('.', 0) },
      mx: { 'firm.test': [{ exchange: 'mx.hoster.test', priority: 5 }] },
      http: {
        'https://ispdb.test/v1.1/hoster.test': `<clientConfig><emailProvider id="h"><outgoingServer type="smtp">
          <hostname>smtp.hoster.test</hostname><port>587</port><socketType>STARTTLS</socketType>
          </outgoingServer></emailProvider></clientConfig>`,
      },
    });
    const found = await detect('a@firm.test', network);
    expect(found?.source).toBe('srv');
    expect(found?.outgoingSource).toBe('mx');
    expect(found?.incoming[0]?.host).toBe('imap.firm.test');
    expect(found?.outgoing[0]?.host).toBe('smtp.hoster.test');
  });

  it('answers by the deadline when every source hangs, saying which timed out', async () => {
    const network = fakeNetwork({
      http: {
        'https://autoconfig.firm.test/mail/config-v1.1.xml': 'hang',
        'http://autoconfig.firm.test/mail/config-v1.1.xml': 'hang',
        'https://firm.test/.well-known/autoconfig/mail/config-v1.1.xml': 'hang',
        'https://ispdb.test/v1.1/firm.test': 'hang',
      },
      srv: Object.fromEntries(
        ['_imaps', '_imap', '_pop3s', '_pop3', '_submissions', '_submission'].map((s) => [
          `${s}._tcp.firm.test`,
          'hang',
        ]),
      ),
      mx: { 'firm.test': 'hang' },
    });
    const began = performance.now();
    const found = await detect('a@firm.test', network, { stepTimeoutMs: 5000, deadlineMs: 400 });
    expect(performance.now() - began).toBeLessThan(700);
    expect(found).toBeNull();
  });

  it('a hanging source costs only its step timeout, and one source can be asked alone', async () => {
    const network = fakeNetwork({
      http: { 'https://autoconfig.firm.test/mail/config-v1.1.xml': 'hang' },
      srv: {
        '_imaps._tcp.firm.test': srv('imap.firm.test', 993),
        '_submissions._tcp.firm.test': srv('smtp.firm.test', 465),
      },
    });
    const began = performance.now();
    const found = await detect('a@firm.test', network, { stepTimeoutMs: 200, deadlineMs: 2000 });
    expect(performance.now() - began).toBeLessThan(600);
    expect(found?.source).toBe('srv');
    expect(found?.attempts.find((a) => a.source === 'autoconfig')?.outcome).toBe('timeout');
    const alone = await detect('a@firm.test', fakeNetwork({}), { sources: ['srv'] });
    expect(alone).toBeNull();
  });
});
