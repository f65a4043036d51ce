import { bounded } from './timing.js';
import type { SourceContext } from './types.js';

// Second-level public suffixes a mail host is likely to sit under. Not the whole Public Suffix List: a wrong cut
// only means one more domain looked up, never a wrong answer, because whatever it finds is verified before saving.
const TWO_LEVEL_SUFFIXES = new Set([
  'co.uk',
  'org.uk',
  'ac.uk',
  'gov.uk',
  'com.au',
  'net.au',
  'org.au',
  'co.nz',
  'co.za',
  'co.jp',
  'ne.jp',
  'or.jp',
  'co.kr',
  'co.in',
  'co.il',
  'com.br',
  'com.cn',
  'com.tr',
  'com.mx',
  'com.ar',
  'com.ua',
  'kiev.ua',
  'com.by',
  'com.ru',
  'net.ru',
  'org.ru',
  'pp.ru',
  'msk.ru',
  'spb.ru',
  'com.kz',
]);

/** The domain a host name was registered under: mx.yandex.net → yandex.net, mx1.mail.example.co.uk → example.co.uk. */
export function registrableDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  const keep = labels.length >= 3 && TWO_LEVEL_SUFFIXES.has(labels.slice(-2).join('.')) ? 3 : 2;
  return labels.slice(-keep).join('.');
}

/**
 * The most preferred MX host of the domain and the domain it belongs to, when that is another one (a company's
 * mail hosted at a provider). Null when there is no MX or it is the domain's own.
 */
export async function mxDomainOf(ctx: SourceContext): Promise<{ host: string; domain: string } | null> {
  const records = await bounded(ctx.network.resolveMx(ctx.domain), `MX ${ctx.domain}`, ctx.stepTimeoutMs, ctx.signal);
  const best = [...records].filter((r) => r.exchange && r.exchange !== '.').sort((a, b) => a.priority - b.priority)[0];
  if (!best) return null;
  const host = best.exchange.replace(/\.$/, '').toLowerCase();
  const domain = registrableDomain(host);
  return domain === registrableDomain(ctx.domain) ? null : { host, domain };
}
