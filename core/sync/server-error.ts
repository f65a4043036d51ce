import { InterlogError } from '../errors.js';

// Shared by every mail protocol: sockets, TLS and DNS fail the same way under imapflow and the POP3 client.
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ClosedAfterConnectTLS',
]);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'UPGRADE_TIMEOUT', 'ETIMEOUT']);
const LOST_CODES = new Set([
  'NoConnection',
  'EConnectionClosed',
  'ECONNRESET',
  'EPIPE',
  'ClosedAfterConnectText',
  'ECONNABORTED',
]);

/** Turns whatever a mail client library or the socket threw into an error a person can act on. */
export function serverError(error: unknown, server: { host: string; port: number }): InterlogError {
  if (error instanceof InterlogError) return error;
  const e = (error ?? {}) as { code?: string; message?: string; authenticationFailed?: boolean; responseText?: string };
  const where = `${server.host}:${server.port}`;
  const code = e.code ?? '';
  const said = e.responseText ? ` The server said: ${e.responseText}` : '';
  if (e.authenticationFailed) {
    return new InterlogError('auth', `The server ${where} refused the user name or password.${said}`, e.message);
  }
  if (code === 'EAI_AGAIN') {
    // The resolver could not answer now (no network, a DNS hiccup): not the same as a name that does not exist.
    return new InterlogError('temporary', `The name ${server.host} could not be looked up just now.`, e.message);
  }
  if (code === 'ENOTFOUND') {
    return new InterlogError('host-not-found', `The mail server ${server.host} was not found.`, e.message);
  }
  if (code === 'ECONNREFUSED') {
    return new InterlogError(
      'connection-refused',
      `Nothing answers at ${where}: check the server and port.`,
      e.message,
    );
  }
  if (TIMEOUT_CODES.has(code)) {
    return new InterlogError('timeout', `The server ${where} did not answer in time.`, e.message);
  }
  if (
    TLS_CODES.has(code) ||
    code.startsWith('ERR_TLS') ||
    code.startsWith('ERR_SSL') ||
    /certificate/i.test(e.message ?? '')
  ) {
    return new InterlogError(
      'tls',
      `The secure connection to ${where} failed: ${e.message ?? code}. ` +
        'If this server uses its own certificate and you trust it, allow self-signed certificates for this account.',
      code,
    );
  }
  if (LOST_CODES.has(code) || /connection (closed|not available)|socket/i.test(e.message ?? '')) {
    return new InterlogError('connection-lost', `The connection to ${where} was lost.`, e.message);
  }
  return new InterlogError(
    'protocol',
    `The server ${where} answered unexpectedly: ${e.message ?? String(error)}`,
    code,
  );
}
