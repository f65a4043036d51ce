import type { AccountRecord } from '../../db/accounts-repo.js';
import { InterlogError } from '../../errors.js';
import { cramMd5Answer, SecureAuthUnavailable } from '../../setup/secure-auth.js';
import { serverError } from '../server-error.js';
import { Pop3Connection, Pop3Error } from './client.js';

export interface Pop3Credentials {
  account: Pick<
    AccountRecord,
    'host' | 'port' | 'security' | 'username' | 'acceptSelfSigned' | 'timeoutMs' | 'securePasswordAuth'
  >;
  password: string;
}

/** An authenticated connection and what the server says it can do (null: no CAPA, an RFC 1939 server). */
export interface Pop3Session {
  connection: Pop3Connection;
  capabilities: ReadonlySet<string> | null;
}

/**
 * Connects, secures and logs in. 'starttls' insists on STLS (a server that refuses it fails, never silently stays
 * plain). APOP is used when the greeting offers it, so the password does not cross the wire even in the clear;
 * a server that offers the challenge but cannot check it (it keeps only password hashes) gets USER/PASS, unless the
 * account asks for secure password authentication (see `secureSignIn`).
 */
export async function connectPop3({ account, password }: Pop3Credentials): Promise<Pop3Session> {
  let connection: Pop3Connection | undefined;
  try {
    connection = await Pop3Connection.open(account);
    let capa = await connection.capabilityLines();
    if (account.security === 'starttls') {
      if (capa && !capa.has('STLS')) throw noStls(account);
      await connection.startTls().catch((error: unknown) => {
        throw error instanceof Pop3Error ? noStls(account) : error;
      });
      capa = await connection.capabilityLines();
    }
    if (account.securePasswordAuth) await secureSignIn(connection, account, password, capa);
    else await authenticate(connection, account.username, password);
    // What a server offers may change once the user is known (RFC 2449, section 5).
    let capabilities = capa && new Set(capa.keys());
    if (capabilities) capabilities = (await connection.capabilities()) ?? capabilities;
    return { connection, capabilities };
  } catch (error) {
    connection?.destroy();
    throw pop3Error(error, account);
  }
}

async function authenticate(connection: Pop3Connection, user: string, password: string): Promise<void> {
  if (connection.apopTimestamp) {
    try {
      await connection.apop(user, password);
      return;
    } catch (error) {
      if (!(error instanceof Pop3Error)) throw error;
    }
  }
  await connection.login(user, password);
}

/**
 * Seed 004's secure password authentication: APOP when the greeting carries a challenge, else SASL CRAM-MD5 (RFC
 * 2195, 5034) when CAPA lists it; never USER/PASS, whatever fails. A server whose APOP fails (it keeps only hashes
 * of passwords) gets CRAM-MD5 when it offers it, and its APOP refusal otherwise.
 */
async function secureSignIn(
  connection: Pop3Connection,
  account: Pop3Credentials['account'],
  password: string,
  capa: ReadonlyMap<string, string[]> | null,
): Promise<void> {
  const cram = (capa?.get('SASL') ?? []).some((m) => m.toUpperCase() === 'CRAM-MD5');
  if (connection.apopTimestamp) {
    try {
      await connection.apop(account.username, password);
      return;
    } catch (error) {
      if (!(error instanceof Pop3Error) || !cram) throw error;
    }
  }
  if (!cram) throw new SecureAuthUnavailable('pop3', `${account.host}:${account.port}`, signInOffers(capa));
  await connection.authenticate('CRAM-MD5', (challenge) => cramMd5Answer(account.username, password, challenge));
}

/** How the server lets a user sign in, in its own words; an RFC 1939 server (no CAPA) has USER/PASS. */
function signInOffers(capa: ReadonlyMap<string, string[]> | null): string[] {
  if (!capa) return ['USER/PASS (the server answers no CAPA)'];
  const sasl = capa.get('SASL');
  return [...(capa.has('USER') ? ['USER/PASS'] : []), ...(sasl?.length ? [`SASL ${sasl.join(' ')}`] : [])];
}

function noStls(server: { host: string; port: number }): InterlogError {
  return new InterlogError(
    'tls',
    `The server ${server.host}:${server.port} does not offer STLS, so the connection cannot be secured. ` +
      'Choose TLS (usually port 995) or, on a trusted network only, no encryption.',
  );
}

/** RFC 2449 response codes that mean "not now": another client holds the maildrop, or the server is in trouble. */
const BUSY_CODES = new Set(['IN-USE', 'SYS/TEMP']);

/** Turns a POP3 answer or a socket failure into an error a person can act on. */
export function pop3Error(error: unknown, server: { host: string; port: number }): InterlogError {
  if (!(error instanceof Pop3Error)) return serverError(error, server);
  const where = `${server.host}:${server.port}`;
  const said = `The server said: ${error.responseText}`;
  if (error.code !== null && BUSY_CODES.has(error.code)) {
    // Transient: the next attempt, after a backoff, usually finds the maildrop free.
    return new InterlogError('connection-lost', `The mailbox at ${where} is busy. ${said}`, error.message);
  }
  if (/^(USER|PASS|APOP|AUTH)\b/.test(error.command)) {
    return new InterlogError('auth', `The server ${where} refused the user name or password. ${said}`, error.message);
  }
  return new InterlogError('protocol', `The server ${where} answered unexpectedly: ${error.message}`, error.code ?? '');
}

/** Logs in and out, so a new account's settings are known to work before they are saved. */
export async function verifyPop3(credentials: Pop3Credentials): Promise<void> {
  const { connection } = await connectPop3(credentials);
  await connection.quit().catch(() => connection.destroy());
}
