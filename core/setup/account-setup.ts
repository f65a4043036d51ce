import crypto from 'node:crypto';
import type { z } from 'zod';
import { type AddAccountInput, schemas } from '../api.js';
import type { AccountRecord } from '../db/accounts-repo.js';
import type { Journal } from '../db/journal.js';
import { InterlogError } from '../errors.js';
import type { SecretStore } from '../secrets/secret-store.js';
import type { AccountCheck, CheckStep, CheckTarget } from './check.js';
import { type DetectOptions, detectServers } from './detect.js';
import {
  buildSetupForm,
  requestCandidates,
  type SetupAccountInput,
  type SetupForm,
  setupAccountSchema,
  toAddAccountInput,
} from './form.js';
import { type Network, systemNetwork } from './network.js';
import type { Detection } from './types.js';

/** The check signs in with the IMAP, POP3 and SMTP clients: loaded when an account is checked, not at start-up. */
const loadCheck = () => import('./check.js');

type NewAccount = z.output<typeof schemas.addAccount>;

export interface AccountSetupOptions extends Partial<Omit<DetectOptions, 'network' | 'sources'>> {
  /** Default: the real network. Tests give one that reaches servers on 127.0.0.1. */
  network?: Network;
}

export type SetupOutcome =
  | { saved: true; record: AccountRecord; check: AccountCheck; detection: Detection | null }
  | { saved: false; check: AccountCheck; detection: Detection | null };

/** The parts of an account the check needs, whether it is about to be saved or already is. */
type Checked = Pick<
  AccountRecord,
  | 'email'
  | 'protocol'
  | 'host'
  | 'port'
  | 'security'
  | 'username'
  | 'acceptSelfSigned'
  | 'timeoutMs'
  | 'securePasswordAuth'
> & {
  senderName?: string | null | undefined;
  smtp?:
    | {
        host: string;
        port: number;
        security: AccountRecord['security'];
        username?: string | null | undefined;
        popBeforeSmtp: boolean;
        securePasswordAuth: boolean;
      }
    | null
    | undefined;
};

function checkTarget(
  account: Checked,
  passwords: { incoming: string; smtp: string | null },
  testLetter: boolean,
): CheckTarget {
  const { smtp } = account;
  return {
    email: account.email,
    senderName: account.senderName ?? null,
    incoming: {
      protocol: account.protocol,
      host: account.host,
      port: account.port,
      security: account.security,
      username: account.username,
      password: passwords.incoming,
      acceptSelfSigned: account.acceptSelfSigned,
      timeoutMs: account.timeoutMs,
      securePasswordAuth: account.securePasswordAuth,
    },
    outgoing: smtp
      ? {
          host: smtp.host,
          port: smtp.port,
          security: smtp.security,
          username: smtp.username ?? account.username,
          password: passwords.smtp ?? passwords.incoming,
          acceptSelfSigned: account.acceptSelfSigned,
          timeoutMs: account.timeoutMs,
          securePasswordAuth: smtp.securePasswordAuth,
        }
      : null,
    popBeforeSmtp: smtp?.popBeforeSmtp ?? false,
    testLetter,
  };
}

function detectionFailed(detection: Detection | null): CheckStep {
  const tried = detection ? `only part of the servers was found (${detection.source})` : 'no source knew the servers';
  return {
    step: 'detect',
    ok: false,
    server: null,
    elapsedMs: detection?.elapsedMs ?? 0,
    error: {
      kind: 'not-found',
      message: `The servers for this address could not be detected: ${tried}.`,
      serverSaid: null,
      hint: 'not-detected',
      advice: 'Enter the servers by hand (the three steps of the form); the usual values are filled in.',
    },
  };
}

/**
 * Adding accounts, by hand or detected, always through one path: check the servers, then store the passwords in
 * the secret store and the rest in the journal. Also the check of saved accounts and the system account.
 */
export class AccountSetup {
  private readonly detectOptions: DetectOptions;

  constructor(
    private readonly journal: Journal,
    private readonly secrets: SecretStore,
    /** The stored passwords of a saved account. */
    private readonly passwords: (account: AccountRecord) => Promise<{ incoming: string; smtp: string | null }>,
    options: AccountSetupOptions = {},
  ) {
    const { network, ...rest } = options;
    this.detectOptions = { ...rest, network: network ?? systemNetwork() };
  }

