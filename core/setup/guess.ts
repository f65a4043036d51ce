import { type ProbeResult, probe } from './probe.js';
import { SECURITY_RANK, type ServerSettings, type Source } from './types.js';

interface Candidate {
  protocol: ServerSettings['protocol'];
  host: string;
  port: number;
  tls: boolean;
  /** Lower is preferred, among servers of equal security. */
  order: number;
}

const PLAN: readonly { protocol: ServerSettings['protocol']; prefixes: string[]; ports: [number, boolean][] }[] = [
  {
    protocol: 'imap',
    prefixes: ['imap', 'mail'],
    ports: [
      [993, true],
      [143, false],
    ],
  },
  {
    protocol: 'pop3',
    prefixes: ['pop3', 'pop', 'mail'],
    ports: [
      [995, true],
      [110, false],
    ],
  },
  // 25 is last: providers often block it for clients, and servers there may refuse to relay.
  {
    protocol: 'smtp',
    prefixes: ['smtp', 'mail'],
    ports: [
      [465, true],
      [587, false],
      [25, false],
    ],
  },
];

export function guessCandidates(domain: string): Candidate[] {
  let order = 0;
  return PLAN.flatMap(({ protocol, prefixes, ports }) =>
    prefixes.flatMap((prefix) =>
      ports.map(([port, tls]) => ({ protocol, host: `${prefix}.${domain}`, port, tls, order: order++ })),
    ),
  );
}

/** Encrypted first (RFC 8314), then IMAP before POP3, then the order of the plan. */
function rank(a: ProbeResult & { order: number }, b: ProbeResult & { order: number }): number {
  const protocol = (p: ProbeResult) => (p.protocol === 'pop3' ? 1 : 0);
  const encrypted = (p: ProbeResult) => (p.security === 'none' ? 1 : 0);
  return (
    encrypted(a) - encrypted(b) ||
    protocol(a) - protocol(b) ||
    SECURITY_RANK[a.security] - SECURITY_RANK[b.security] ||
    a.order - b.order
  );
}

/**
 * The last resort: the usual host names of the domain, every usual port, probed at once. What each server answers
 * decides its security; the user name is guessed as the whole address.
 */
export const guessSource: Source = async (ctx) => {
  const candidates = guessCandidates(ctx.domain);
  const results = await Promise.all(
    candidates.map((c) =>
      probe(ctx.network, c, ctx.stepTimeoutMs, ctx.signal).then(
        (result) => ({ ...result, order: c.order }),
        () => null,
      ),
    ),
  );
  const answered = results.filter((r): r is ProbeResult & { order: number } => r !== null).sort(rank);
  if (!answered.length) return null;
  const notes: string[] = [];
  for (const r of answered) {
    if (r.trusted === false) {
      notes.push(`The certificate of ${r.host}:${r.port} is not trusted (self-signed or for another name).`);
    }
  }
  const best = (protocols: ServerSettings['protocol'][]) => answered.filter((r) => protocols.includes(r.protocol));
  const incoming = best(['imap', 'pop3']);
  const outgoing = best(['smtp']);
  for (const r of [incoming[0], outgoing[0]]) {
    if (r?.security === 'none')
      notes.push(`${r.host}:${r.port} offers no encryption: the password would cross the network in clear.`);
  }
  notes.push('The user name is guessed as the whole address.');
  const settings = (r: ProbeResult): ServerSettings => ({
    protocol: r.protocol,
    host: r.host,
    port: r.port,
    security: r.security,
    username: ctx.email,
  });
  return {
    incoming: incoming.map(settings),
    outgoing: outgoing.map(settings),
    detail: `probed ${answered.map((r) => `${r.host}:${r.port} (${r.security})`).join(', ')}`,
    notes: [...new Set(notes)],
  };
};
