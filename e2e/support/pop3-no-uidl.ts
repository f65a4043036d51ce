// A POP3 front for Dovecot that behaves like a server without UIDL (RFC 1939 makes it optional; Dovecot always
// offers it). It drops UIDL from CAPA and makes the command fail, keeping everything else byte for byte. It
// terminates TLS itself (STLS on the plain port, implicit TLS on the other) and talks plain POP3 to Dovecot.
import net from 'node:net';
import tls from 'node:tls';

export interface Pop3NoUidlProxy {
  /** Plain POP3 with STLS. */
  port: number;
  /** POP3 over implicit TLS. */
  tlsPort: number;
  close(): Promise<void>;
}

export interface Pop3NoUidlOptions {
  targetPort: number;
  targetHost?: string;
  key: string;
  cert: string;
}

/** What the answer to a command looks like, so the filter knows where CAPA's list ends. */
type Reply = 'single' | 'multi' | 'capa' | 'sasl';

const TERMINATOR = '.\r\n';
// Sent instead of UIDL: Dovecot answers an unknown command with -ERR in its proper place among pipelined replies.
const DISABLED_UIDL = Buffer.from('X-UIDL-DISABLED\r\n');

function replyOf(line: string): Reply {
  const [verb = '', ...args] = line.trim().split(/\s+/);
  switch (verb.toUpperCase()) {
    case 'CAPA':
      return 'capa';
    case 'RETR':
    case 'TOP':
      return 'multi';
    case 'LIST':
      return args.length === 0 ? 'multi' : 'single';
    case 'AUTH':
      return args.length === 0 ? 'multi' : 'sasl';
    default:
      return 'single';
  }
}

/** Splits a byte stream into CRLF-terminated lines without decoding them. */
function lineSplitter(onLine: (line: Buffer) => void): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    let data = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    for (let end = data.indexOf(0x0a); end !== -1; end = data.indexOf(0x0a)) {
      onLine(data.subarray(0, end + 1));
      data = data.subarray(end + 1);
    }
    pending = Buffer.from(data);
  };
}

function bridge(raw: net.Socket, secureFromStart: boolean, opts: Pop3NoUidlOptions, sockets: Set<net.Socket>): void {
  const upstream = net.connect(opts.targetPort, opts.targetHost ?? '127.0.0.1');
  let client: net.Socket = raw;
  let secure = secureFromStart;
  const expected: Reply[] = [];
  let greeted = false;
  let inList: 'plain' | 'capa' | null = null;
  let saslReplyNext = false;

  const teardown = () => {
    client.destroy();
    raw.destroy();
    upstream.destroy();
  };
  sockets.add(raw);
  raw.on('close', () => sockets.delete(raw));
  for (const socket of [raw, upstream]) {
    socket.on('error', teardown);
    socket.on('close', teardown);
  }

  const fromServer = lineSplitter((line) => {
    const text = line.toString('latin1');
    if (inList) {
      if (text === TERMINATOR) inList = null;
      else if (inList === 'capa' && isHiddenCapability(text.trim().toUpperCase(), secure)) return;
      client.write(line);
      return;
    }
    if (!greeted) {
      greeted = true;
    } else if (expected[0] === 'sasl' && text.startsWith('+ ')) {
      saslReplyNext = true;
    } else {
      const reply = expected.shift();
      if (text.startsWith('+OK') && (reply === 'multi' || reply === 'capa'))
        inList = reply === 'capa' ? 'capa' : 'plain';
    }
    client.write(line);
  });

  const fromClient = lineSplitter((line) => {
    if (saslReplyNext) {
      saslReplyNext = false;
      upstream.write(line);
      return;
    }
    const text = line.toString('latin1');
    const verb = text.trim().split(/\s+/)[0]?.toUpperCase();
    if (verb === 'STLS' && !secure && expected.length === 0) {
      startTls();
      return;
    }
    if (verb === 'UIDL') {
      expected.push('single');
      upstream.write(DISABLED_UIDL);
      return;
    }
    expected.push(replyOf(text));
    upstream.write(line);
  });

  const startTls = () => {
    raw.removeListener('data', fromClient);
    raw.write('+OK Begin TLS negotiation now.\r\n');
    const wrapped = new tls.TLSSocket(raw, { isServer: true, key: opts.key, cert: opts.cert });
    wrapped.on('error', teardown);
    wrapped.on('data', fromClient);
    client = wrapped;
    secure = true;
  };

  upstream.on('data', fromServer);
  raw.on('data', fromClient);
}

function isHiddenCapability(capability: string, secure: boolean): boolean {
  return capability === 'UIDL' || (secure && capability === 'STLS');
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

export async function startPop3NoUidlProxy(opts: Pop3NoUidlOptions): Promise<Pop3NoUidlProxy> {
  const sockets = new Set<net.Socket>();
  const plain = net.createServer((socket) => bridge(socket, false, opts, sockets));
  const secure = tls.createServer({ key: opts.key, cert: opts.cert }, (socket) => bridge(socket, true, opts, sockets));
  const port = await listen(plain);
  const tlsPort = await listen(secure);
  return {
    port,
    tlsPort,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await Promise.all([plain, secure].map((server) => new Promise((resolve) => server.close(resolve))));
    },
  };
}
