import type { Security } from '../db/accounts-repo.js';
import { byPreference } from './clientconfig.js';
import type { SrvRecord } from './network.js';
import { bounded, combineErrors } from './timing.js';
import type { ServerSettings, Source } from './types.js';

// RFC 6186 (IMAP, POP3, submission) and RFC 8314 (implicit TLS). The plain-port services must use STARTTLS.
const SERVICES: readonly { label: string; protocol: ServerSettings['protocol']; security: Security }[] = [
  { label: '_imaps._tcp', protocol: 'imap', security: 'tls' },
  { label: '_imap._tcp', protocol: 'imap', security: 'starttls' },
  { label: '_pop3s._tcp', protocol: 'pop3', security: 'tls' },
  { label: '_pop3._tcp', protocol: 'pop3', security: 'starttls' },
  { label: '_submissions._tcp', protocol: 'smtp', security: 'tls' },
  { label: '_submission._tcp', protocol: 'smtp', security: 'starttls' },
];

/** Lower priority first; among equals the heavier weight (RFC 2782 picks at random by weight; we pick the top). */
function bySrvOrder(a: SrvRecord, b: SrvRecord): number {
  return a.priority - b.priority || b.weight - a.weight;
}

/** DNS SRV records of the domain; the user name is the whole address, as RFC 6186 section 4 suggests first. */
export const srvSource: Source = async (ctx) => {
  const queries = SERVICES.map((service) => {
    const name = `${service.label}.${ctx.domain}`;
    return bounded(ctx.network.resolveSrv(name), `SRV ${name}`, ctx.stepTimeoutMs, ctx.signal).then(
      (records) => ({ service, name, records }),
      (error: Error) => ({ service, name, error }),
    );
  });
  const answers = await Promise.all(queries);
  const servers: ServerSettings[] = [];
  const names: string[] = [];
  for (const answer of answers) {
    if (!('records' in answer)) continue;
    // A target of "." says the service is deliberately not offered (RFC 2782).
    const usable = answer.records.filter((r) => r.name && r.name !== '.' && r.port > 0).sort(bySrvOrder);
    if (usable.length) names.push(answer.name);
    for (const record of usable) {
      servers.push({
        protocol: answer.service.protocol,
        host: record.name.replace(/\.$/, '').toLowerCase(),
        port: record.port,
        security: answer.service.security,
        username: ctx.email,
      });
    }
  }
  const failed = answers.filter((a): a is (typeof answers)[number] & { error: Error } => 'error' in a);
  if (!servers.length && failed.length === answers.length) {
    throw combineErrors(failed.map((f) => f.error));
  }
  if (!servers.length) return null;
  return {
    // Sorting is stable, so each service's SRV order survives inside its place.
    incoming: servers.filter((s) => s.protocol !== 'smtp').sort(byPreference),
    outgoing: servers.filter((s) => s.protocol === 'smtp').sort(byPreference),
    detail: names.join(', '),
    notes: [],
    forgeable: true,
  };
};
