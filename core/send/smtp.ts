import { Readable, type Transform, type Writable } from 'node:stream';
import SMTPConnection, { type SMTPConnectionCustomAuthHandler } from 'nodemailer/lib/smtp-connection';
import type { Security } from '../db/accounts-repo.js';
import { InterlogError } from '../errors.js';
import { cramMd5Answer, SecureAuthUnavailable } from '../setup/secure-auth.js';
import { serverError } from '../sync/server-error.js';

export interface SmtpServer {
  host: string;
  port: number;
  security: Security;
  username: string | null;
  password: string | null;
  acceptSelfSigned: boolean;
  timeoutMs: number;
  /** Seed 004 "secure password authentication": sign in with CRAM-MD5 only, or not at all. */
  securePasswordAuth: boolean;
}

export interface SmtpResult {
  response: string;
  accepted: string[];
  rejected: string[];
}

/**
 * CRAM-MD5 (RFC 2195, 4954) through nodemailer's custom-auth hook rather than its built-in method: the hook is told
 * which mechanisms the server announced, so a server without CRAM-MD5 is refused before any AUTH command, with its
 * offer named, and nothing about the password leaves the machine. The built-in would send AUTH CRAM-MD5 blindly.
 */
function cramMd5(where: string): SMTPConnectionCustomAuthHandler {
  return async (ctx) => {
    if (!ctx.authMethods.includes('CRAM-MD5')) {
      ctx.reject(
        new SecureAuthUnavailable(
          'smtp',
          where,
          ctx.authMethods.map((m) => `AUTH ${m}`),
        ),
      );
      return;
    }
    const challenge = await ctx.sendCommand('AUTH CRAM-MD5');
    if (challenge.status !== 334) {
      ctx.reject(new Error('The server did not send a CRAM-MD5 challenge'));
      return;
    }
    const answer = await ctx.sendCommand(
      cramMd5Answer(ctx.auth.credentials.user, ctx.auth.credentials.pass, challenge.text),
    );
    if (answer.status === 235) ctx.resolve();
    else ctx.reject(new Error('Invalid login'));
  };
}

function connection(server: SmtpServer): SMTPConnection {
  return new SMTPConnection({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    tls: { rejectUnauthorized: !server.acceptSelfSigned, minVersion: 'TLSv1.2' },
    connectionTimeout: server.timeoutMs,
    greetingTimeout: server.timeoutMs,
    socketTimeout: Math.max(server.timeoutMs * 4, 60_000),
    name: 'interlog.local',
    logger: false,
    ...(server.securePasswordAuth ? { customAuth: { 'CRAM-MD5': cramMd5(`${server.host}:${server.port}`) } } : {}),
  });
}

/**
 * One signed-in SMTP connection, reused for many letters (a new connection and login per letter costs more than
 * the letter). Each `send` is one SMTP transaction; after a failure the session is closed and must be reopened.
 */
export class SmtpSession {
  private broken: unknown = null;

  private constructor(
    private readonly conn: SMTPConnection,
    private readonly where: { host: string; port: number },
  ) {
    conn.on('error', (error) => {
      this.broken = error;
    });
    conn.on('end', () => {
      this.broken ??= new Error('the connection closed');
    });
  }

  static open(server: SmtpServer): Promise<SmtpSession> {
    const where = { host: server.host, port: server.port };
    const conn = connection(server);
    return new Promise((resolve, reject) => {
      const onError = (error: unknown) => {
        conn.close();
        reject(smtpError(error, where));
      };
      conn.once('error', onError);
      conn.connect(() => {
        const ready = () => {
          conn.off('error', onError);
          resolve(new SmtpSession(conn, where));
        };
        if (server.username && server.password !== null) {
          const method = server.securePasswordAuth ? { method: 'CRAM-MD5' } : {};
          conn.login({ user: server.username, pass: server.password, ...method }, (error) =>
            error ? onError(error) : ready(),
          );
        } else ready();
      });
    });
  }

  get usable(): boolean {
    return this.broken === null;
  }

