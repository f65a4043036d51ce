import type { Security } from '../db/accounts-repo.js';
import { type Address, byPreference, fillPlaceholders } from './clientconfig.js';
import type { AppPasswordRule, Found, ServerSettings } from './types.js';

interface Server {
  protocol: ServerSettings['protocol'];
  host: string;
  port: number;
  security: Security;
  /** Mozilla placeholders; default %EMAILADDRESS%. */
  username?: string;
}

export interface Provider {
  id: string;
  name: string;
  /** Address domains the provider serves. */
  domains: readonly string[];
  /** Registrable domains of its MX hosts, for company domains hosted there. */
  mxDomains: readonly string[];
  servers: readonly Server[];
  appPassword?: AppPasswordRule;
  notes: readonly string[];
  copyToSent?: boolean;
}

const imap = (host: string, username?: string): Server => ({
  protocol: 'imap',
  host,
  port: 993,
  security: 'tls',
  ...(username ? { username } : {}),
});
const pop3 = (host: string): Server => ({ protocol: 'pop3', host, port: 995, security: 'tls' });
const smtps = (host: string): Server => ({ protocol: 'smtp', host, port: 465, security: 'tls' });
const submission = (host: string): Server => ({ protocol: 'smtp', host, port: 587, security: 'starttls' });

// Well-known providers, checked 2025. An entry answers at once, without the network; the notes say what the user
// must do on the provider's side, and `appPassword` lets a refused login be explained.
export const PROVIDERS: readonly Provider[] = [
  {
    id: 'gmail',
    name: 'Gmail',
    domains: ['gmail.com', 'googlemail.com'],
    mxDomains: ['google.com', 'googlemail.com'],
    servers: [imap('imap.gmail.com'), pop3('pop.gmail.com'), smtps('smtp.gmail.com'), submission('smtp.gmail.com')],
    appPassword: 'required',
    notes: [
      'Google accepts a password from mail programs only as an app password: turn on 2-Step Verification, then create one at https://myaccount.google.com/apppasswords.',
    ],
    copyToSent: false,
  },
  {
    id: 'outlook',
    name: 'Outlook.com / Hotmail / Live',
    domains: [
      'outlook.com',
      'hotmail.com',
      'live.com',
      'msn.com',
      'hotmail.co.uk',
      'hotmail.fr',
      'live.ru',
      'outlook.de',
    ],
    mxDomains: ['outlook.com'],
    servers: [
      imap('outlook.office365.com'),
      pop3('outlook.office365.com'),
      submission('smtp-mail.outlook.com'),
      submission('smtp.office365.com'),
    ],
    appPassword: 'with-two-factor',
    notes: [
      'Microsoft is withdrawing password sign-in for IMAP, POP and SMTP in favour of OAuth; with two-step verification on, create an app password at https://account.live.com/proofs/AppPassword.',
    ],
  },
  {
    id: 'yahoo',
    name: 'Yahoo Mail',
    domains: ['yahoo.com', 'ymail.com', 'rocketmail.com', 'yahoo.co.uk', 'yahoo.fr', 'yahoo.de'],
    mxDomains: ['yahoodns.net'],
    servers: [
      imap('imap.mail.yahoo.com'),
      pop3('pop.mail.yahoo.com'),
      smtps('smtp.mail.yahoo.com'),
      submission('smtp.mail.yahoo.com'),
    ],
    appPassword: 'required',
    notes: ['Yahoo needs an app password for mail programs: Account security → Generate app password.'],
  },
  {
    id: 'icloud',
    name: 'iCloud Mail',
    domains: ['icloud.com', 'me.com', 'mac.com'],
    mxDomains: ['icloud.com'],
    // Apple's IMAP login is the name part of the address; its SMTP login is the whole address.
    servers: [imap('imap.mail.me.com', '%EMAILLOCALPART%'), submission('smtp.mail.me.com')],
    appPassword: 'required',
    notes: [
      'iCloud needs an app-specific password: https://account.apple.com → Sign-In and Security → App-Specific Passwords.',
      'iCloud has no POP3.',
    ],
  },
  {
    id: 'yandex',
    name: 'Yandex Mail',
    domains: ['yandex.ru', 'yandex.com', 'ya.ru', 'yandex.by', 'yandex.kz', 'yandex.ua', 'narod.ru'],
    mxDomains: ['yandex.net', 'yandex.ru'],
    servers: [imap('imap.yandex.ru'), pop3('pop.yandex.ru'), smtps('smtp.yandex.ru'), submission('smtp.yandex.ru')],
    appPassword: 'required',
    notes: [
      'Yandex needs an app password (Yandex ID → Security → App passwords → Mail) and mail programs allowed in Mail settings → Mail clients.',
    ],
  },
  {
    id: 'mailru',
    name: 'Mail.ru',
    domains: ['mail.ru', 'bk.ru', 'inbox.ru', 'list.ru', 'internet.ru', 'mail.ua'],
    mxDomains: ['mail.ru'],
    servers: [imap('imap.mail.ru'), pop3('pop.mail.ru'), smtps('smtp.mail.ru'), submission('smtp.mail.ru')],
    appPassword: 'required',
    notes: [
      'Mail.ru needs a password for external applications: Settings → Security → Passwords for external applications.',
    ],
  },
  {
    id: 'rambler',
    name: 'Rambler Mail',
    domains: ['rambler.ru', 'lenta.ru', 'autorambler.ru', 'myrambler.ru', 'ro.ru', 'rambler.ua'],
    mxDomains: ['rambler.ru'],
    servers: [imap('imap.rambler.ru'), pop3('pop.rambler.ru'), smtps('smtp.rambler.ru'), submission('smtp.rambler.ru')],
    notes: ['Rambler lets mail programs in only after Settings → Mail programs → "On" is chosen.'],
  },
  {
    id: 'fastmail',
    name: 'Fastmail',
    domains: ['fastmail.com', 'fastmail.fm', 'fastmail.net', 'fastmail.org', 'fastmail.to', 'messagingengine.com'],
    mxDomains: ['messagingengine.com'],
    servers: [
      imap('imap.fastmail.com'),
      pop3('pop.fastmail.com'),
      smtps('smtp.fastmail.com'),
      submission('smtp.fastmail.com'),
    ],
    appPassword: 'required',
    notes: ['Fastmail needs an app password: Settings → Privacy & Security → App passwords.'],
  },
  {
    id: 'gmx-net',
    name: 'GMX',
    domains: ['gmx.net', 'gmx.de', 'gmx.at', 'gmx.ch'],
    mxDomains: ['gmx.net'],
    servers: [imap('imap.gmx.net'), pop3('pop.gmx.net'), submission('mail.gmx.net'), smtps('mail.gmx.net')],
    appPassword: 'with-two-factor',
    notes: ['GMX lets mail programs in only after Settings → POP3 & IMAP → "Allow access" is turned on.'],
  },
  {
    id: 'gmx-com',
    name: 'GMX',
    domains: ['gmx.com', 'gmx.us', 'gmx.co.uk', 'gmx.fr', 'gmx.es'],
    mxDomains: ['gmx.com'],
    servers: [imap('imap.gmx.com'), pop3('pop.gmx.com'), submission('mail.gmx.com'), smtps('mail.gmx.com')],
    appPassword: 'with-two-factor',
    notes: ['GMX lets mail programs in only after Settings → POP3 & IMAP → "Allow access" is turned on.'],
  },
  {
    id: 'zoho',
    name: 'Zoho Mail',
    domains: ['zoho.com', 'zohomail.com'],
    mxDomains: ['zoho.com'],
    servers: [imap('imap.zoho.com'), pop3('pop.zoho.com'), smtps('smtp.zoho.com'), submission('smtp.zoho.com')],
    appPassword: 'with-two-factor',
    notes: [
      'Zoho lets mail programs in only with IMAP (or POP) access turned on in Settings → Mail accounts; with two-factor authentication, use an app-specific password.',
      'Accounts in Zoho’s EU data centre use imap.zoho.eu and smtp.zoho.eu instead.',
    ],
  },
];

