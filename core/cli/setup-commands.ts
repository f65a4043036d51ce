import type { AccountSummary } from '../api.js';
import type { JournalService } from '../journal-service.js';
import type { AccountSetupOptions } from '../setup/account-setup.js';
import type { AccountCheck } from '../setup/check.js';
import { systemNetwork } from '../setup/network.js';
import type { Detection, ServerSettings, SourceName } from '../setup/types.js';
import type { Values } from './journal-commands.js';
import { writeOut } from './output.js';
import { promptHidden } from './prompt.js';
import { UsageError } from './usage-error.js';

export const SETUP_USAGE = `  account detect ADDR [--json]                  (finds the servers: provider table, autoconfig, DNS SRV, MX, probing)
  account add --auto --name NAME --email ADDR [--password-env VAR] [--accept-self-signed] [--system]
              [--sender-name NAME] [--timeout SEC]   (detects, sends a test letter to ADDR, signs in; saves only then)
  account check NAME                            (a test letter to the account itself and a sign-in, as when added)
  account system [NAME]                         (marks NAME as the system account, or shows which one is)`;

export const SETUP_ENV_USAGE =
  'Detection asks the DNS servers in $INTERLOG_DNS_SERVERS (comma-separated, IP[:PORT]) when set, else the system’s.';

/** Options of the setup commands, for the CLI's argument parser. */
export const setupOptions = {
  auto: { type: 'boolean' },
  system: { type: 'boolean' },
} as const;

/** The service's detection settings from the environment: DNS servers of one's own, e.g. a company resolver. */
export function setupFromEnv(env: NodeJS.ProcessEnv): AccountSetupOptions | undefined {
  const servers = env.INTERLOG_DNS_SERVERS?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return servers?.length ? { network: systemNetwork({ dnsServers: servers }) } : undefined;
}

/** The password from the variable named by --password-env, else asked for on the terminal; never an argument. */
export async function readPassword(v: Values, user: string): Promise<string> {
  const envName = v['password-env'];
  if (typeof envName !== 'string') return promptHidden(`Password for ${user}: `);
  const password = process.env[envName];
  if (!password) throw new UsageError(`the environment variable ${envName} is empty or not set`);
  return password;
}

function serverLine(s: ServerSettings): string {
  return `${s.protocol} ${s.host}:${s.port} (${s.security}), user ${s.username}`;
}

const SOURCE_NAMES: Record<SourceName, string> = {
  providers: 'the provider table',
  autoconfig: 'autoconfig',
  ispdb: 'the ISPDB',
  srv: 'DNS SRV',
  mx: 'the MX host',
  guess: 'probing',
};

function detectionLines(d: Detection): string[] {
  const from = d.viaMx
    ? `${SOURCE_NAMES[d.viaMx.source]} of ${d.viaMx.domain}, the domain of the MX host ${d.viaMx.host}`
    : SOURCE_NAMES[d.source];
  const lines = [`Found by ${from}: ${d.detail} (${d.elapsedMs} ms)`];
  if (d.outgoingSource) lines.push(`Outgoing server found by ${SOURCE_NAMES[d.outgoingSource]}.`);
  if (d.provider) lines.push(`Provider: ${d.provider.name}`);
  const list = (title: string, servers: ServerSettings[]) => {
    const [best, ...others] = servers;
    lines.push(`${title}: ${best ? serverLine(best) : 'none found'}`);
    for (const s of others) lines.push(`  or ${serverLine(s)}`);
  };
  list('Incoming', d.incoming);
  list('Outgoing', d.outgoing);
  for (const note of d.notes) lines.push(`Note: ${note}`);
  return lines;
}

function triedLine(d: Detection): string {
  return `Tried: ${d.attempts.map((a) => `${a.source} ${a.outcome}`).join(', ')}`;
}

async function printCheck(check: AccountCheck): Promise<void> {
  for (const step of check.steps) {
    for (const tried of step.tried ?? []) {
      await writeOut(`${step.step}: ${tried.server} given up (${tried.error.hint}): ${tried.error.message}\n`);
    }
    const where = step.server ? ` ${step.server}` : '';
    if (step.ok) {
      await writeOut(
        `${step.step}:${where} ${step.skipped ? `skipped (${step.skipped})` : 'ok'} (${step.elapsedMs} ms)\n`,
      );
      continue;
    }
    const error = step.error;
    process.stderr.write(
      `${step.step}:${where} FAILED${error ? ` (${error.hint})` : ''}: ${error?.message ?? step.skipped}\n`,
    );
    if (error?.serverSaid) process.stderr.write(`  the server said: ${error.serverSaid}\n`);
    if (error) process.stderr.write(`  what to do: ${error.advice}\n`);
  }
  if (check.testLetter)
    await writeOut(`Test letter <${check.testLetter.messageId}> accepted: ${check.testLetter.response}\n`);
}

function describeAccount(a: AccountSummary): string {
  return `"${a.name}" (${a.email}, ${a.protocol}://${a.host}:${a.port})`;
}

/** `interlog account detect|check|system`, and `account add --auto`; undefined for other account commands. */
export async function setupCommand(
  service: JournalService,
  sub: string,
  args: string[],
  v: Values,
): Promise<number | undefined> {
  const [name] = args;
  switch (sub) {
    case 'detect': {
      if (!name) throw new UsageError('account detect needs the address');
      const found = await service.detectServers({ email: name });
      if (v.json) {
        await writeOut(`${JSON.stringify(found)}\n`);
        return found ? 0 : 1;
      }
      if (!found) {
        process.stderr.write(
          `interlog: no servers found for ${name}; give them with account add --imap/--pop3 --smtp\n`,
        );
        return 1;
      }
      for (const line of [...detectionLines(found), triedLine(found)]) await writeOut(`${line}\n`);
      return 0;
    }
    case 'add': {
      if (!v.auto) return undefined;
      const email = v.email;
      if (typeof email !== 'string' || !email) throw new UsageError('account add --auto needs --email');
      if (typeof v.name !== 'string' || !v.name) throw new UsageError('account add --auto needs --name');
      const timeout = typeof v.timeout === 'string' ? Number(v.timeout) : undefined;
      if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
        throw new UsageError('--timeout must be a whole number of seconds');
      }
      const result = await service.setupAccount({
        email,
        password: await readPassword(v, email),
        name: v.name,
        auto: true,
        system: v.system === true,
        acceptSelfSigned: v['accept-self-signed'] === true,
        ...(typeof v['sender-name'] === 'string' ? { senderName: v['sender-name'] } : {}),
        ...(timeout ? { timeoutSeconds: timeout } : {}),
      });
      if (result.detection) for (const line of detectionLines(result.detection)) await writeOut(`${line}\n`);
      await printCheck(result.check);
      if (!result.saved) {
        process.stderr.write('interlog: the account was not saved.\n');
        return 1;
      }
      const system = result.account.isSystem ? ' as the system account' : '';
      await writeOut(`Added account ${describeAccount(result.account)}${system}.\n`);
      return 0;
    }
    case 'check': {
      if (!name) throw new UsageError('account check needs the account name');
      const check = await service.checkAccount({ name });
      await printCheck(check);
      return check.ok ? 0 : 1;
    }
    case 'system': {
      const account = name ? await service.setSystemAccount({ name }) : await service.systemAccount({});
      await writeOut(`The system account is ${describeAccount(account)}.\n`);
      return 0;
    }
    default:
      return undefined;
  }
}
