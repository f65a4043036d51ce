import type { Security } from '../db/accounts-repo.js';
import { type Found, SECURITY_RANK, type ServerSettings } from './types.js';
import { child, childrenNamed, childText, parseXml, type XmlElement } from './xml.js';

/** The address a configuration is filled in for. */
export interface Address {
  email: string;
  localPart: string;
  domain: string;
}

export function splitAddress(email: string): Address {
  const at = email.lastIndexOf('@');
  return { email, localPart: email.slice(0, at), domain: email.slice(at + 1).toLowerCase() };
}

/** Fills in Mozilla's placeholders; %REALNAME% and unknown ones are left, so the value is then refused. */
export function fillPlaceholders(value: string, address: Address): string {
  return value
    .replaceAll('%EMAILADDRESS%', address.email)
    .replaceAll('%EMAILLOCALPART%', address.localPart)
    .replaceAll('%EMAILDOMAIN%', address.domain);
}

const SOCKET_TYPES: Record<string, Security> = { SSL: 'tls', STARTTLS: 'starttls', plain: 'none' };
const HOST =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.?$/;
/** Ways of signing in with the password Interlog is given. */
const PASSWORD_AUTH = new Set(['password-cleartext', 'password-encrypted', 'plain', 'secure']);

/**
 * Reads a Mozilla clientConfig v1.1 file into servers for the address. Servers Interlog cannot use (Exchange, EWS,
 * JMAP), bad ports or host names, and unfilled placeholders are skipped; broken XML throws. Null: no provider.
 */
export function parseClientConfig(xml: string, address: Address, detail: string): Found | null {
  const root = parseXml(xml);
  if (root.name !== 'clientConfig') throw new Error(`not a clientConfig document (the root is <${root.name}>)`);
  const provider = child(root, 'emailProvider');
  if (!provider) return null;
  const notes: string[] = [];
  const read = (element: XmlElement): ServerSettings | null => {
    const type = element.attributes.type;
    const protocol = type === 'imap' || type === 'pop3' || type === 'smtp' ? type : null;
    const security = SOCKET_TYPES[childText(element, 'socketType') ?? ''];
    const portText = childText(element, 'port') ?? '';
    const port = /^\d{1,5}$/.test(portText) ? Number(portText) : 0;
    const host = fillPlaceholders(childText(element, 'hostname') ?? '', address);
    const username = fillPlaceholders(childText(element, 'username') ?? '%EMAILADDRESS%', address);
    if (!protocol || !security || port < 1 || port > 65535 || !HOST.test(host) || username.includes('%')) return null;
    const methods = childrenNamed(element, 'authentication').map((a) => a.text.trim());
    if (methods.length && !methods.some((m) => PASSWORD_AUTH.has(m))) {
      notes.push(`${host} signs in with ${methods.join(' or ')} only, so a password may be refused.`);
    }
    return { protocol, host: host.replace(/\.$/, '').toLowerCase(), port, security, username };
  };
  const servers = (name: string) =>
    childrenNamed(provider, name)
      .map(read)
      .filter((s): s is ServerSettings => s !== null);
  const incoming = servers('incomingServer')
    .filter((s) => s.protocol !== 'smtp')
    .sort(byPreference);
  const outgoing = servers('outgoingServer')
    .filter((s) => s.protocol === 'smtp')
    .sort(byPreference);
  for (const enable of childrenNamed(provider, 'enable')) {
    const instruction = childText(enable, 'instruction');
    const url = enable.attributes.visiturl;
    notes.push(
      `The provider asks to enable access for mail programs first${instruction ? `: ${instruction}` : ''}${url ? ` (${url})` : ''}.`,
    );
  }
  const name = childText(provider, 'displayName') || provider.attributes.id || address.domain;
  return {
    incoming,
    outgoing,
    detail,
    provider: { id: provider.attributes.id ?? address.domain, name },
    notes,
  };
}

/** IMAP before POP3 (the journal keeps folders), then implicit TLS before STARTTLS before plain (RFC 8314). */
export function byPreference(a: ServerSettings, b: ServerSettings): number {
  const protocol = (s: ServerSettings) => (s.protocol === 'pop3' ? 1 : 0);
  return protocol(a) - protocol(b) || SECURITY_RANK[a.security] - SECURITY_RANK[b.security];
}
