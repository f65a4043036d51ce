import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Pop3Connection, Pop3Error } from './client.js';

type Reply = string | Buffer | Array<string | Buffer>;

/** A scripted server: each received command line gets its reply, written in the given pieces, one per tick. */
async function fakeServer(greeting: string | null, reply: (line: string) => Reply | null) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.setNoDelay(true);
    socket.on('error', () => {});
    let pending = '';
    let writing = Promise.resolve();
    const send = (pieces: Reply) => {
      for (const piece of Array.isArray(pieces) ? pieces : [pieces]) {
        writing = writing.then(
          () =>
            new Promise<void>((resolve) => {
              if (socket.destroyed) return resolve();
              socket.write(piece, () => setTimeout(resolve, 3));
            }),
        );
      }
    };
    if (greeting !== null) send(`${greeting}\r\n`);
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let eol = pending.indexOf('\r\n'); eol >= 0; eol = pending.indexOf('\r\n')) {
        const line = pending.slice(0, eol);
        pending = pending.slice(eol + 2);
        const answer = reply(line);
        if (answer === null) writing = writing.then(() => void socket.destroy());
        else send(answer);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const close = () => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return { port, close };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function connect(greeting: string | null, reply: (line: string) => Reply | null, timeoutMs = 5000) {
  const server = await fakeServer(greeting, reply);
  closers.push(server.close);
  return Pop3Connection.open({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    acceptSelfSigned: false,
    timeoutMs,
  });
}

// 8-bit bytes (koi8-r "Счёт"), a stuffed line, a line that is only a dot, and a last line ending in CRLF.
const LETTER = Buffer.concat([
  Buffer.from('Subject: x\r\n\r\n'),
  Buffer.from([0xf3, 0xde, 0xa3, 0xd4, 0x0d, 0x0a]),
  Buffer.from('.hidden\r\n.\r\nend.\r\n'),
]);
const WIRE = Buffer.concat([
  Buffer.from('Subject: x\r\n\r\n'),
  Buffer.from([0xf3, 0xde, 0xa3, 0xd4, 0x0d, 0x0a]),
  Buffer.from('..hidden\r\n..\r\nend.\r\n.\r\n'),
]);

describe('Pop3Connection', () => {
  it('undoes dot-stuffing and keeps every byte, wherever the reads split the answer', async () => {
    const answer = Buffer.concat([Buffer.from('+OK 42 octets\r\n'), WIRE]);
    for (let split = 1; split < answer.length; split++) {
      const connection = await connect('+OK ready', () => [answer.subarray(0, split), answer.subarray(split)]);
      expect((await connection.collect('RETR 1')).equals(LETTER), `split at ${split}`).toBe(true);
      connection.destroy();
    }
  });

  it('settles pipelined commands in order, with -ERR and its response code', async () => {
    const connection = await connect('+OK ready', (line) => {
      if (line === 'STAT') return '+OK 2 10\r\n';
      if (line === 'RETR 1') return '+OK\r\none\r\n.\r\n';
      if (line === 'RETR 2') return '-ERR [IN-USE] locked\r\n';
      return '+OK\r\n..\r\n.\r\n';
    });
    const answers = [
      connection.command('STAT'),
      connection.collect('RETR 1'),
      connection.collect('RETR 2').catch((e: unknown) => e),
      connection.collect('TOP 3 0'),
    ];
    const [stat, one, two, three] = await Promise.all(answers);
    expect(stat).toBe('2 10');
    expect(String(one)).toBe('one\r\n');
    expect(two).toBeInstanceOf(Pop3Error);
    expect((two as Pop3Error).code).toBe('IN-USE');
    expect(String(three)).toBe('.\r\n');
  });

  it('fails every command in flight when the link dies in the middle of a letter', async () => {
    const connection = await connect('+OK ready', () => null);
    const retr = connection.collect('RETR 1').catch((e: unknown) => e);
    const next = connection.command('NOOP').catch((e: unknown) => e);
    expect(await retr).toMatchObject({ code: 'EConnectionClosed' });
    expect(await next).toMatchObject({ code: 'EConnectionClosed' });
    await expect(connection.command('NOOP')).rejects.toMatchObject({ code: 'EConnectionClosed' });
  });

  it('streams a letter to a slow reader and goes on with the next command afterwards', async () => {
    const line = `${'x'.repeat(998)}\r\n`;
    const body = line.repeat(4096);
    const connection = await connect('+OK ready', (l) => (l === 'NOOP' ? '+OK\r\n' : `+OK\r\n${body}.\r\n`));
    let received = 0;
    for await (const chunk of connection.stream('RETR 1') as AsyncIterable<Buffer>) {
      received += chunk.length;
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(received).toBe(body.length);
    await expect(connection.command('NOOP')).resolves.toBe('');
  });

  it('answers the APOP challenge with the digest of RFC 1939', async () => {
    let sent = '';
    const connection = await connect('+OK POP3 server ready <1896.697170952@dbc.mtview.ca.us>', (line) => {
      sent = line;
      return '+OK maildrop has 1 message\r\n';
    });
    expect(connection.apopTimestamp).toBe('<1896.697170952@dbc.mtview.ca.us>');
    await connection.apop('mrose', 'tanstaaf');
    expect(sent).toBe('APOP mrose c4c9334bac560ecc979e58001b3e22fb');
  });

  it('refuses a line break inside an argument instead of sending a second command', async () => {
    const seen: string[] = [];
    const connection = await connect('+OK ready', (line) => {
      seen.push(line);
      return '+OK\r\n';
    });
    await expect(connection.login('me\r\nDELE 1', 'x')).rejects.toThrow(/line break/);
    expect(seen).toEqual([]);
  });

  it('gives up on a server that accepts the connection but never greets', async () => {
    const started = Date.now();
    await expect(connect(null, () => '+OK\r\n', 300)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