  /** The plain `addAccount`: with `verify`, a sign-in to each server (no test letter); a failure throws. */
  async add(input: AddAccountInput): Promise<AccountRecord> {
    const account = schemas.addAccount.parse(input);
    this.assertNameFree(account.name);
    if (account.verify) {
      const passwords = { incoming: account.password, smtp: account.smtp?.password ?? null };
      const { checkServers, throwIfFailed } = await loadCheck();
      throwIfFailed(await checkServers(checkTarget(account, passwords, false)));
    }
    return this.save(account, false);
  }

  /**
   * Seed 004's account card, edited: the changes are merged into the saved account and checked by the same rules
   * as a new one; new servers or passwords are signed in to (no test letter) before anything is stored.
   */
  async edit(input: z.input<typeof schemas.editAccount>): Promise<AccountRecord> {
    const change = schemas.editAccount.parse(input);
    const current = this.require(change.name);
    if (change.newName !== undefined && change.newName !== current.name) this.assertNameFree(change.newName);
    // A password the secret store lost (another keychain, a restored journal) is exactly what an edit puts back:
    // unreadable, it counts as a change, and the new one is signed in to before it is stored.
    const stored = await this.passwords(current).catch((error: unknown) => {
      if (change.password === undefined) throw error;
      return { incoming: '', smtp: null };
    });
    const ownSmtpPassword = current.smtp?.secretRef ? (stored.smtp ?? undefined) : undefined;
    const smtp =
      change.smtp === undefined
        ? current.smtp && { ...current.smtp, username: current.smtp.username ?? undefined, password: ownSmtpPassword }
        : change.smtp && {
            ...change.smtp,
            username: change.smtp.username ?? undefined,
            password: change.smtp.sameAsIncoming ? undefined : (change.smtp.password ?? ownSmtpPassword),
          };
    const senderName = kept(change.senderName, current.senderName);
    const sentFolder = kept(change.sentFolder, current.sentFolder);
    // The whole account as addAccount takes it, so an edit obeys the same rules (POP3-only settings and the like).
    const merged = schemas.addAccount.parse({
      name: change.newName ?? current.name,
      email: current.email,
      protocol: current.protocol,
      host: kept(change.host, current.host),
      port: kept(change.port, current.port),
      security: kept(change.security, current.security),
      username: kept(change.username, current.username),
      password: kept(change.password, stored.incoming),
      acceptSelfSigned: kept(change.acceptSelfSigned, current.acceptSelfSigned),
      timeoutMs: kept(change.timeoutMs, current.timeoutMs),
      leaveOnServer: kept(change.leaveOnServer, current.leaveOnServer),
      // Turning "leave copies" off ends the N-days rule with it: every letter is then deleted once received.
      deleteAfterDays: kept(change.deleteAfterDays, change.leaveOnServer === false ? null : current.deleteAfterDays),
      securePasswordAuth: kept(change.securePasswordAuth, current.securePasswordAuth),
      ...(smtp
        ? {
            smtp: {
              host: smtp.host,
              port: smtp.port,
              security: smtp.security,
              ...(smtp.username ? { username: smtp.username } : {}),
              ...(smtp.password ? { password: smtp.password } : {}),
              popBeforeSmtp: smtp.popBeforeSmtp,
              securePasswordAuth: smtp.securePasswordAuth,
            },
          }
        : {}),
      ...(senderName ? { senderName } : {}),
      copyToSent: kept(change.copyToSent, current.copyToSent),
      ...(sentFolder ? { sentFolder } : {}),
      verify: change.verify,
    });
    const newPasswords = { incoming: merged.password, smtp: merged.smtp?.password ?? null };
    // Where and how the account signs in, before and after: only a change there needs the servers' word.
    const signIn = (a: Checked, passwords: { incoming: string; smtp: string | null }) => {
      const { incoming, outgoing, popBeforeSmtp } = checkTarget(a, passwords, false);
      return JSON.stringify([incoming, outgoing, popBeforeSmtp]);
    };
    if (merged.verify && signIn(merged, newPasswords) !== signIn(current, stored)) {
      const { checkServers, throwIfFailed } = await loadCheck();
      throwIfFailed(await checkServers(checkTarget(merged, newPasswords, false)));
    }

    const smtpSecretRef = merged.smtp?.password ? `${current.secretRef}:smtp` : null;
    if (merged.password !== stored.incoming) await this.secrets.set(current.secretRef, merged.password);
    if (smtpSecretRef && merged.smtp?.password) await this.secrets.set(smtpSecretRef, merged.smtp.password);
    const record = this.journal.accounts.update(
      current.id,
      {
        name: merged.name,
        host: merged.host,
        port: merged.port,
        security: merged.security,
        username: merged.username,
        acceptSelfSigned: merged.acceptSelfSigned,
        timeoutMs: merged.timeoutMs,
        leaveOnServer: merged.leaveOnServer,
        deleteAfterDays: merged.deleteAfterDays,
        securePasswordAuth: merged.securePasswordAuth,
        smtp: merged.smtp
          ? {
              host: merged.smtp.host,
              port: merged.smtp.port,
              security: merged.smtp.security,
              username: merged.smtp.username ?? null,
              secretRef: smtpSecretRef,
              popBeforeSmtp: merged.smtp.popBeforeSmtp,
              securePasswordAuth: merged.smtp.securePasswordAuth,
            }
          : null,
        senderName: merged.senderName ?? null,
        copyToSent: merged.copyToSent,
        sentFolder: merged.sentFolder ?? null,
      },
      { serverMoved: merged.host !== current.host || merged.username !== current.username },
    );
    // A password of the outgoing server's own that is no longer used is not left behind in the keychain.
    if (!smtpSecretRef && current.smtp?.secretRef) await this.secrets.delete(current.smtp.secretRef);
    return record;
  }

