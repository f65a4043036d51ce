import { parseClientConfig, splitAddress } from './clientconfig.js';
import { bounded, combineErrors } from './timing.js';
import { type Found, isComplete, type Source, type SourceContext } from './types.js';

export const DEFAULT_ISPDB_URL = 'https://autoconfig.thunderbird.net/v1.1/';

/** One clientConfig file; null when the server has one but it names no provider. Broken XML rejects. */
async function fetchConfig(ctx: SourceContext, url: string): Promise<Found | null> {
  const xml = await bounded(ctx.network.fetchText(url, ctx.stepTimeoutMs), url, ctx.stepTimeoutMs, ctx.signal);
  try {
    // Placeholders are the user's address even when the file is the MX host's domain's.
    const found = parseClientConfig(xml, splitAddress(ctx.email), url);
    return found && url.startsWith('http:') ? { ...found, forgeable: true } : found;
  } catch (error) {
    throw new Error(`${url}: ${(error as Error).message}`);
  }
}

/**
 * Mozilla autoconfig published by the domain itself: autoconfig.<domain> (HTTPS, then plain HTTP as Thunderbird
 * does), then <domain>/.well-known. All are asked at once; the first complete answer in that order wins.
 */
export const autoconfigSource: Source = async (ctx) => {
  // The address tells the server whose settings to fill in; it is not sent over plain HTTP.
  const query = `?emailaddress=${encodeURIComponent(ctx.email)}`;
  const urls = [
    `https://autoconfig.${ctx.domain}/mail/config-v1.1.xml${query}`,
    `http://autoconfig.${ctx.domain}/mail/config-v1.1.xml`,
    `https://${ctx.domain}/.well-known/autoconfig/mail/config-v1.1.xml${query}`,
  ];
  // Each failure is caught at once: an early answer leaves the others running, unawaited.
  const errors: Error[] = [];
  const answers = urls.map((url) =>
    fetchConfig(ctx, url).catch((error: Error) => {
      errors.push(error);
      return null;
    }),
  );
  let partial: Found | null = null;
  for (const answer of answers) {
    const found = await answer;
    if (isComplete(found)) return found;
    partial ??= found;
  }
  if (partial) return partial;
  // 404s and unknown hosts mean "no autoconfig here"; a broken file or a silent server is worth showing.
  const telling = errors.filter((e) => !/HTTP 404|ENOTFOUND/.test(e.message));
  if (errors.length < urls.length || !telling.length) return null;
  throw combineErrors(telling);
};

/** Thunderbird's public database of providers, by domain. */
export const ispdbSource: Source = async (ctx) => {
  if (!ctx.ispdbUrl) return null;
  try {
    return await fetchConfig(ctx, `${ctx.ispdbUrl}${encodeURIComponent(ctx.domain)}`);
  } catch (error) {
    if (/HTTP 404/.test((error as Error).message)) return null;
    throw error;
  }
};
