import type { Security } from '../db/accounts-repo.js';
import { type ErrorKind, InterlogError } from '../errors.js';
import { composeLetter } from '../send/compose.js';
import { type SmtpServer, sendRaw, smtpError, verifySmtp } from '../send/smtp.js';
import { connectImap } from '../sync/imap/connect.js';
import { verifyPop3 } from '../sync/pop3/connect.js';
import { serverError } from '../sync/server-error.js';
import { splitAddress } from './clientconfig.js';
import { type Provider, providerForDomain, providerForHost } from './providers.js';
import { SecureAuthUnavailable } from './secure-auth.js';

export interface IncomingServer {
  protocol: 'imap' | 'pop3';
  host: string;
  port: number;
  security: Security;
  username: string;
  password: string;
  acceptSelfSigned: boolean;
  timeoutMs: number;
  /** Seed 004 "secure password authentication": sign in by challenge-response only. */
  securePasswordAuth: boolean;
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

/**
 * Automatic setup: the detected servers of each side, best first. When one fails for a reason of the server's
 * (`SERVER_SIDE`), the next is tried; a wrong password stops there, since every server of the account would refuse
 * it and each refusal counts towards a lockout.
 */
export interface CandidatesTarget extends Omit<CheckTarget, 'incoming' | 'outgoing'> {
  /** At least one. */
  incoming: readonly IncomingServer[];
  /** Empty: the account has no outgoing server. */
  outgoing: readonly SmtpServer[];
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
  /** Secure password authentication was asked for, and the server (or our client for its protocol) cannot do it. */
  | 'secure-auth'
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
  /** Automatic setup: detected servers tried before `server`, each failed for a reason of the server's. */
  tried?: { server: string; error: CheckFailure }[];
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

function providerOf(target: Pick<CheckTarget, 'email'>, host: string): Provider | undefined {
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
  if (e instanceof SecureAuthUnavailable) {
    return {
      ...base,
      hint: 'secure-auth',
      advice:
        protocol === 'imap'
          ? 'Turn "Secure password authentication" off for the IMAP server (with SSL/TLS the password travels encrypted), or receive by POP3 if the server offers APOP or CRAM-MD5 there.'
          : 'Turn "Secure password authentication" off for this server and use SSL/TLS, so the password travels encrypted, or ask the provider for a server that offers CRAM-MD5.',
    };
  }
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

/** Failures that are the server's or the network's, not the user's: another detected server may well work. */
const SERVER_SIDE: ReadonlySet<ErrorKind> = new Set<ErrorKind>([
  'connection-refused',
  'timeout',
  'tls',
  'host-not-found',
  'connection-lost',
  'protocol',
  'temporary',
]);

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
  target: Pick<CheckTarget, 'email' | 'senderName'>,
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

/** One side's step over its candidates: the first that passes, else the last tried; which one it ended with. */
async function firstWorking<S extends { host: string }>(
  step: 'incoming' | 'outgoing',
  candidates: readonly S[],
  label: (server: S) => string,
  run: (server: S) => Promise<unknown>,
  fail: (server: S, error: unknown) => CheckFailure,
): Promise<{ step: CheckStep; index: number }> {
  const tried: NonNullable<CheckStep['tried']> = [];
  let elapsedMs = 0;
  for (let index = 0; ; index++) {
    const server = candidates[index] as S;
    const result = await timed(
      step,
      label(server),
      () => run(server),
      (error) => fail(server, error),
    );
    elapsedMs += result.elapsedMs;
    const settled = result.ok || !result.error || !SERVER_SIDE.has(result.error.kind);
    if (settled || index === candidates.length - 1) {
      return { index, step: { ...result, elapsedMs, ...(tried.length ? { tried } : {}) } };
    }
    tried.push({ server: result.server as string, error: result.error as CheckFailure });
  }
}

/**
 * Checks an account's servers the way the user will use them: signs in to the incoming server and, with
 * `testLetter`, sends a letter to the account itself through the outgoing one (else signs in there too). Both
 * run at once unless POP-before-SMTP makes the outgoing step wait. Never throws for a server's answer.
 */
export async function checkServers(target: CheckTarget): Promise<AccountCheck> {
  const { incoming, outgoing, ...rest } = target;
  return (await checkCandidates({ ...rest, incoming: [incoming], outgoing: outgoing ? [outgoing] : [] })).check;
}

/**
 * `checkServers` over candidates (automatic setup): each side tries its servers in turn, and the answer says which
 * of them passed (or was the last tried), by position.
 */
export async function checkCandidates(
  target: CandidatesTarget,
): Promise<{ check: AccountCheck; incoming: number; outgoing: number | null }> {
  let testLetter: AccountCheck['testLetter'];
  const incomingStep = () =>
    firstWorking(
      'incoming',
      target.incoming,
      (server) => serverLabel(server.protocol, server),
      signInIncoming,
      (server, error) => explain(error, server.protocol, server, providerOf(target, server.host)),
    );
  const outgoingStep = () =>
    firstWorking(
      'outgoing',
      target.outgoing,
      (server) => serverLabel('smtp', server),
      async (server) => {
        if (target.testLetter) testLetter = await sendTestLetter(target, server);
        else await verifySmtp(server);
      },
      (server, error) => explain(error, 'smtp', server, providerOf(target, server.host)),
    );
  const first = target.outgoing[0];
  const noOutgoing = {
    step: { step: 'outgoing', ok: true, server: null, elapsedMs: 0, skipped: 'no outgoing server' },
  };
  let incoming: { step: CheckStep; index: number };
  let outgoing: { step: CheckStep; index?: number };
  if (!first) {
    [incoming, outgoing] = [await incomingStep(), noOutgoing as { step: CheckStep }];
  } else if (target.popBeforeSmtp) {
    incoming = await incomingStep();
    outgoing = incoming.step.ok
      ? await outgoingStep()
      : {
          step: {
            step: 'outgoing',
            ok: false,
            server: serverLabel('smtp', first),
            elapsedMs: 0,
            skipped: 'POP-before-SMTP needs the incoming sign-in first',
          },
        };
  } else {
    [incoming, outgoing] = await Promise.all([incomingStep(), outgoingStep()]);
  }
  const steps = [incoming.step, outgoing.step];
  return {
    check: { ok: steps.every((s) => s.ok), steps, ...(testLetter ? { testLetter } : {}) },
    incoming: incoming.index,
    outgoing: outgoing.index ?? null,
  };
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