  /** Removes the account and its passwords; refused while it still has letters on their way out. */
  async remove(name: string): Promise<{ removed: string; lettersKept: number }> {
    const account = this.require(name);
    const unsent = this.journal.accounts.unsentCount(account.id);
    if (unsent > 0) {
      throw new InterlogError(
        'invalid-input',
        `Account "${name}" still has ${unsent} letter${unsent === 1 ? '' : 's'} in the outbox that ${unsent === 1 ? 'is' : 'are'} not known to be sent ` +
          '(queued, failed or in doubt): send, mark sent or cancel them first (interlog outbox).',
      );
    }
    const lettersKept = this.journal.interactions.count({ accountId: account.id });
    this.journal.accounts.remove(account.id);
    await this.secrets.delete(account.secretRef);
    if (account.smtp?.secretRef) await this.secrets.delete(account.smtp.secretRef);
    return { removed: name, lettersKept };
  }

  detect(email: string): Promise<Detection | null> {
    return detectServers(email, this.detectOptions);
  }

  async form(input: { email: string; system?: boolean; senderName?: string | undefined }): Promise<SetupForm> {
    return buildSetupForm(input.email, await this.detect(input.email), {
      system: input.system ?? false,
      senderName: input.senderName,
    });
  }

  /**
   * The wizard's "Create": detect what is left out (with `auto`), check, and save only when the check passes. A
   * detected server that fails for a reason of the server's gives way to the next one detection found; the check's
   * steps list those tried.
   */
  async setup(input: SetupAccountInput): Promise<SetupOutcome> {
    const request = setupAccountSchema.parse(input);
    const detection =
      request.auto && (!request.incoming || !request.outgoing) ? await this.detect(request.email) : null;
    const candidates = requestCandidates(
      request,
      { incoming: detection?.incoming ?? [], outgoing: detection?.outgoing ?? [] },
      { keepPop3Letters: true },
    );
    if (!candidates.incoming.length || (request.auto && !candidates.outgoing.length)) {
      return { saved: false, detection, check: { ok: false, steps: [detectionFailed(detection)] } };
    }
    const accountWith = (incoming: number, outgoing: number | null): NewAccount =>
      schemas.addAccount.parse(
        toAddAccountInput(
          request,
          candidates.incoming[incoming] as (typeof candidates.incoming)[number],
          outgoing === null ? undefined : candidates.outgoing[outgoing],
          detection,
        ),
      );
    const best = accountWith(0, candidates.outgoing.length ? 0 : null);
    this.assertNameFree(best.name);
    const passwords = { incoming: best.password, smtp: best.smtp?.password ?? null };
    const target = checkTarget(best, passwords, true);
    const { checkCandidates } = await loadCheck();
    const result = await checkCandidates({
      ...target,
      incoming: candidates.incoming.map((_, i) => checkTarget(accountWith(i, null), passwords, true).incoming),
      outgoing: candidates.outgoing.flatMap((_, j) => checkTarget(accountWith(0, j), passwords, true).outgoing ?? []),
    });
    const { check } = result;
    if (!check.ok) return { saved: false, check, detection };
    const account = accountWith(result.incoming, result.outgoing);
    return { saved: true, record: await this.save(account, request.system), check, detection };
  }

