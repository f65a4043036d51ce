import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GeneratedMessage, generateMailbox } from '../../bench/support/mailbox-gen.js';
import { type DovecotServer, dovecotAvailable, startDovecot } from './dovecot.js';
import { startFaultProxy } from './fault-proxy.js';
import { createFolder, mutf7Decode, mutf7Encode, seedMessages, setSubscriptions } from './maildir.js';

const available = dovecotAvailable();
const skipNote = available.ok ? '' : ` [skipped: ${available.reason}]`;
const USER = { user: 'alice', password: 'secret' };
const CRLF_MESSAGE = [
  'From: =?UTF-8?B?0JjRgNC40L3QsA==?= <irina@example.ru>',
  'To: alice@example.test',
  'Subject: =?koi8-r?Q?=F3=DE=C5=D4?=',
  'Message-ID: <seed-1@example.ru>',
  'Date: Mon, 6 Mar 2023 10:00:00 +0300',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=koi8-r',
  'Content-Transfer-Encoding: 8bit',
  '',
  '',
].join('\r\n');

function imap(server: DovecotServer, overrides: Partial<ImapFlowOptions> = {}): ImapFlow {
  return new ImapFlow({
    host: server.host,
    port: server.imapPort,
    secure: false,
    doSTARTTLS: false,
    auth: { user: USER.user, pass: USER.password },
    tls: { ca: server.caPem },
    logger: false,
    disableAutoIdle: true,
    ...overrides,
  });
}

