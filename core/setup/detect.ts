import { setMaxListeners } from 'node:events';
import { autoconfigSource, DEFAULT_ISPDB_URL, ispdbSource } from './autoconfig.js';
import { splitAddress } from './clientconfig.js';
import { guessSource } from './guess.js';
import { mxDomainOf, registrableDomain } from './mx.js';
import type { Network } from './network.js';
import { type Provider, providerForDomain, providerForMxDomain, providerSettings } from './providers.js';
import { srvSource } from './srv.js';
import { errorText, isTimeout, untilAborted } from './timing.js';
import {
  type Attempt,
  type Detection,
  type Found,
  isComplete,
  type Source,
  type SourceContext,
  type SourceName,
} from './types.js';

export interface DetectOptions {
  network: Network;
  /** Bound on each DNS query, fetch and probe. */
  stepTimeoutMs?: number;
  /** Bound on the whole detection: what has answered by then is used. */
  deadlineMs?: number;
  /** null: the public ISPDB is not asked. */
  ispdbUrl?: string | null;
  /** Only these sources (default: all), to try one alone. */
  sources?: readonly SourceName[];
}

export const DEFAULT_STEP_TIMEOUT_MS = 1500;
export const DEFAULT_DEADLINE_MS = 2500;

interface Named {
  name: SourceName;
  run: Source;
  /** Answers without the network: awaited before any networked source is started. */
  local?: boolean;
}

type Settled = { found: Found | null; ms: number } | { error: unknown; ms: number };

interface Outcome {
  winner?: { name: SourceName; found: Found };
  partials: { name: SourceName; found: Found }[];
}

/** A signal every probe and lookup of a detection listens to: many more than the default warning limit of 10. */
function fanOut(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}

const fromTable =
  (lookup: (domain: string) => Provider | undefined): Source =>
  async (ctx) => {
    const provider = lookup(ctx.domain);
    return provider ? providerSettings(provider, splitAddress(ctx.email), provider.name) : null;
  };

/**
 * Starts the sources together (local ones first, alone) and takes the first complete answer in their order: a
 * source is waited for only while every source before it has failed. Once there is an answer the rest are stopped.
 */
async function runInOrder(
  sources: readonly Named[],
  ctx: SourceContext,
  record: (attempt: Attempt) => void,
  prefix: string,
): Promise<Outcome> {
  const stop = new AbortController();
  const sub: SourceContext = { ...ctx, signal: fanOut(AbortSignal.any([ctx.signal, stop.signal])) };
  const done = new Map<number, Settled>();
  const runs = new Map<number, Promise<Settled>>();
  const start = (index: number) => {
    const began = performance.now();
    const source = sources[index] as Named;
    const run = Promise.resolve()
      .then(() => source.run(sub))
      .then(
        (found): Settled => ({ found, ms: performance.now() - began }),
        (error: unknown): Settled => ({ error, ms: performance.now() - began }),
      )
      .then((settled) => {
        done.set(index, settled);
        return settled;
      });
    runs.set(index, run);
  };
  const outcome: Outcome = { partials: [] };
  for (const [index, source] of sources.entries()) {
    const name = `${prefix}${source.name}`;
    if (outcome.winner) {
      record({ source: name, outcome: 'not-needed', elapsedMs: 0 });
      continue;
    }
    if (!runs.has(index)) {
      if (source.local) start(index);
      else for (let later = index; later < sources.length; later++) start(later);
    }
    // After the deadline, sources that had already answered still count; the others are out of time.
    const settled = done.get(index) ?? (await untilAborted(runs.get(index) as Promise<Settled>, ctx.signal));
    if (!settled) {
      record({ source: name, outcome: 'timeout', detail: 'out of time', elapsedMs: 0 });
      continue;
    }
    const elapsedMs = Math.round(settled.ms);
    if ('error' in settled) {
      const kind = isTimeout(settled.error) ? 'timeout' : 'failed';
      record({ source: name, outcome: kind, detail: errorText(settled.error), elapsedMs });
    } else if (!settled.found) {
      record({ source: name, outcome: 'nothing', elapsedMs });
    } else if (isComplete(settled.found)) {
      record({ source: name, outcome: 'found', detail: settled.found.detail, elapsedMs });
      outcome.winner = { name: source.name, found: settled.found };
      stop.abort();
    } else {
      record({ source: name, outcome: 'incomplete', detail: settled.found.detail, elapsedMs });
      outcome.partials.push({ name: source.name, found: settled.found });
    }
  }
  stop.abort();
  return outcome;
}

