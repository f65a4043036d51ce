import { z } from 'zod';
import type { AddAccountInput } from '../api.js';
import type { Security } from '../db/accounts-repo.js';
import { splitAddress } from './clientconfig.js';
import { SECURE_MECHANISMS } from './secure-auth.js';
import type { Detection, ServerSettings } from './types.js';

const security = z.enum(['tls', 'starttls', 'none']);
const port = z.number().int().min(1).max(65535);
const host = z.string().trim().min(1).max(255);
const username = z.string().min(1).max(320);
const password = z.string().min(1).max(4096);

/**
 * The account wizard of seed 004 as one input: the first screen (address, password, sender name, system account,
 * "detect automatically"), then step 1 outgoing, step 2 incoming, step 3 name and server timeout. With `auto`,
 * detected servers fill whatever step is left out.
 */
export const setupAccountSchema = z
  .object({
    email: z.email(),
    password,
    senderName: z.string().trim().min(1).max(200).optional(),
    system: z.boolean().default(false),
    auto: z.boolean().default(false),
    outgoing: z
      .object({
        username,
        /** Omitted: the account's password. */
        password: password.optional(),
        host,
        port,
        security,
        /** "Authenticate on the incoming server before sending". */
        popBeforeSmtp: z.boolean().default(false),
        /** Seed 004 "secure password authentication": CRAM-MD5 only; the password itself is never sent. */
        securePasswordAuth: z.boolean().default(false),
      })
      .optional(),
    incoming: z
      .object({
        protocol: z.enum(['imap', 'pop3']),
        username,
        password: password.optional(),
        /** Seed 004 "secure password authentication": APOP or CRAM-MD5 (POP3 only); never the password itself. */
        securePasswordAuth: z.boolean().default(false),
        host,
        port,
        security,
        /** POP3: "leave copies on the server". */
        leaveOnServer: z.boolean().default(false),
        /** POP3 with leaveOnServer: "delete from the server after N days". */
        deleteAfterDays: z.number().int().min(1).max(36_500).nullable().default(null),
      })
      .optional(),
    /** Omitted: the address, or "System account" for the system account (seed 004). */
    name: z.string().trim().min(1).max(200).optional(),
    timeoutSeconds: z.number().int().min(1).max(600).default(30),
    acceptSelfSigned: z.boolean().default(false),
  })
  .refine((s) => s.auto || s.incoming, {
    message: 'the incoming server (step 2) is needed unless the servers are detected automatically',
    path: ['incoming'],
  })
  .refine((s) => !s.system || s.auto || s.outgoing, {
    message: "the system account sends the app's notifications, so it needs an outgoing server (step 1)",
    path: ['outgoing'],
  });

export type SetupAccountInput = z.input<typeof setupAccountSchema>;
export type SetupAccountRequest = z.output<typeof setupAccountSchema>;

export const SYSTEM_ACCOUNT_NAME = 'System account';

type Outgoing = NonNullable<SetupAccountRequest['outgoing']>;
type Incoming = NonNullable<SetupAccountRequest['incoming']>;

/**
 * The wizard's steps, with the parts the request leaves out taken from the servers found: every candidate for a
 * side the request leaves out, best first, or just the request's own. In the form POP3 starts with "leave copies"
 * off, as in seed 004, because the user sees it; a request sent without the form keeps letters on the server,
 * because deleting a user's mail is not something to decide by a guess.
 */
export function requestCandidates(
  request: Pick<SetupAccountRequest, 'incoming' | 'outgoing'>,
  servers: { incoming: readonly ServerSettings[]; outgoing: readonly ServerSettings[] },
  options: { keepPop3Letters: boolean },
): { incoming: Incoming[]; outgoing: Outgoing[] } {
  const incoming = request.incoming
    ? [request.incoming]
    : servers.incoming.map((s) => ({
        protocol: s.protocol === 'pop3' ? ('pop3' as const) : ('imap' as const),
        username: s.username,
        host: s.host,
        port: s.port,
        security: s.security,
        leaveOnServer: s.protocol === 'pop3' && options.keepPop3Letters,
        deleteAfterDays: null,
        securePasswordAuth: false,
      }));
  const outgoing = request.outgoing
    ? [request.outgoing]
    : servers.outgoing.map((s) => ({
        username: s.username,
        host: s.host,
        port: s.port,
        security: s.security,
        popBeforeSmtp: false,
        securePasswordAuth: false,
      }));
  return { incoming, outgoing };
}

