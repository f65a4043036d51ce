import type { Security } from '../db/accounts-repo.js';
import { type ErrorKind, InterlogError } from '../errors.js';
import { composeLetter } from '../send/compose.js';
import { type SmtpServer, sendRaw, smtpError, verifySmtp } from '../send/smtp.js';
import { connectImap } from '../sync/imap/connect.js';
import { verifyPop3 } from '../sync/pop3/connect.js';
import { serverError } from '../sync/server-error.js';
import { splitAddress } from './clientconfig.js';
import { type Provider, providerForDomain, providerForHost } from './providers.js';

export interface IncomingServer {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: Security;
  username: string;
  password: string;
  acceptSelfSigned: boolean;
  timeoutMs: number;
}

export interface CheckTarget {
  email: string;
  senderName: string | null;
  incoming: IncomingServer;
  outgoing: SmtpServer | null;
  /** Sign in to the incoming server first (POP-before-SMTP), so the outgoing check waits for it. */
  popBeforeSmtp: boolean;
  /** Send a letter to the account itself (seed 004: "пытается отослать пробное сообщение"), not only sign in. */
  testLetter: boolean;
}

export type CheckStepName = 'detect' | 'incoming' | 'outgoing';

/** What the user should look at; the UI can pick its own words by this. */
export type HintKind =
  | 'wrong-password'
  | 'app-password'
  | 'certificate'
  | 'port-blocked'
  | 'timeout'
  | 'host-not-found'
  | 'letter-refused'
  | 'not-detected'
  | 'other';

export interface CheckFailure {
  kind: ErrorKind;
  message: string;
  /** The server's own words, when it said any. */
  serverSaid: string | null;
  hint: HintKind;
  advice: string;
}

export interface CheckStep {
  step: CheckStepName;
  ok: boolean;
  /** "imap://host:993 (tls)"; null for the detection step. */
  server: string | null;
  elapsedMs: number;
  error?: CheckFailure;
  /** Why the step was not run. */
  skipped?: string;
}

export interface AccountCheck {
  ok: boolean;
  steps: CheckStep[];
  /** The test letter the outgoing server accepted. */
  testLetter?: { messageId: string; response: string };
}

const APP_PASSWORD_WORDS =
  /application[- ]specific password|app(lication)? password|пароль (для )?(внешн\S* )?приложени|parol prilozheniya/i;
const OTHER_PORTS: Record<'imap' | 'pop3' | 'smtp', string> = {
  imap: '993 (TLS) or 143 (STARTTLS)',
  pop3: '995 (TLS) or 110 (STARTTLS)',
  smtp: '465 (TLS) or 587 (STARTTLS)',
};

function serverLabel(protocol: string, server: { host: string; port: number; security: Security }): string {
  return `${protocol}://${server.host}:${server.port} (${server.security})`;
}

function providerOf(target: CheckTarget, host: string): Provider | undefined {
  return providerForDomain(splitAddress(target.email).domain) ?? providerForHost(host);
}

/** Turns a failed step into the server's words, a kind of trouble and what to do about it. */
export function explain(
  error: unknown,
  protocol: 'imap' | 'pop3' | 'smtp',
  server: { host: string; port: number; timeoutMs: number },
  provider: Provider | undefined,
): CheckFailure {
  const e =
    error instanceof InterlogError
      ? error
      : protocol === 'smtp'
        ? smtpError(error, server)
        : serverError(error, server);
  // The mail modules put the server's reply at the end of their messages; the words matter more than our own.
  const serverSaid = /The server said: ([\s\S]*)$/.exec(e.message)?.[1]?.trim() || null;
  const base = { kind: e.kind, message: e.message, serverSaid };
  switch (e.kind) {
    case 'auth': {
      if (serverSaid && APP_PASSWORD_WORDS.test(serverSaid)) {
        return {
          ...base,
          hint: 'app-password',
          advice: `The server asks for an app password: create one in ${provider?.name ?? 'the provider'}'s security settings and use it instead of the usual password.`,
        };
      }
      if (provider?.appPassword) {
        const rule =
          provider.appPassword === 'required'
            ? `${provider.name} accepts only an app password from mail programs, not the password of its web site.`
            : `If two-step verification is on, ${provider.name} needs an app password instead of the usual one.`;
        return { ...base, hint: 'app-password', advice: [rule, ...provider.notes].join(' ') };
      }
      return {
        ...base,
        hint: 'wrong-password',
        advice: 'Check the user name and the password (the user name is often the whole address).',
      };
    }
    case 'tls':
      if (/wrong version number|WRONG_VERSION/i.test(e.message)) {
        return {
          ...base,
          hint: 'certificate',
          advice: `Port ${server.port} does not speak TLS: choose STARTTLS, or the TLS port (${OTHER_PORTS[protocol]}).`,
        };
      }
      return {
        ...base,
        hint: 'certificate',
        advice:
          "The server's certificate is not trusted (self-signed, expired or for another name). Allow it only if you know this server is yours.",
      };
    case 'connection-refused':
      return {
        ...base,
        hint: 'port-blocked',
        advice: `Nothing answers on port ${server.port}: the port is closed, or a firewall or the internet provider blocks it. Try ${OTHER_PORTS[protocol]}.`,
      };
    case 'timeout':
      return {
        ...base,
        hint: 'timeout',
        advice: `${server.host}:${server.port} did not answer within ${Math.round(server.timeoutMs / 1000)} s: a firewall may be dropping the port silently, or the server is slow. Try another port or a longer server timeout.`,
      };
    case 'host-not-found':
      return { ...base, hint: 'host-not-found', advice: `Check the server name ${server.host}.` };
    case 'relay-denied':
    case 'rejected':
    case 'too-large':
      return {
        ...base,
        hint: 'letter-refused',
        advice:
          'The outgoing server signed you in but refused the test letter to your own address; check the address and the outgoing user name.',
      };
    default:
      return { ...base, hint: 'other', advice: 'Check the server, port and security settings.' };
  }
}

