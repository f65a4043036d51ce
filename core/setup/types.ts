import type { Security } from '../db/accounts-repo.js';
import type { Network } from './network.js';

/** One server an account could use, with the user name already filled in for the address. */
export interface ServerSettings {
  protocol: 'imap' | 'pop3' | 'smtp';
  host: string;
  port: number;
  security: Security;
  username: string;
}

/** How a provider lets mail programs sign in with a password. */
export type AppPasswordRule = 'required' | 'with-two-factor';

/** What one detection source found. Incoming and outgoing are best first; either may be empty (incomplete). */
export interface Found {
  incoming: ServerSettings[];
  outgoing: ServerSettings[];
  /** Where exactly: the URL of the autoconfig file, the SRV names, the probed hosts. */
  detail: string;
  provider?: { id: string; name: string };
  appPassword?: AppPasswordRule;
  /** Things the user has to know or do: app passwords, IMAP to be enabled, OAuth-only sign-in, no encryption. */
  notes: string[];
  /** Gmail files sent letters itself, so Interlog must not append a second copy. */
  copyToSent?: boolean;
  /** Came over plain DNS or plain HTTP, which anyone on the network path can forge. */
  forgeable?: boolean;
  /** Set when the servers were found for the domain of the MX host rather than the address's own. */
  viaMx?: { host: string; domain: string; source: SourceName };
}

export type SourceName = 'providers' | 'autoconfig' | 'ispdb' | 'srv' | 'mx' | 'guess';

export interface Attempt {
  /** The source, with the MX domain's own sources as "mx:providers", "mx:srv" and so on. */
  source: string;
  outcome: 'found' | 'incomplete' | 'nothing' | 'failed' | 'timeout' | 'not-needed';
  detail?: string;
  elapsedMs: number;
}

export interface Detection extends Found {
  email: string;
  domain: string;
  /** The source the answer came from; for "mx", `viaMx` says which domain and which of its sources. */
  source: SourceName;
  /** Only when no source had a complete answer: where the outgoing servers came from, if not from `source`. */
  outgoingSource?: SourceName;
  attempts: Attempt[];
  elapsedMs: number;
}

/** What a source is given: the address, the network, and a signal that fires once its answer no longer matters. */
export interface SourceContext {
  email: string;
  localPart: string;
  /** The domain the servers are looked for: the address's, or its MX host's. */
  domain: string;
  network: Network;
  signal: AbortSignal;
  /** Bound on each network step (a DNS query, a fetch, a probe). */
  stepTimeoutMs: number;
  /** The ISPDB's base URL (the domain is appended); null: not asked. */
  ispdbUrl: string | null;
}

export type Source = (ctx: SourceContext) => Promise<Found | null>;

export const SECURITY_RANK: Record<Security, number> = { tls: 0, starttls: 1, none: 2 };

export function isComplete(found: Found | null | undefined): boolean {
  return !!found && found.incoming.length > 0 && found.outgoing.length > 0;
}