/** `requestCandidates`, the best of each side. */
export function completeRequest(
  request: Pick<SetupAccountRequest, 'incoming' | 'outgoing'>,
  servers: { incoming: readonly ServerSettings[]; outgoing: readonly ServerSettings[] },
  options: { keepPop3Letters: boolean },
): { incoming: Incoming | undefined; outgoing: Outgoing | undefined } {
  const candidates = requestCandidates(request, servers, options);
  return { incoming: candidates.incoming[0], outgoing: candidates.outgoing[0] };
}

/** The same account as `addAccount` takes it, so both save through one path. */
export function toAddAccountInput(
  request: SetupAccountRequest,
  incoming: Incoming,
  outgoing: Outgoing | undefined,
  detection: Detection | null,
): AddAccountInput {
  const incomingPassword = incoming.password ?? request.password;
  const smtpPassword = outgoing?.password ?? request.password;
  return {
    name: request.name ?? (request.system ? SYSTEM_ACCOUNT_NAME : request.email),
    email: request.email,
    protocol: incoming.protocol,
    host: incoming.host,
    port: incoming.port,
    security: incoming.security,
    username: incoming.username,
    password: incomingPassword,
    acceptSelfSigned: request.acceptSelfSigned,
    timeoutMs: request.timeoutSeconds * 1000,
    verify: false,
    leaveOnServer: incoming.protocol === 'pop3' && incoming.leaveOnServer,
    deleteAfterDays: incoming.protocol === 'pop3' && incoming.leaveOnServer ? incoming.deleteAfterDays : null,
    securePasswordAuth: incoming.securePasswordAuth,
    ...(outgoing
      ? {
          smtp: {
            host: outgoing.host,
            port: outgoing.port,
            security: outgoing.security,
            ...(outgoing.username === incoming.username ? {} : { username: outgoing.username }),
            ...(smtpPassword === incomingPassword ? {} : { password: smtpPassword }),
            popBeforeSmtp: outgoing.popBeforeSmtp,
            securePasswordAuth: outgoing.securePasswordAuth,
          },
        }
      : {}),
    ...(request.senderName ? { senderName: request.senderName } : {}),
    ...(detection?.copyToSent === false ? { copyToSent: false } : {}),
  };
}

// ---- The form as data the UI renders ----

export interface FormField {
  /** Dotted path into `values`, and into the setupAccount input. */
  key: string;
  label: string;
  type: 'text' | 'password' | 'number' | 'boolean' | 'choice';
  required: boolean;
  choices?: { value: string; label: string }[];
  min?: number;
  max?: number;
  unit?: 'seconds' | 'days';
  /** Shown only while another field has this value. */
  visibleWhen?: { key: string; equals: string | boolean };
  /** Shown in an empty field. */
  placeholder?: string;
  /** Shown beside the field: what the choice does, and where it cannot work. */
  hint?: string;
}

export interface FormStep {
  id: 'outgoing' | 'incoming' | 'account';
  title: string;
  fields: FormField[];
}

export interface SetupForm {
  email: string;
  /** What detection found; null when the values are the usual ones for the domain (seed 004: "рекомендуемые"). */
  detection: Detection | null;
  /** Every field pre-filled but the passwords; send them back, with the password, to setupAccount. */
  values: Omit<SetupAccountInput, 'password'> & {
    outgoing: Omit<Outgoing, 'password'>;
    incoming: Omit<Incoming, 'password'>;
    name: string;
    timeoutSeconds: number;
  };
  steps: FormStep[];
  /** Other servers detection found, for the UI to offer when the user switches protocol or port. */
  alternatives: { incoming: ServerSettings[]; outgoing: ServerSettings[] };
  /** The usual port for each protocol and security, to update the port when the user changes either. */
  standardPorts: Record<'imap' | 'pop3' | 'smtp', Record<Security, number>>;
}

export const STANDARD_PORTS: SetupForm['standardPorts'] = {
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
  smtp: { tls: 465, starttls: 587, none: 587 },
};

const SECURITY_CHOICES = [
  { value: 'tls', label: 'SSL/TLS' },
  { value: 'starttls', label: 'STARTTLS' },
  { value: 'none', label: 'None (unencrypted)' },
];