const byDomain = new Map(PROVIDERS.flatMap((p) => p.domains.map((d) => [d, p] as const)));
const byMxDomain = new Map(PROVIDERS.flatMap((p) => p.mxDomains.map((d) => [d, p] as const)));
const byHost = new Map(PROVIDERS.flatMap((p) => p.servers.map((s) => [s.host, p] as const)));

export function providerForDomain(domain: string): Provider | undefined {
  return byDomain.get(domain.toLowerCase());
}

export function providerForMxDomain(domain: string): Provider | undefined {
  return byMxDomain.get(domain.toLowerCase());
}

/** The provider behind a server, for explaining a refused login of an account whose address is elsewhere. */
export function providerForHost(host: string): Provider | undefined {
  return byHost.get(host.toLowerCase());
}

/** The provider's servers filled in for the address. */
export function providerSettings(provider: Provider, address: Address, detail: string): Found {
  const servers = provider.servers.map((s) => ({
    protocol: s.protocol,
    host: s.host,
    port: s.port,
    security: s.security,
    username: fillPlaceholders(s.username ?? '%EMAILADDRESS%', address),
  }));
  return {
    incoming: servers.filter((s) => s.protocol !== 'smtp').sort(byPreference),
    outgoing: servers.filter((s) => s.protocol === 'smtp').sort(byPreference),
    detail,
    provider: { id: provider.id, name: provider.name },
    ...(provider.appPassword ? { appPassword: provider.appPassword } : {}),
    notes: [...provider.notes],
    ...(provider.copyToSent === undefined ? {} : { copyToSent: provider.copyToSent }),
  };
}
