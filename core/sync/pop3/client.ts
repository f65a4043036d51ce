import crypto from 'node:crypto';
import net from 'node:net';
import { Readable } from 'node:stream';
import tls from 'node:tls';

// A small POP3 client (RFC 1939, 2449, 2595). node-pop3 0.11 is not used for the sync because it decodes every
// letter as UTF-8 (8-bit koi8-r/windows-1251 bodies would lose bytes, and the sha256 would not be the source's),
// does not undo dot-stuffing, finds the end of a multi-line answer only when ".\r\n" does not straddle two socket
// reads, collects a letter by re-concatenating it on every chunk, and has no STLS, APOP, CAPA or pipelining.

export interface Pop3Endpoint {
  host: string;
  port: number;
  security: 'tls' | 'starttls' | 'none';
  acceptSelfSigned: boolean;
  /** Connecting and the greeting; a command in flight may stay silent longer (see `idleTimeoutMs`). */
  timeoutMs: number;
}

/** The server answered -ERR. `code` is the RFC 2449 response code, such as AUTH or IN-USE, when it sent one. */
export class Pop3Error extends Error {
  readonly code: string | null;

  constructor(
    readonly command: string,
    readonly responseText: string,
  ) {
    super(`${command}: -ERR ${responseText}`);
    this.name = 'Pop3Error';
    this.code = /^\[([A-Z0-9/-]+)\]/i.exec(responseText)?.[1]?.toUpperCase() ?? null;
  }
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const LF_DOT = Buffer.from('\n.');
const EMPTY = Buffer.alloc(0);
/** A status line longer than this is not POP3. */
const MAX_LINE = 16 * 1024;
/** Read-ahead the socket may pile up while a streamed letter's consumer is behind. */
const STREAM_HIGH_WATER = 1024 * 1024;

interface Pending {
  /** For errors; a password never appears here. */
  command: string;
  multiline: boolean;
  onBody?: (chunk: Buffer) => void;
  /** SASL (RFC 5034): answers a "+ challenge" line; the command's answer is the +OK or -ERR after the exchange. */
  onChallenge?: (challenge: string) => void;
  resolve(status: string): void;
  reject(error: Error): void;
  inBody: boolean;
  status: string;
  /** The next body byte starts a line: where a stuffed dot or the terminating "." can be. */
  lineStart: boolean;
}

function socketError(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * One POP3 connection. Commands may be pipelined: each call writes its command at once and its promise settles
 * when that command's answer has arrived, in order. Multi-line answers are unstuffed as they arrive and handed on
 * as slices of the socket's own buffers.
 */
export class Pop3Connection {
  private greeting = '';
  private buffer: Buffer = EMPTY;
  private readonly pending: Pending[] = [];
  private failure: Error | null = null;
  private readonly onData = (chunk: Buffer) => this.receive(chunk);
  private readonly onError = (error: Error) => this.fail(error);
  private readonly onClose = () => this.fail(socketError('The server closed the connection.', 'EConnectionClosed'));
  private readonly onTimeout = () => {
    if (this.pending.length > 0) this.fail(socketError('The server stopped answering.', 'ETIMEDOUT'));
  };

  private constructor(
    private socket: net.Socket,
    private readonly endpoint: Pop3Endpoint,
  ) {}

  /** Connects and reads the greeting, within `timeoutMs`. */
  static async open(endpoint: Pop3Endpoint): Promise<Pop3Connection> {
    const socket =
      endpoint.security === 'tls'
        ? tls.connect({ host: endpoint.host, port: endpoint.port, ...tlsOptions(endpoint) })
        : net.connect({ host: endpoint.host, port: endpoint.port });
    socket.setNoDelay(true);
    const connection = new Pop3Connection(socket, endpoint);
    connection.attach(socket, endpoint.timeoutMs);
    connection.greeting = await connection.expect('(greeting)', false);
    socket.setTimeout(idleTimeoutMs(endpoint));
    return connection;
  }

  /** The APOP challenge from the greeting, when the server offers APOP. */
  get apopTimestamp(): string | null {
    return /<[^<>\s@]+@[^<>\s]+>/.exec(this.greeting)?.[0] ?? null;
  }

  /** Sends a command whose answer is one line; resolves with the text after +OK. */
  command(line: string, display = line): Promise<string> {
    return this.send(line, display, false);
  }

  /** Sends a command with a multi-line answer and resolves with its unstuffed body. */
  async collect(line: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    await this.send(line, line, true, (chunk) => chunks.push(chunk));
    return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
  }

  /** Sends a command with a multi-line answer and streams its body, pausing the socket while the reader is behind. */
  stream(line: string): Readable {
    const socket = this.socket;
    const body = new Readable({
      highWaterMark: STREAM_HIGH_WATER,
      read: () => socket.resume(),
    });
    this.send(line, line, true, (chunk) => {
      if (!body.push(chunk)) socket.pause();
    }).then(
      () => {
        // The terminator may arrive in the read that paused the socket; an ended stream asks for no more data.
        socket.resume();
        body.push(null);
      },
      (error: Error) => body.destroy(error),
    );
    return body;
  }

  /** CAPA: each capability (upper case) with its arguments, such as SASL's mechanisms; null from an RFC 1939 server. */
  async capabilityLines(): Promise<Map<string, string[]> | null> {
    try {
      const text = (await this.collect('CAPA')).toString('latin1');
      const lines = text.split(/\r?\n/).map((l) => l.trim().split(/\s+/));
      return new Map(lines.filter(([name]) => name).map(([name, ...args]) => [(name as string).toUpperCase(), args]));
    } catch (error) {
      if (error instanceof Pop3Error) return null;
      throw error;
    }
  }

  /** CAPA's capability names, or null from a server that predates it (RFC 1939 only). */
  async capabilities(): Promise<Set<string> | null> {
    const lines = await this.capabilityLines();
    return lines && new Set(lines.keys());
  }

  /** STLS (RFC 2595): the rest of the session runs over TLS, verified like an implicit-TLS connection. */
  async startTls(): Promise<void> {
    await this.command('STLS');
    if (this.buffer.length > 0) throw socketError('The server sent data before the TLS handshake.', 'EPROTO');
    const plain = this.socket;
    this.detach();
    const secure = tls.connect({ socket: plain, ...tlsOptions(this.endpoint) });
    // Until attach(), failures are this promise's; later ones (after a failed handshake) must not go unhandled.
    secure.on('error', () => {});
    this.socket = secure;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(socketError('The TLS handshake did not finish in time.', 'ETIMEDOUT')),
        this.endpoint.timeoutMs,
      );
      secure.once('secureConnect', () => {
        clearTimeout(timer);
        resolve();
      });
      secure.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    this.attach(secure, idleTimeoutMs(this.endpoint));
  }

  /** APOP with the greeting's challenge: the password never crosses the wire. */
  apop(user: string, password: string): Promise<string> {
    if (!this.apopTimestamp) throw new Error('the server offered no APOP challenge');
    const digest = crypto
      .createHash('md5')
      .update(this.apopTimestamp + password, 'utf8')
      .digest('hex');
    return this.command(`APOP ${user} ${digest}`, `APOP ${user} ***`);
  }

  /**
   * AUTH with a SASL mechanism (RFC 5034): `respond` turns each base64 challenge into the base64 answer. An answer
   * that cannot be made cancels the exchange with "*", and the server's -ERR rejects.
   */
  authenticate(mechanism: string, respond: (challenge: string) => string): Promise<string> {
    const line = `AUTH ${mechanism}`;
    return this.send(line, line, false, undefined, (challenge) => {
      let answer: string;
      try {
        answer = respond(challenge);
      } catch {
        answer = '*';
      }
      this.socket.write(`${answer}\r\n`, 'utf8');
    });
  }

  async login(user: string, password: string): Promise<void> {
    await this.command(`USER ${user}`);
    await this.command(`PASS ${password}`, 'PASS ***');
  }

  /** QUIT: the server deletes the letters marked with DELE only now, and only if this succeeds. */
  async quit(): Promise<void> {
    await this.command('QUIT');
    this.destroy();
  }

  /** Drops the connection without QUIT: whatever was marked with DELE stays on the server. */
  destroy(): void {
    this.fail(socketError('The connection was closed.', 'EConnectionClosed'));
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  private send(
    line: string,
    display: string,
    multiline: boolean,
    onBody?: (chunk: Buffer) => void,
    onChallenge?: (challenge: string) => void,
  ): Promise<string> {
    if (/[\r\n]/.test(line)) return Promise.reject(new Error(`${display.split(' ')[0]}: a line break in an argument`));
    const answer = this.expect(display, multiline, onBody, onChallenge);
    if (this.failure) return answer;
    // Commands sent in one tick (pipelined ones) leave in one write instead of a system call each.
    if (this.socket.writableCorked === 0) {
      const socket = this.socket;
      socket.cork();
      process.nextTick(() => socket.uncork());
    }
    this.socket.write(`${line}\r\n`, 'utf8');
    return answer;
  }

  private expect(
    command: string,
    multiline: boolean,
    onBody?: (chunk: Buffer) => void,
    onChallenge?: (challenge: string) => void,
  ): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<string>((resolve, reject) => {
      this.pending.push({
        command,
        multiline,
        ...(onBody ? { onBody } : {}),
        ...(onChallenge ? { onChallenge } : {}),
        resolve,
        reject,
        inBody: false,
        status: '',
        lineStart: true,
      });
    });
  }

  private attach(socket: net.Socket, timeoutMs: number): void {
    socket.on('data', this.onData);
    socket.on('error', this.onError);
    socket.on('close', this.onClose);
    socket.on('timeout', this.onTimeout);
    socket.setTimeout(timeoutMs);
  }

  private detach(): void {
    this.socket.off('data', this.onData);
    this.socket.off('error', this.onError);
    this.socket.off('close', this.onClose);
    this.socket.off('timeout', this.onTimeout);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    this.failure = error;
    this.detach();
    // Later socket errors (a reset after destroy) must not be unhandled.
    this.socket.on('error', () => {});
    this.socket.destroy();
    for (const p of this.pending.splice(0)) p.reject(error);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length > 0 ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      while (this.pending.length > 0 && this.step(this.pending[0] as Pending)) this.pending.shift();
    } catch (error) {
      this.fail(error as Error);
    }
  }