  /** Seed 004 "Проверить учетную запись": a test letter and a sign-in, with the stored passwords. */
  async check(name: string): Promise<AccountCheck> {
    const account = this.require(name);
    const { checkServers } = await loadCheck();
    return checkServers(checkTarget(account, await this.passwords(account), true));
  }

  setSystem(name: string): AccountRecord {
    const account = this.require(name);
    if (!account.smtp) {
      throw new InterlogError(
        'invalid-input',
        `Account "${name}" has no outgoing server, and the system account is the one the app sends its notifications from.`,
      );
    }
    this.journal.accounts.setSystem(account.id);
    return this.require(name);
  }

  system(): AccountRecord {
    const account = this.journal.accounts.system();
    if (!account) {
      throw new InterlogError(
        'not-configured',
        'The system account is not set up: the app has no account to send its notifications from. ' +
          'Mark an account with an outgoing server as the system account (interlog account system NAME).',
      );
    }
    return account;
  }

  private assertNameFree(name: string): void {
    if (this.journal.accounts.byName(name)) {
      throw new InterlogError('invalid-input', `An account named "${name}" already exists.`);
    }
  }

  private require(name: string): AccountRecord {
    const account = this.journal.accounts.byName(name);
    if (!account) throw new InterlogError('not-found', `There is no account named "${name}".`);
    return account;
  }

  /** Passwords go to the secret store, never into the journal; the journal keeps only their references. */
  private async save(a: NewAccount, isSystem: boolean): Promise<AccountRecord> {
    const secretRef = `account:${crypto.randomUUID()}`;
    await this.secrets.set(secretRef, a.password);
    const smtpSecretRef = a.smtp?.password ? `${secretRef}:smtp` : null;
    if (smtpSecretRef && a.smtp?.password) await this.secrets.set(smtpSecretRef, a.smtp.password);
    try {
      return this.journal.accounts.add({
        name: a.name,
        email: a.email,
        protocol: a.protocol,
        host: a.host,
        port: a.port,
        security: a.security,
        username: a.username,
        acceptSelfSigned: a.acceptSelfSigned,
        timeoutMs: a.timeoutMs,
        secretRef,
        identities: a.identities,
        leaveOnServer: a.leaveOnServer,
        deleteAfterDays: a.deleteAfterDays,
        smtp: a.smtp
          ? {
              host: a.smtp.host,
              port: a.smtp.port,
              security: a.smtp.security,
              username: a.smtp.username ?? null,
              secretRef: smtpSecretRef,
              popBeforeSmtp: a.smtp.popBeforeSmtp,
              securePasswordAuth: a.smtp.securePasswordAuth,
            }
          : null,
        senderName: a.senderName ?? null,
        copyToSent: a.copyToSent,
        sentFolder: a.sentFolder ?? null,
        isSystem,
        securePasswordAuth: a.securePasswordAuth,
      });
    } catch (error) {
      await this.secrets.delete(secretRef);
      if (smtpSecretRef) await this.secrets.delete(smtpSecretRef);
      throw error;
    }
  }
}

/** An edit's value where it gives one (null included: "clear it"), else the saved one. */
function kept<T>(changed: T | undefined, saved: T): T {
  return changed === undefined ? saved : changed;
}
