import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { Security } from '../db/accounts-repo.js';
import { InterlogError } from '../errors.js';
import { serverError } from '../sync/server-error.js';

export interface SmtpServer {
  host: string;
  port: number;
  security: Security;
  username: string | null;
  password: string | null;
  acceptSelfSigned: boolean;
  timeoutMs: number;
}

export interface SmtpResult {
  response: string;
  accepted: string[];
  rejected: string[];
}

/**
 * Sends one raw letter in one SMTP transaction. `beforeCommit` runs synchronously after the whole message was
 * written and right before the final "." that asks the server to take it: up to then a lost connection means the
 * server discarded the letter and it may be sent again; after it, the server may have accepted it.
 */
export function sendRaw(
  server: SmtpServer,
  envelope: { from: string; to: string[] },
  raw: Buffer,
  beforeCommit: () => void = () => {},
): Promise<SmtpResult> {
  const where = { host: server.host, port: server.port };
  const connection = new SMTPConnection({
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
  });
  return new Promise<SmtpResult>((resolve, reject) => {
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      connection.close();
      reject(smtpError(error, where));
    };
    connection.on('error', fail);
    connection.connect(() => {
      const afterLogin = () => {
        let sent = false;
        const message = new Readable({
          read() {
            if (!sent) {
              sent = true;
              this.push(raw);
              return;
            }
            try {
              beforeCommit();
            } catch (error) {
              this.destroy(error as Error);
              return;
            }
            this.push(null);
          },
        });
        connection.send({ from: envelope.from, to: envelope.to }, message, (error, info) => {
          if (error) return fail(error);
          settled = true;
          connection.quit();
          resolve({
            response: String(info.response ?? ''),
            accepted: (info.accepted ?? []).map(String),
            rejected: (info.rejected ?? []).map(String),
          });
        });
      };
      if (server.username && server.password !== null) {
        connection.login({ user: server.username, pass: server.password }, (error) =>
          error ? fail(error) : afterLogin(),
        );
      } else afterLogin();
    });
  });
}

/** Logs in and out, to check an account's sending settings without sending anything. */
export function verifySmtp(server: SmtpServer): Promise<void> {
  const where = { host: server.host, port: server.port };
  const connection = new SMTPConnection({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'none',
    tls: { rejectUnauthorized: !server.acceptSelfSigned, minVersion: 'TLSv1.2' },
    connectionTimeout: server.timeoutMs,
    greetingTimeout: server.timeoutMs,
    logger: false,
  });
  return new Promise((resolve, reject) => {
    connection.on('error', (error) => reject(smtpError(error, where)));
    connection.connect(() => {
      if (!server.username || server.password === null) {
        connection.quit();
        return resolve();
      }
      connection.login({ user: server.username, pass: server.password }, (error) => {
        if (error) return reject(smtpError(error, where));
        connection.quit();
        resolve();
      });
    });
  });
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
    const inner = serverError((error as { cause?: unknown }).cause ?? error, server);
    return inner.kind === 'protocol'
      ? new InterlogError('connection-lost', `The connection to ${where} was lost.`)
      : inner;
  }
  return serverError(error, server);
}