  /** Advances the oldest command with what has arrived; true when its answer is complete. */
  private step(p: Pending): boolean {
    if (p.inBody) return this.readBody(p);
    const eol = this.buffer.indexOf(LF);
    if (eol < 0) {
      if (this.buffer.length > MAX_LINE) throw socketError('The server sent an endless line.', 'EPROTO');
      return false;
    }
    const line = this.buffer.toString('latin1', 0, eol).replace(/\r$/, '');
    this.buffer = this.buffer.subarray(eol + 1);
    if (line.startsWith('+OK')) {
      p.status = line.slice(3).trim();
      if (!p.multiline) {
        p.resolve(p.status);
        return true;
      }
      p.inBody = true;
      return this.readBody(p);
    }
    if (line.startsWith('-ERR')) {
      p.reject(new Pop3Error(p.command, line.slice(4).trim()));
      return true;
    }
    if (p.onChallenge && (line === '+' || line.startsWith('+ '))) {
      // The command stays first in line: its answer is the +OK or -ERR that ends the exchange.
      p.onChallenge(line.slice(1).trim());
      return this.step(p);
    }
    throw socketError(`The server answered ${p.command} with "${line.slice(0, 80)}".`, 'EPROTO');
  }

  /**
   * Hands on the body up to the terminating ".", undoing dot-stuffing; only a line that begins with a dot needs
   * any work, so the search jumps from one "\n." to the next. Undecided bytes (a dot at the end of what has
   * arrived) wait for the next read.
   */
  private readBody(p: Pending): boolean {
    const buf = this.buffer;
    let from = 0;
    let pos = 0;
    const emit = (to: number) => {
      if (to > from) p.onBody?.(buf.subarray(from, to));
    };
    for (;;) {
      if (p.lineStart) {
        if (pos >= buf.length) break;
        if (buf[pos] === DOT) {
          const next = buf[pos + 1];
          if (next === undefined || (next === CR && pos + 2 >= buf.length)) {
            emit(pos);
            this.buffer = buf.subarray(pos);
            return false;
          }
          if (next === LF || (next === CR && buf[pos + 2] === LF)) {
            emit(pos);
            this.buffer = buf.subarray(pos + (next === LF ? 2 : 3));
            p.onBody = undefined;
            p.resolve(p.status);
            return true;
          }
          emit(pos);
          from = pos + 1;
        }
        p.lineStart = false;
      }
      const hit = buf.indexOf(LF_DOT, pos);
      if (hit < 0) {
        p.lineStart = buf[buf.length - 1] === LF;
        pos = buf.length;
        break;
      }
      pos = hit + 1;
      p.lineStart = true;
    }
    emit(buf.length);
    this.buffer = EMPTY;
    return false;
  }
}

function tlsOptions(endpoint: Pop3Endpoint): tls.ConnectionOptions {
  return {
    servername: net.isIP(endpoint.host) ? undefined : endpoint.host,
    rejectUnauthorized: !endpoint.acceptSelfSigned,
    minVersion: 'TLSv1.2',
  };
}

/** As for IMAP: a letter of many megabytes on a slow link can take long; silence for this long cannot. */
function idleTimeoutMs(endpoint: Pop3Endpoint): number {
  return Math.max(endpoint.timeoutMs * 10, 5 * 60_000);
}