async function timed(
  step: CheckStepName,
  server: string,
  run: () => Promise<unknown>,
  fail: (error: unknown) => CheckFailure,
): Promise<CheckStep> {
  const began = performance.now();
  try {
    await run();
    return { step, ok: true, server, elapsedMs: Math.round(performance.now() - began) };
  } catch (error) {
    return { step, ok: false, server, elapsedMs: Math.round(performance.now() - began), error: fail(error) };
  }
}

async function signInIncoming(server: IncomingServer): Promise<void> {
  const credentials = { account: server, password: server.password };
  if (server.protocol === 'pop3') return verifyPop3(credentials);
  const client = await connectImap(credentials);
  await client.logout().catch(() => client.close());
}

async function sendTestLetter(
  target: CheckTarget,
  server: SmtpServer,
): Promise<{ messageId: string; response: string }> {
  const self = { name: target.senderName ?? '', address: target.email };
  const letter = await composeLetter({
    from: self,
    to: [self],
    subject: 'Interlog: проверка учетной записи / account check',
    text:
      'Это пробное сообщение: Interlog проверил, что учетная запись отправляет и получает почту. Отвечать не нужно.\n\n' +
      'This is a test message: Interlog checked that the account can send and receive mail. No answer is needed.\n',
  });
  // RFC 3834: an automatic letter, so vacation responders stay quiet.
  const raw = Buffer.concat([Buffer.from('Auto-Submitted: auto-generated\r\n'), letter.raw]);
  const result = await sendRaw(server, letter.envelope, raw);
  return { messageId: letter.messageId, response: result.response };
}

/**
 * Checks an account's servers the way the user will use them: signs in to the incoming server and, with
 * `testLetter`, sends a letter to the account itself through the outgoing one (else signs in there too). Both
 * run at once unless POP-before-SMTP makes the outgoing step wait. Never throws for a server's answer.
 */
export async function checkServers(target: CheckTarget): Promise<AccountCheck> {
  const { incoming, outgoing } = target;
  let testLetter: AccountCheck['testLetter'];
  const incomingStep = () =>
    timed(
      'incoming',
      serverLabel(incoming.protocol, incoming),
      () => signInIncoming(incoming),
      (error) => explain(error, incoming.protocol, incoming, providerOf(target, incoming.host)),
    );
  const outgoingStep = (): Promise<CheckStep> => {
    if (!outgoing) {
      return Promise.resolve({ step: 'outgoing', ok: true, server: null, elapsedMs: 0, skipped: 'no outgoing server' });
    }
    return timed(
      'outgoing',
      serverLabel('smtp', outgoing),
      async () => {
        if (target.testLetter) testLetter = await sendTestLetter(target, outgoing);
        else await verifySmtp(outgoing);
      },
      (error) => explain(error, 'smtp', outgoing, providerOf(target, outgoing.host)),
    );
  };
  let steps: CheckStep[];
  if (target.popBeforeSmtp && outgoing) {
    const first = await incomingStep();
    steps = [
      first,
      first.ok
        ? await outgoingStep()
        : {
            step: 'outgoing',
            ok: false,
            server: serverLabel('smtp', outgoing),
            elapsedMs: 0,
            skipped: 'POP-before-SMTP needs the incoming sign-in first',
          },
    ];
  } else {
    steps = await Promise.all([incomingStep(), outgoingStep()]);
  }
  return { ok: steps.every((s) => s.ok), steps, ...(testLetter ? { testLetter } : {}) };
}

/** For callers that want the old way, an exception: the first failed step's error. */
export function throwIfFailed(check: AccountCheck): void {
  const failed = check.steps.find((s) => !s.ok);
  if (!failed) return;
  if (failed.error) throw new InterlogError(failed.error.kind, failed.error.message);
  throw new InterlogError(
    'invalid-input',
    `The ${failed.step} check was not run: ${failed.skipped ?? 'unknown reason'}.`,
  );
}
