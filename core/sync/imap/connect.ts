import { ImapFlow } from 'imapflow';
import type { AccountRecord } from '../../db/accounts-repo.js';
import { SecureAuthUnavailable } from '../../setup/secure-auth.js';
import { serverError } from '../server-error.js';

export interface ImapCredentials {
  account: Pick<
    AccountRecord,
    'host' | 'port' | 'security' | 'username' | 'acceptSelfSigned' | 'timeoutMs' | 'securePasswordAuth'
  >;
  password: string;
}

/** With `password` null the client connects and reads the server's capabilities, and stops before signing in. */
function createImapClient(account: ImapCredentials['account'], password: string | null): ImapFlow {
  return new ImapFlow({
    host: account.host,
    port: account.port,
    secure: account.security === 'tls',
    // 'starttls' insists on the upgrade (a server that does not offer it fails, never silently stays plain).
    doSTARTTLS: account.security === 'starttls' ? true : account.security === 'none' ? false : undefined,
    ...(password === null ? {} : { auth: { user: account.username, pass: password } }),
    tls: { rejectUnauthorized: !account.acceptSelfSigned, minVersion: 'TLSv1.2' },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: account.timeoutMs,
    greetingTimeout: account.timeoutMs,
    socketTimeout: Math.max(account.timeoutMs * 10, 5 * 60_000),
    clientInfo: { name: 'Interlog', vendor: 'Interlog' },
  });
}

export async function connectImap(credentials: ImapCredentials): Promise<ImapFlow> {
  if (credentials.account.securePasswordAuth) throw await noSecureImapAuth(credentials.account);
  const client = createImapClient(credentials.account, credentials.password);
  // An 'error' event without a listener would crash the process; failures surface through the awaited calls.
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.close();
    throw imapError(error, credentials.account);
  }
}

/**
 * imapflow 2.10 signs in only with LOGIN, AUTHENTICATE PLAIN or LOGIN (the password itself) or OAuth; it has no
 * CRAM-MD5 or SCRAM. So secure password authentication over IMAP is refused, never quietly replaced by a password
 * sign-in: the client connects without the password (TLS or STARTTLS as configured, so a wrong port or certificate
 * is still reported as such), reads what the server offers, and the error names it.
 */
async function noSecureImapAuth(account: ImapCredentials['account']): Promise<SecureAuthUnavailable> {
  const client = createImapClient(account, null);
  client.on('error', () => {});
  let names: string[];
  try {
    await client.connect();
  } catch (error) {
    // No capabilities at all: the connection itself failed, which is what the user must hear about.
    if (client.capabilities.size === 0) throw imapError(error, account);
  } finally {
    names = [...client.capabilities.keys()];
    client.close();
  }
  const offered = [...(names.includes('LOGINDISABLED') ? [] : ['LOGIN']), ...names.filter((c) => /^AUTH=/i.test(c))];
  const challenge = offered.some((c) => /^AUTH=(CRAM-MD5|SCRAM-|DIGEST-MD5)/i.test(c));
  return new SecureAuthUnavailable(
    'imap',
    `${account.host}:${account.port}`,
    offered,
    challenge
      ? "the server offers a challenge-response mechanism, but Interlog's IMAP client (imapflow) cannot use it; it signs in only with the password itself."
      : "neither the server nor Interlog's IMAP client (imapflow) offers a challenge-response mechanism.",
  );
}

/** Turns whatever imapflow or the socket threw into an error a person can act on. */
export const imapError = serverError;