async function withImap<T>(server: DovecotServer, use: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = imap(server);
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** A minimal POP3 conversation: enough to check what the server offers, not a client. */
class Pop3 {
  private buffered = '';
  private waiter: (() => void) | undefined;

  constructor(private socket: net.Socket) {
    this.listen(socket);
  }

  static async open(port: number, secure: boolean, ca: string): Promise<Pop3> {
    const socket = secure ? tls.connect({ port, host: '127.0.0.1', ca }) : net.connect({ port, host: '127.0.0.1' });
    await new Promise((resolve, reject) => {
      socket.once(secure ? 'secureConnect' : 'connect', resolve);
      socket.once('error', reject);
    });
    return new Pop3(socket);
  }

  private listen(socket: net.Socket): void {
    socket.on('data', (chunk: Buffer) => {
      this.buffered += chunk.toString('latin1');
      this.waiter?.();
    });
  }

  private async readUntil(done: (text: string) => number): Promise<string> {
    for (;;) {
      const end = done(this.buffered);
      if (end >= 0) {
        const reply = this.buffered.slice(0, end);
        this.buffered = this.buffered.slice(end);
        return reply;
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`POP3 reply timed out, got ${this.buffered}`)), 5_000);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  line(): Promise<string> {
    return this.readUntil((text) => (text.includes('\r\n') ? text.indexOf('\r\n') + 2 : -1));
  }

  async command(command: string, multiLine = false): Promise<string> {
    this.socket.write(`${command}\r\n`);
    const status = await this.line();
    if (!multiLine || !status.startsWith('+OK')) return status;
    const body = await this.readUntil((text) => {
      if (text.startsWith('.\r\n')) return 3;
      const at = text.indexOf('\r\n.\r\n');
      return at >= 0 ? at + 5 : -1;
    });
    return status + body;
  }

  async startTls(ca: string): Promise<void> {
    expect(await this.command('STLS')).toMatch(/^\+OK/);
    this.socket.removeAllListeners('data');
    const secured = tls.connect({ socket: this.socket, ca, servername: 'localhost' });
    await new Promise((resolve, reject) => {
      secured.once('secureConnect', resolve);
      secured.once('error', reject);
    });
    this.socket = secured;
    this.listen(secured);
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('modified UTF-7 (RFC 3501 5.1.3)', () => {
  it.each([
    ['Входящие', '&BBIERQQ+BDQETwRJBDgENQ-'],
    ['Sent', 'Sent'],
    ['R&D', 'R&-D'],
    ['日本語', '&ZeVnLIqe-'],
    ['Отчёт 2023 / Q1', '&BB4EQgRHBFEEQg- 2023 / Q1'],
    ['~peter/mail/台北/日本語', '~peter/mail/&U,BTFw-/&ZeVnLIqe-'],
  ])('%s <-> %s', (decoded, encoded) => {
    expect(mutf7Encode(decoded)).toBe(encoded);
    expect(mutf7Decode(encoded)).toBe(decoded);
  });
});

describe.skipIf(!available.ok)(`Dovecot harness${skipNote}`, () => {
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot({ users: [USER, { user: 'bob', password: 'hunter2' }], pop3: true });
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('runs Dovecot unprivileged, writing mail as the account it runs as', async () => {
    await withImap(server, (client) => client.mailboxOpen('INBOX'));
    const owner = statSync(path.join(server.mailRoot('alice'), 'dovecot-uidlist')).uid;
    const self = process.getuid?.();
    if (self === 0) expect(owner).not.toBe(0);
    else expect(owner).toBe(self);
  });

  it('logs in over plain IMAP without STARTTLS', async () => {
    const client = imap(server);
    await client.connect();
    expect(client.secureConnection).toBe(false);
    expect(client.authenticated).toBeTruthy();
    await client.logout();
  });

  it('logs in over STARTTLS on the plain port, trusting caPem', async () => {
    const client = imap(server, { doSTARTTLS: true });
    await client.connect();
    expect(client.secureConnection).toBe(true);
    await client.logout();
  });

  it('logs in over implicit TLS, trusting caPem (by IP and by localhost)', async () => {
    for (const host of ['127.0.0.1', 'localhost']) {
      const client = imap(server, { host, port: server.imapsPort, secure: true });
      await client.connect();
      expect(client.secureConnection).toBe(true);
      await client.logout();
    }
  });

  it('rejects a TLS client that does not trust the test certificate', async () => {
    const client = imap(server, { port: server.imapsPort, secure: true, tls: {} });
    await expect(client.connect()).rejects.toThrow();
  });

  it('refuses a wrong password, quickly', async () => {
    const started = Date.now();
    const client = imap(server, { auth: { user: 'alice', pass: 'wrong' } });
    const error = (await client.connect().catch((err: unknown) => err)) as { authenticationFailed?: boolean };
    expect(error).toBeInstanceOf(Error);
    expect(error.authenticationFailed).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(server.log()).toMatch(/password mismatch|Password mismatch|auth failed/i);
  });

  it('offers CONDSTORE, QRESYNC and IDLE', async () => {
    await withImap(server, async (client) => {
      for (const capability of ['CONDSTORE', 'QRESYNC', 'IDLE', 'SPECIAL-USE', 'UIDPLUS', 'MOVE']) {
        expect(client.capabilities.has(capability), capability).toBe(true);
      }
    });
  });

  it('lists a Cyrillic folder created on disk under its decoded name, parents selectable', async () => {
    createFolder(server, 'alice', 'Проекты/Стройка', { subscribe: true });
    expect(existsSync(path.join(server.mailRoot('alice'), '.&BB8EQAQ+BDUEOgRCBEs-.&BCEEQgRABD4EOQQ6BDA-'))).toBe(true);
    await withImap(server, async (client) => {
      const folders = await client.list();
      const child = folders.find((folder) => folder.path === 'Проекты/Стройка');
      expect(child).toMatchObject({ name: 'Стройка', delimiter: '/', subscribed: true });
      const parent = folders.find((folder) => folder.path === 'Проекты');
      expect(parent?.flags.has('\\Noselect')).toBe(false);
      await client.mailboxCreate('Входящие старые');
    });
    expect(existsSync(path.join(server.mailRoot('alice'), `.${mutf7Encode('Входящие старые')}`))).toBe(true);
  });

  it('replaces subscriptions in the format Dovecot reads', async () => {
    createFolder(server, 'alice', 'Клиенты');
    setSubscriptions(server, 'alice', ['INBOX', 'Клиенты']);
    await withImap(server, async (client) => {
      const folders = await client.list();
      const names = folders.filter((folder) => folder.subscribed).map((folder) => folder.path);
      expect(names.sort()).toEqual(['INBOX', 'Клиенты']);
    });
  });

  it('flags special-use folders, which exist only once created', async () => {
    await withImap(server, async (client) => {
      expect((await client.list()).some((folder) => folder.path === 'Trash')).toBe(false);
    });
    for (const folder of ['Drafts', 'Sent', 'Trash', 'Junk', 'Archive']) createFolder(server, 'alice', folder);
    await withImap(server, async (client) => {
      const uses = Object.fromEntries((await client.list()).map((folder) => [folder.path, folder.specialUse]));
      expect(uses).toMatchObject({
        Drafts: '\\Drafts',
        Sent: '\\Sent',
        Trash: '\\Trash',
        Junk: '\\Junk',
        Archive: '\\Archive',
      });
      const flags = (await client.list()).find((folder) => folder.path === 'Junk')?.flags;
      expect(flags?.has('\\Junk')).toBe(true);
    });
  });

  it('serves seeded messages byte for byte, with flags, INTERNALDATE and UIDs in seeding order', async () => {
    const koi8 = Buffer.concat([
      Buffer.from(CRLF_MESSAGE, 'latin1'),
      Buffer.from([0xf3, 0xde, 0xc5, 0xd4, 0x20, 0xce, 0xc1, 0x20, 0xcf, 0xd0, 0xcc, 0xc1, 0xd4, 0xd5, 0x0d, 0x0a]),
    ]);
    const internalDate = new Date('2023-03-06T07:00:05Z');
    const messages = [
      { raw: koi8, flags: ['\\Seen', '\\Answered'], internalDate },
      { raw: 'Subject: second\r\n\r\ntrailing spaces   \r\n\r\n', flags: ['$Forwarded', 'Work'] },
      { raw: 'Subject: third\r\n\r\nno final newline', flags: [] },
    ];
    seedMessages(server, 'alice', 'Проекты/Стройка', messages);
    await withImap(server, async (client) => {
      await client.mailboxOpen('Проекты/Стройка');
      const fetched = [];
      for await (const message of client.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
        fetched.push(message);
      }
      expect(
        fetched.map((message) => message.source?.equals(Buffer.from(messages[message.seq - 1]?.raw ?? ''))),
      ).toEqual([true, true, true]);
      expect(fetched.map((message) => message.uid)).toEqual([1, 2, 3]);
      expect([...(fetched[0]?.flags ?? [])].sort()).toEqual(['\\Answered', '\\Recent', '\\Seen']);
      expect([...(fetched[1]?.flags ?? [])].sort()).toEqual(['$Forwarded', 'Work', '\\Recent']);
      expect(new Date(fetched[0]?.internalDate ?? 0).getTime()).toBe(internalDate.getTime());
    });
  });

  it('picks up messages seeded while a session has the folder open', async () => {
    await withImap(server, async (client) => {
      const before = (await client.mailboxOpen('INBOX')).exists;
      seedMessages(server, 'alice', 'INBOX', [{ raw: 'Subject: late\r\n\r\nlate\r\n' }]);
      await client.noop();
      expect(client.mailbox ? client.mailbox.exists : 0).toBe(before + 1);
    });
  });

  it('wakes an IDLE session within about a second of new mail', async () => {
    const client = imap(server, { disableAutoIdle: false });
    await client.connect();
    try {
      await client.mailboxOpen('INBOX');
      const noticed = new Promise<number>((resolve) => client.once('exists', () => resolve(Date.now())));
      const idle = client.idle();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const seeded = Date.now();
      seedMessages(server, 'alice', 'INBOX', [{ raw: 'Subject: idle\r\n\r\nwake up\r\n' }]);
      const at = await Promise.race([noticed, new Promise<number>((resolve) => setTimeout(() => resolve(-1), 5_000))]);
      expect(at).toBeGreaterThan(0);
      expect(at - seeded).toBeLessThan(2_500);
      await client.noop();
      await idle.catch(() => undefined);
    } finally {
      await client.logout().catch(() => client.close());
    }
  });

  it('cuts a FETCH in the middle through the fault proxy', async () => {
    const big = `Subject: big\r\n\r\n${'0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!?\r\n'.repeat(8_000)}`;
    seedMessages(server, 'alice', 'Big', [{ raw: big }]);
    const proxy = await startFaultProxy(server.imapPort);
    try {
      const client = imap(server, { port: proxy.port });
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.on('error', () => {});
      await client.connect();
      await client.mailboxOpen('Big');
      expect(proxy.connections()).toBe(1);
      proxy.cutAfterBytes(100_000);
      const outcome = await client.fetchOne('1', { source: true }).then(
        (message) => (message && message.source?.length === big.length ? 'complete' : 'partial'),
        () => 'failed',
      );
      expect(outcome).toBe('failed');
      await closed;
      expect(proxy.connections()).toBe(0);

      proxy.cutAfterBytes(null);
      await withImap({ ...server, imapPort: proxy.port }, async (again) => {
        await again.mailboxOpen('Big');
        const message = await again.fetchOne('1', { source: true });
        expect(message ? message.source?.toString('latin1') : undefined).toBe(big);
        const cut = new Promise<void>((resolve) => again.once('close', () => resolve()));
        proxy.cutAllNow();
        await cut;
      });
      expect(proxy.accepted()).toBe(2);
    } finally {
      await proxy.close();
    }
  });

  it('serves POP3 with STLS on the plain port and over implicit TLS', async () => {
    seedMessages(server, 'bob', 'INBOX', [{ raw: 'Subject: pop\r\n\r\nfor bob\r\n' }]);
    const plain = await Pop3.open(server.pop3Port as number, false, server.caPem);
    try {
      expect(await plain.line()).toMatch(/^\+OK/);
      const capabilities = await plain.command('CAPA', true);
      expect(capabilities).toMatch(/\r\nUIDL\r\n/);
      expect(capabilities).toMatch(/\r\nSTLS\r\n/);
      await plain.startTls(server.caPem);
      expect(await plain.command('USER bob')).toMatch(/^\+OK/);
      expect(await plain.command('PASS hunter2')).toMatch(/^\+OK/);
      expect(await plain.command('STAT')).toMatch(/^\+OK 1 /);
    } finally {
      plain.close();
    }
    const secure = await Pop3.open(server.pop3sPort as number, true, server.caPem);
    try {
      expect(await secure.line()).toMatch(/^\+OK/);
      expect(await secure.command('USER bob')).toMatch(/^\+OK/);
      expect(await secure.command('PASS hunter2')).toMatch(/^\+OK/);
      expect(await secure.command('UIDL', true)).toMatch(/^\+OK[\s\S]*\r\n1 \S+\r\n\.\r\n$/);
    } finally {
      secure.close();
    }
  });

  it('stops completely: no listener and no temp dir left', async () => {
    const other = await startDovecot({ users: [USER] });
    await other.stop();
    expect(existsSync(other.root)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(other.imapPort, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('takes Dovecot down when the test process is killed without stopping it', async () => {
    const here = path.dirname(fileURLToPath(import.meta.url));
    const script = [
      `import { startDovecot } from ${JSON.stringify(path.join(here, 'dovecot.ts'))};`,
      "const server = await startDovecot({ users: [{ user: 'alice', password: 'secret' }] });",
      'console.log(JSON.stringify({ port: server.imapPort, root: server.root }));',
      'setInterval(() => {}, 1000);',
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: path.resolve(here, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const started = await new Promise<{ port: number; root: string }>((resolve, reject) => {
      child.stdout.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString())));
      child.once('exit', (code) => reject(new Error(`child exited with ${code}`)));
    });
    expect(existsSync(started.root)).toBe(true);
    child.kill('SIGKILL');
    const deadline = Date.now() + 10_000;
    while (existsSync(started.root) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(started.root)).toBe(false);
    const refused = await new Promise<boolean>((resolve) => {
      const socket = net.connect(started.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  }, 20_000);
});

describe.skipIf(!available.ok)(`Dovecot POP3 without UIDL${skipNote}`, () => {
  let server: DovecotServer;

  beforeAll(async () => {
    server = await startDovecot({ users: [USER], pop3NoUidl: true });
    seedMessages(server, 'alice', 'INBOX', [
      { raw: 'Subject: one\r\n\r\nfirst\r\n' },
      { raw: 'Subject: two\r\n\r\nsecond\r\n' },
    ]);
  }, 30_000);

  afterAll(async () => {
    await server?.stop();
  });

  it('hides UIDL on the plain port, also after STLS, and keeps the rest working', async () => {
    const pop3 = await Pop3.open(server.pop3Port as number, false, server.caPem);
    try {
      expect(await pop3.line()).toMatch(/^\+OK/);
      const before = await pop3.command('CAPA', true);
      expect(before).not.toMatch(/\r\nUIDL\r\n/);
      expect(before).toMatch(/\r\nSTLS\r\n/);
      await pop3.startTls(server.caPem);
      const after = await pop3.command('CAPA', true);
      expect(after).not.toMatch(/\r\n(UIDL|STLS)\r\n/);
      expect(after).toMatch(/\r\nTOP\r\n/);
      expect(await pop3.command('USER alice')).toMatch(/^\+OK/);
      expect(await pop3.command('PASS secret')).toMatch(/^\+OK/);
      expect(await pop3.command('UIDL')).toMatch(/^-ERR/);
      expect(await pop3.command('UIDL 1')).toMatch(/^-ERR/);
      expect(await pop3.command('LIST', true)).toMatch(/^\+OK[\s\S]*\r\n1 \d+\r\n2 \d+\r\n\.\r\n$/);
      expect(await pop3.command('RETR 2', true)).toContain('second');
    } finally {
      pop3.close();
    }
  });

  it('hides UIDL over implicit TLS too', async () => {
    const pop3 = await Pop3.open(server.pop3sPort as number, true, server.caPem);
    try {
      expect(await pop3.line()).toMatch(/^\+OK/);
      expect(await pop3.command('CAPA', true)).not.toMatch(/\r\n(UIDL|STLS)\r\n/);
      expect(await pop3.command('AUTH PLAIN AGFsaWNlAHNlY3JldA==')).toMatch(/^\+OK/);
      expect(await pop3.command('UIDL', true)).toMatch(/^-ERR/);
      expect(await pop3.command('TOP 1 0', true)).toContain('Subject: one');
    } finally {
      pop3.close();
    }
  });
});

/** RFC 2047 words back to text, enough to read the generated subjects. */
function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([BQ])\?([^?]*)\?=/gi, (_, charset: string, kind: string, text: string) => {
      const bytes =
        kind.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))),
              'latin1',
            );
      return new TextDecoder(charset).decode(bytes);
    });
}

describe('mailbox generator', () => {
  const own = 'andrey@interlog.test';
  let messages: GeneratedMessage[] = [];
  let elapsed = 0;

  beforeAll(() => {
    const started = performance.now();
    messages = [...generateMailbox({ count: 2000, seed: 11, ownAddress: own })];
    elapsed = performance.now() - started;
  });

  const header = (message: GeneratedMessage, name: string): string | undefined => {
    const head = message.raw.subarray(0, message.raw.indexOf('\r\n\r\n')).toString('latin1');
    const match = new RegExp(`^${name}: ?(.*(?:\\r\\n[ \\t].*)*)`, 'im').exec(head);
    return match?.[1]?.replace(/\r\n[ \t]/g, ' ');
  };

  it('is deterministic and fast', () => {
    const again = generateMailbox({ count: 2000, seed: 11, ownAddress: own });
    for (const message of messages.slice(0, 50)) expect(again.next().value?.raw.equals(message.raw)).toBe(true);
    const other = generateMailbox({ count: 2000, seed: 12, ownAddress: own }).next().value;
    expect(other?.raw.equals(messages[0]?.raw as Buffer)).toBe(false);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('has the size distribution of a real mailbox', () => {
    expect(messages).toHaveLength(2000);
    const sizes = messages.map((message) => message.raw.length).sort((a, b) => a - b);
    const total = sizes.reduce((sum, size) => sum + size, 0);
    expect(total).toBeGreaterThan(2000 * 32_300 * 0.9);
    expect(total).toBeLessThan(2000 * 32_300 * 1.1);
    const median = sizes[1000] as number;
    expect(median).toBeGreaterThan(7_000);
    expect(median).toBeLessThan(15_000);
    const huge = sizes.filter((size) => size > 1_500_000).length;
    expect(huge).toBeGreaterThanOrEqual(3);
    expect(huge).toBeLessThanOrEqual(12);
    expect(sizes[sizes.length - 1]).toBeGreaterThan(2_000_000);
  });

  it('uses CRLF only and valid Date headers spread over two years', () => {
    const dates = messages.map((message) => {
      expect(message.raw.includes('\n') && /(?<!\r)\n/.test(message.raw.toString('latin1'))).toBe(false);
      return Date.parse(header(message, 'Date') ?? '');
    });
    expect(dates.every((date) => Number.isFinite(date))).toBe(true);
    const span = Math.max(...dates) - Math.min(...dates);
    expect(span).toBeGreaterThan(1.9 * 365 * 86_400_000);
    expect(span).toBeLessThan(2.05 * 365 * 86_400_000);
  });

  it('mixes charsets, transfer encodings, encoded words and attachment name styles', () => {
    const all = Buffer.concat(messages.slice(0, 800).map((message) => message.raw.subarray(0, 200_000))).toString(
      'latin1',
    );
    for (const needle of [
      'charset="utf-8"',
      'charset="koi8-r"',
      'charset="windows-1251"',
      'Content-Transfer-Encoding: base64',
      'Content-Transfer-Encoding: quoted-printable',
      'Content-Transfer-Encoding: 8bit',
      'multipart/alternative',
      'multipart/mixed',
      'Subject: =?UTF-8?B?',
      'Subject: =?koi8-r?Q?',
      "filename*=UTF-8''%D0",
      'filename="=?UTF-8?B?',
      'application/pdf',
      'image/jpeg',
      'spreadsheetml',
    ]) {
      expect(all, needle).toContain(needle);
    }
  });

  it('builds threads of 2-15 letters with consistent Message-ID chains', () => {
    const byId = new Map<string, number>();
    const parentOf = new Map<number, number>();
    messages.forEach((message, index) => {
      if (message.folder === 'INBOX' && byId.has(message.messageId)) return; // the self-sent copy
      const parentId = message.inReplyTo ?? message.references[message.references.length - 1];
      if (parentId) {
        const parent = byId.get(parentId);
        expect(parent, `parent of ${message.messageId}`).toBeDefined();
        for (const reference of message.references) expect(byId.has(reference)).toBe(true);
        parentOf.set(index, parent as number);
      }
      if (message.messageId) byId.set(message.messageId, index);
    });
    const root = (index: number): number => (parentOf.has(index) ? root(parentOf.get(index) as number) : index);
    const threadSizes = new Map<number, number>();
    for (const index of parentOf.keys()) threadSizes.set(root(index), (threadSizes.get(root(index)) ?? 1) + 1);
    const inThreads = [...threadSizes.values()].reduce((sum, size) => sum + size, 0);
    expect(inThreads / messages.length).toBeGreaterThan(0.55);
    expect(inThreads / messages.length).toBeLessThan(0.65);
    expect(Math.min(...threadSizes.values())).toBeGreaterThanOrEqual(2);
    expect(Math.max(...threadSizes.values())).toBeLessThanOrEqual(15);
    const onlyReferences = messages.filter((m) => !m.inReplyTo && m.references.length > 0).length;
    const onlyInReplyTo = messages.filter((m) => m.inReplyTo && m.references.length === 0).length;
    expect(onlyReferences).toBeGreaterThan(10);
    expect(onlyInReplyTo).toBeGreaterThan(10);
    const subjects = messages.map((message) => decodeWords(header(message, 'Subject') ?? ''));
    expect(subjects.some((s) => s.startsWith('Re: '))).toBe(true);
    expect(subjects.some((s) => s.startsWith('RE: '))).toBe(true);
    expect(subjects.some((s) => s.startsWith('Fwd: '))).toBe(true);
    expect(subjects.some((s) => s.startsWith('Ответ: '))).toBe(true);
    expect(subjects.some((s) => /^(Re|RE|Ответ): .*[а-я]/.test(s))).toBe(true);
  });

  it('puts own letters in Sent, including the self-sent ones, which also arrive in INBOX', () => {
    const from = (message: GeneratedMessage) => header(message, 'From') ?? '';
    const sent = messages.filter((message) => message.folder === 'Sent');
    expect(sent.length / messages.length).toBeGreaterThan(0.12);
    expect(sent.length / messages.length).toBeLessThan(0.18);
    expect(sent.every((message) => from(message).includes(`<${own}>`))).toBe(true);
    const inbox = messages.filter((message) => message.folder === 'INBOX');
    expect(inbox.length + sent.length).toBe(messages.length);
    const selfSent = inbox.filter((message) => from(message).includes(`<${own}>`));
    expect(selfSent.length).toBeGreaterThanOrEqual(2);
    for (const copy of selfSent) {
      expect(header(copy, 'To')).toContain(`<${own}>`);
      expect(sent.some((message) => message.messageId === copy.messageId)).toBe(true);
    }
    const withoutId = messages.filter((message) => message.messageId === '');
    expect(withoutId.length).toBeGreaterThanOrEqual(2);
    expect(withoutId.every((message) => header(message, 'Message-ID') === undefined)).toBe(true);
    const ids = messages.filter((m) => m.messageId !== '').map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length - selfSent.length);
  });

  it.skipIf(!available.ok)(
    `seeds into Dovecot and reads back through IMAP${skipNote}`,
    async () => {
      const server = await startDovecot({ users: [USER] });
      try {
        const sample = messages.slice(0, 200);
        seedMessages(
          server,
          'alice',
          'INBOX',
          sample.filter((m) => m.folder === 'INBOX'),
        );
        seedMessages(
          server,
          'alice',
          'Sent',
          sample.filter((m) => m.folder === 'Sent'),
        );
        await withImap(server, async (client) => {
          const inbox = await client.mailboxOpen('INBOX');
          expect(inbox.exists).toBe(sample.filter((m) => m.folder === 'INBOX').length);
          await client.mailboxOpen('Sent');
          const expected = sample.filter((m) => m.folder === 'Sent');
          let index = 0;
          for await (const message of client.fetch('1:*', { source: true, envelope: true })) {
            expect(message.source?.equals(expected[index]?.raw as Buffer)).toBe(true);
            expect(message.envelope?.messageId).toBe(expected[index]?.messageId);
            index++;
          }
          expect(index).toBe(expected.length);
        });
      } finally {
        await server.stop();
      }
    },
    30_000,
  );
});