const STEPS: FormStep[] = [
  {
    id: 'outgoing',
    title: 'Outgoing mail (SMTP)',
    fields: [
      { key: 'outgoing.username', label: 'User name', type: 'text', required: true },
      {
        key: 'outgoing.password',
        label: 'Password',
        type: 'password',
        required: false,
        placeholder: 'the account password',
      },
      {
        key: 'outgoing.securePasswordAuth',
        label: 'Secure password authentication',
        type: 'boolean',
        required: false,
        hint: `The server checks the password by a challenge (${SECURE_MECHANISMS.smtp}); the password itself is never sent. A server that does not offer it fails the check.`,
      },
      { key: 'outgoing.host', label: 'Server', type: 'text', required: true },
      { key: 'outgoing.port', label: 'Port', type: 'number', required: true, min: 1, max: 65535 },
      {
        key: 'outgoing.security',
        label: 'Secure connection',
        type: 'choice',
        required: true,
        choices: SECURITY_CHOICES,
      },
      {
        key: 'outgoing.popBeforeSmtp',
        label: 'Sign in to the incoming server before sending',
        type: 'boolean',
        required: false,
      },
    ],
  },
  {
    id: 'incoming',
    title: 'Incoming mail',
    fields: [
      { key: 'incoming.username', label: 'User name', type: 'text', required: true },
      {
        key: 'incoming.password',
        label: 'Password',
        type: 'password',
        required: false,
        placeholder: 'the account password',
      },
      {
        key: 'incoming.securePasswordAuth',
        label: 'Secure password authentication',
        type: 'boolean',
        required: false,
        hint: `POP3: the server checks the password by a challenge (${SECURE_MECHANISMS.pop3}); the password itself is never sent. IMAP: not possible, because Interlog's IMAP client signs in only with the password itself (inside TLS); choose POP3 or leave this off.`,
      },
      { key: 'incoming.host', label: 'Server', type: 'text', required: true },
      {
        key: 'incoming.protocol',
        label: 'Protocol',
        type: 'choice',
        required: true,
        choices: [
          { value: 'imap', label: 'IMAP' },
          { value: 'pop3', label: 'POP3' },
        ],
      },
      { key: 'incoming.port', label: 'Port', type: 'number', required: true, min: 1, max: 65535 },
      {
        key: 'incoming.security',
        label: 'Secure connection',
        type: 'choice',
        required: true,
        choices: SECURITY_CHOICES,
      },
      {
        key: 'incoming.leaveOnServer',
        label: 'Leave copies of letters on the server',
        type: 'boolean',
        required: false,
        visibleWhen: { key: 'incoming.protocol', equals: 'pop3' },
      },
      {
        key: 'incoming.deleteAfterDays',
        label: 'Delete letters from the server after',
        type: 'number',
        required: false,
        min: 1,
        max: 36_500,
        unit: 'days',
        visibleWhen: { key: 'incoming.leaveOnServer', equals: true },
      },
    ],
  },
  {
    id: 'account',
    title: 'Account',
    fields: [
      { key: 'name', label: 'Account name', type: 'text', required: true },
      {
        key: 'timeoutSeconds',
        label: 'Server timeout',
        type: 'number',
        required: true,
        min: 1,
        max: 600,
        unit: 'seconds',
      },
    ],
  },
];

/** The three steps pre-filled for an address: detected servers, else the usual names under its domain. */
export function buildSetupForm(
  email: string,
  detection: Detection | null,
  options: { system: boolean; senderName?: string | undefined },
): SetupForm {
  const { domain } = splitAddress(email);
  const recommended = (protocol: 'imap' | 'smtp', port: number): ServerSettings[] => [
    { protocol, host: `${protocol}.${domain}`, port, security: 'tls', username: email },
  ];
  const filled = completeRequest(
    {},
    {
      incoming: detection?.incoming.length ? detection.incoming : recommended('imap', 993),
      outgoing: detection?.outgoing.length ? detection.outgoing : recommended('smtp', 465),
    },
    { keepPop3Letters: false },
  );
  const incoming = filled.incoming as Incoming;
  const outgoing = filled.outgoing as Outgoing;
  return {
    email,
    detection,
    values: {
      email,
      system: options.system,
      auto: false,
      ...(options.senderName ? { senderName: options.senderName } : {}),
      outgoing,
      incoming,
      name: options.system ? SYSTEM_ACCOUNT_NAME : email,
      timeoutSeconds: 30,
      acceptSelfSigned: false,
    },
    steps: STEPS,
    alternatives: {
      incoming: detection?.incoming.slice(1) ?? [],
      outgoing: detection?.outgoing.slice(1) ?? [],
    },
    standardPorts: STANDARD_PORTS,
  };
}