  /**
   * Sends one raw letter. `beforeCommit` runs synchronously once the whole message has left this process (handed
   * to the operating system) and right before the final "." that asks the server to take it: up to then a lost
   * connection means the server discarded the letter and it may be sent again; after it, the server may have
   * accepted it.
   */
  send(
    envelope: { from: string; to: string[] },
    raw: Buffer,
    beforeCommit: () => void = () => {},
  ): Promise<SmtpResult> {
    if (this.broken) return Promise.reject(smtpError(this.broken, this.where));
    return new Promise<SmtpResult>((resolve, reject) => {
      let wrote = false;
      const message: Readable = new Readable({
        read() {
          if (!wrote) {
            wrote = true;
            this.push(raw);
            return;
          }
          // nodemailer asks for more long before the letter is on the wire (even before DATA is answered), and
          // megabytes of it may wait in its stages or the socket: a link lost then has not carried the end, so the
          // letter is not committing yet.
          whenWritten(() => {
            try {
              beforeCommit();
            } catch (error) {
              message.destroy(error as Error);
              return;
            }
            message.push(null);
          });
        },
      });
      const whenWritten = (then: () => void, attempt = 0) => {
        // Private fields of nodemailer 10 (pinned): it has no event for "all but the final dot is written".
        const inner = this.conn as unknown as { _socket?: Writable | false; _currentDataStream?: Transform | false };
        const socket = inner._socket || null;
        // The send failed or the session was closed: it reports its own error, and nothing is left to end.
        if (!socket || socket.destroyed || this.broken || message.destroyed) return;
        const stage = inner._currentDataStream || null;
        const waiting =
          message.readableLength + (stage ? stage.writableLength + stage.readableLength : 0) + socket.writableLength;
        // Until DATA is answered there is no stage yet, and the letter still sits in `message`.
        if (stage && waiting === 0) return then();
        // Looked at again rather than on 'drain': a socket holding less than its high-water mark never emits it,
        // and the letter would wait for ever. First on the next turns of the event loop (on a near server the
        // answer to DATA and the writes take well under a millisecond, and a 5 ms timer per letter halved the
        // outbox's rate), then every few milliseconds. unref: the wait alone never keeps a finished process alive.
        const next = () => whenWritten(then, attempt + 1);
        if (attempt < 50) setImmediate(next).unref();
        else setTimeout(next, Math.min(5, attempt - 49)).unref();
      };
      this.conn.send({ from: envelope.from, to: envelope.to }, message, (error, info) => {
        if (error) {
          // A refused letter leaves the session usable, a broken link does not; either way start afresh.
          this.close();
          return reject(smtpError(error, this.where));
        }
        resolve({
          response: String(info.response ?? ''),
          accepted: (info.accepted ?? []).map(String),
          rejected: (info.rejected ?? []).map(String),
        });
      });
    });
  }

  close(): void {
    this.broken ??= new Error('closed');
    this.conn.quit();
    this.conn.close();
  }
}

/** Sends one letter on a connection of its own. */
export async function sendRaw(
  server: SmtpServer,
  envelope: { from: string; to: string[] },
  raw: Buffer,
  beforeCommit?: () => void,
): Promise<SmtpResult> {
  const session = await SmtpSession.open(server);
  try {
    return await session.send(envelope, raw, beforeCommit);
  } finally {
    session.close();
  }
}

/** Logs in and out, to check an account's sending settings without sending anything. */
export async function verifySmtp(server: SmtpServer): Promise<void> {
  (await SmtpSession.open(server)).close();
}

/** SMTP failures as errors a person can act on, with the server's own words (seed 003: read the error text). */
export function smtpError(error: unknown, server: { host: string; port: number }): InterlogError {
  if (error instanceof InterlogError) return error;
  const e = (error ?? {}) as {
    code?: string;
    responseCode?: number;
    response?: string;
    message?: string;
    command?: string;
  };
  const where = `${server.host}:${server.port}`;
  const said = e.response ? ` The server said: ${e.response.trim()}` : '';
  const code = e.responseCode ?? 0;
  if (e.code === 'EAUTH' || code === 535 || code === 534) {
    return new InterlogError('auth', `The mail server ${where} refused the user name or password for sending.${said}`);
  }
  if (e.code === 'ETLS') {
    return new InterlogError('tls', `The secure connection to ${where} failed: ${e.message}.${said}`);
  }
  if (code === 552 || /size|too large|too big/i.test(e.response ?? '')) {
    return new InterlogError('too-large', `The letter is larger than ${where} accepts.${said}`);
  }
  if (code >= 400 && code < 500) {
    return new InterlogError('temporary', `The server ${where} asked to try again later.${said}`);
  }
  if (e.code === 'EENVELOPE' && code >= 500) {
    return new InterlogError(
      'relay-denied',
      `The server ${where} would not take the letter for these addresses.${said}`,
    );
  }
  if (code >= 500) return new InterlogError('rejected', `The server ${where} refused the letter.${said}`);
  if (e.code === 'ETIMEDOUT') return new InterlogError('timeout', `The server ${where} did not answer in time.`);
  if (e.code === 'ECONNECTION' || e.code === 'ESOCKET') {
    // nodemailer replaces a socket error's code (ECONNREFUSED…) with its own and keeps the first as originalCode.
    const { cause, originalCode } = error as { cause?: unknown; originalCode?: string };
    const inner = serverError(cause ?? (originalCode ? { ...e, code: originalCode } : error), server);
    return inner.kind === 'protocol'
      ? new InterlogError('connection-lost', `The connection to ${where} was lost.`)
      : inner;
  }
  return serverError(error, server);
}
