import crypto from 'node:crypto';
import { InterlogError } from '../errors.js';

// Seed 004's "secure password authentication" (Outlook's and 1C's SPA): the server proves the password with a
// challenge and a keyed digest, so the password itself never crosses the wire, not even inside TLS. The sign-in
// code of each protocol (POP3, SMTP, IMAP) reads this setting; the form in this folder is where the user sets it.

/**
 * The client's answer to a CRAM-MD5 challenge (RFC 2195): the user name, a space and the HMAC-MD5 of the decoded
 * challenge keyed with the password, in hex, all base64-encoded. The same for POP3 (RFC 5034) and SMTP (RFC 4954).
 */
export function cramMd5Answer(user: string, password: string, challengeBase64: string): string {
  const challenge = Buffer.from(challengeBase64.trim(), 'base64');
  const digest = crypto.createHmac('md5', Buffer.from(password, 'utf8')).update(challenge).digest('hex');
  return Buffer.from(`${user} ${digest}`, 'utf8').toString('base64');
}

/** The challenge-response mechanisms Interlog can use, by protocol, for messages and the form's hint. */
export const SECURE_MECHANISMS: Record<'imap' | 'pop3' | 'smtp', string> = {
  imap: 'none: the IMAP client signs in only with the password itself, inside TLS',
  pop3: 'APOP or SASL CRAM-MD5',
  smtp: 'AUTH CRAM-MD5',
};

/**
 * Secure password authentication was asked for and cannot be had: the server offers no challenge-response
 * mechanism, or our client for the protocol cannot use the one it offers. The password was not sent. It is an
 * 'auth' failure (retrying will not help), told apart from a wrong password by its class.
 */
export class SecureAuthUnavailable extends InterlogError {
  constructor(
    readonly protocol: 'imap' | 'pop3' | 'smtp',
    where: string,
    /** What the server offers for signing in, as it named it (e.g. "AUTH=PLAIN", "SASL PLAIN LOGIN"). */
    readonly offered: readonly string[],
    /** Set when the server offers a challenge-response mechanism our client for this protocol cannot use. */
    clientCannot?: string,
  ) {
    const offers = offered.length ? offered.join(', ') : 'no sign-in mechanism it names';
    super(
      'auth',
      clientCannot
        ? `Secure password authentication is not possible with ${where} over ${protocol.toUpperCase()}: ${clientCannot} ` +
            `The server offers: ${offers}. The password was not sent.`
        : `The server ${where} offers no secure password authentication (${SECURE_MECHANISMS[protocol]}); ` +
            `it offers: ${offers}. The password was not sent.`,
      offers,
    );
    this.name = 'SecureAuthUnavailable';
  }
}
