import { ImapFlow } from 'imapflow';
import type { AccountRecord } from '../../db/accounts-repo.js';
import { serverError } from '../server-error.js';

export interface ImapCredentials {
  account: Pick<AccountRecord, 'host' | 'port' | 'security' | 'username' | 'acceptSelfSigned' | 'timeoutMs'>;
  password: string;
}

export function createImapClient({ account, password }: ImapCredentials): ImapFlow {
  return new ImapFlow({
    host: account.host,
    port: account.port,
    secure: account.security === 'tls',
    // 'starttls' insists on the upgrade (a server that does not offer it fails, never silently stays plain).
    doSTARTTLS: account.security === 'starttls' ? true : account.security === 'none' ? false : undefined,
    auth: { user: account.username, pass: password },
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
  const client = createImapClient(credentials);
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

/** Turns whatever imapflow or the socket threw into an error a person can act on. */
export const imapError = serverError;