/**
 * RFC 6186 section 6: servers named by unsigned DNS or plain HTTP outside the address's own domain may be an
 * attacker's, and the check before saving would hand them the password; the user should look first.
 */
function foreignNotes(incoming: Found | undefined, outgoing: Found | undefined, domain: string): string[] {
  const own = registrableDomain(domain);
  const hosts = [
    ...(incoming?.forgeable ? incoming.incoming.slice(0, 1) : []),
    ...(outgoing?.forgeable ? outgoing.outgoing.slice(0, 1) : []),
  ].map((s) => s.host);
  return hosts
    .filter((host) => registrableDomain(host) !== own)
    .map(
      (host) =>
        `${host} is outside ${domain} and was named by plain DNS or HTTP, which can be forged: make sure it is your mail provider's before giving it the password.`,
    );
}

/**
 * Finds the servers for an address: (a) the built-in provider table, (b) the domain's autoconfig file and the
 * ISPDB, (c) DNS SRV, (d) the MX host's domain through (a)–(c), (e) probing the usual host names. The first
 * complete answer in that order wins; with none, the best incoming and outgoing halves are combined. Null: nothing.
 */
export async function detectServers(email: string, options: DetectOptions): Promise<Detection | null> {
  const began = performance.now();
  const address = splitAddress(email);
  const attempts: Attempt[] = [];
  let open = true;
  // A source stopped after the answer may still report; the answer's list of attempts is final.
  const record = (attempt: Attempt) => {
    if (open) attempts.push(attempt);
  };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), options.deadlineMs ?? DEFAULT_DEADLINE_MS);
  const ctx: SourceContext = {
    email,
    localPart: address.localPart,
    domain: address.domain,
    network: options.network,
    signal: fanOut(deadline.signal),
    stepTimeoutMs: options.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS,
    ispdbUrl: options.ispdbUrl === undefined ? DEFAULT_ISPDB_URL : options.ispdbUrl,
  };
  const domainSources: Named[] = [
    { name: 'providers', run: fromTable(providerForDomain), local: true },
    { name: 'autoconfig', run: autoconfigSource },
    { name: 'ispdb', run: ispdbSource },
    { name: 'srv', run: srvSource },
  ];
  const mxSource: Source = async (mxCtx) => {
    const mx = await mxDomainOf(mxCtx);
    if (!mx) return null;
    const atMx = domainSources.map((s) =>
      s.name === 'providers' ? { ...s, run: fromTable((d) => providerForMxDomain(d) ?? providerForDomain(d)) } : s,
    );
    const inner = await runInOrder(atMx, { ...mxCtx, domain: mx.domain }, record, 'mx:');
    const best = inner.winner ?? inner.partials[0];
    return best ? { ...best.found, viaMx: { ...mx, source: best.name } } : null;
  };
  const all: Named[] = [...domainSources, { name: 'mx', run: mxSource }, { name: 'guess', run: guessSource }];
  const chosen = options.sources ? all.filter((s) => options.sources?.includes(s.name)) : all;
  try {
    const outcome = await runInOrder(chosen, ctx, record, '');
    open = false;
    const elapsedMs = Math.round(performance.now() - began);
    const base = { email, domain: address.domain, attempts, elapsedMs };
    if (outcome.winner) {
      const found = outcome.winner.found;
      const notes = [...found.notes, ...foreignNotes(found, found, address.domain)];
      return { ...base, source: outcome.winner.name, ...found, notes };
    }
    const incoming = outcome.partials.find((p) => p.found.incoming.length);
    const outgoing = outcome.partials.find((p) => p.found.outgoing.length);
    const first = incoming ?? outgoing;
    if (!first) return null;
    const notes = [
      ...(incoming?.found.notes ?? []),
      ...(outgoing?.found.notes ?? []),
      ...foreignNotes(incoming?.found, outgoing?.found, address.domain),
    ];
    return {
      ...base,
      source: first.name,
      ...first.found,
      incoming: incoming?.found.incoming ?? [],
      outgoing: outgoing?.found.outgoing ?? [],
      notes: [...new Set(notes)],
      ...(outgoing && outgoing !== first ? { outgoingSource: outgoing.name } : {}),
    };
  } finally {
    open = false;
    clearTimeout(timer);
    deadline.abort();
  }
}
