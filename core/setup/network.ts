import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

export interface SrvRecord {
  name: string;
  port: number;
  priority: number;
  weight: number;
}

export interface MxRecord {
  exchange: string;
  priority: number;
}

/**
 * Everything detection does on the network, so tests can point it at servers on 127.0.0.1. Lookups that find no
 * records answer an empty list; failures (timeouts, refused queries, HTTP errors) reject.
 */
export interface Network {
  resolveSrv(name: string): Promise<SrvRecord[]>;
  resolveMx(domain: string): Promise<MxRecord[]>;
  /** The body of a 200 answer, redirects followed; anything else rejects. */
  fetchText(url: string, timeoutMs: number): Promise<string>;
  /**
   * A connected socket; with `tls` the handshake is done but the certificate is not checked, because probing only
   * reads what the server offers (the socket's `authorized` says whether it would have been trusted).
   */
  connect(host: string, port: number, options: { tls: boolean; timeoutMs: number }): Promise<net.Socket>;
}

export interface SystemNetworkOptions {
  /** DNS servers ("192.0.2.1" or "192.0.2.1:5353") for every name detection looks up; default: the system's. */
  dnsServers?: readonly string[];
  dnsTimeoutMs?: number;
}

const MAX_BODY = 512 * 1024;
const MAX_REDIRECTS = 3;
/** Codes c-ares answers for "the name has no such records" (as opposed to "the lookup failed"). */
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND', 'NXDOMAIN']);

/** The real network: DNS through node:dns, HTTP(S) through node:http(s), sockets through node:net and node:tls. */
export function systemNetwork(options: SystemNetworkOptions = {}): Network {
  const resolver = new dns.promises.Resolver({ timeout: options.dnsTimeoutMs ?? 1500, tries: 2 });
  if (options.dnsServers?.length) resolver.setServers([...options.dnsServers]);
  // With our own DNS servers every host name is resolved through them too, so nothing leaks to the system's.
  const lookup = options.dnsServers?.length ? resolverLookup(resolver) : undefined;
  const records = async <T>(query: () => Promise<T[]>): Promise<T[]> => {
    try {
      return await query();
    } catch (error) {
      if (NO_RECORDS.has((error as { code?: string }).code ?? '')) return [];
      throw error;
    }
  };
  return {
    resolveSrv: (name) => records(() => resolver.resolveSrv(name)),
    resolveMx: (domain) => records(() => resolver.resolveMx(domain)),
    fetchText: (url, timeoutMs) => fetchText(new URL(url), AbortSignal.timeout(timeoutMs), lookup, 0),
    connect: (host, port, { tls: secure, timeoutMs }) => connect(host, port, secure, timeoutMs, lookup),
  };
}

function resolverLookup(resolver: dns.promises.Resolver): net.LookupFunction {
  return (hostname, options, callback) => {
    const resolve = async (): Promise<{ address: string; family: 4 | 6 }[]> => {
      const v4 = await resolver.resolve4(hostname).catch(() => [] as string[]);
      if (v4.length) return v4.map((address) => ({ address, family: 4 }));
      const v6 = await resolver.resolve6(hostname).catch(() => [] as string[]);
      return v6.map((address) => ({ address, family: 6 }));
    };
    resolve().then(
      (found) => {
        const first = found[0];
        if (!first) {
          const error = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname });
          callback(error, '', 4);
        } else if (options.all) callback(null, found);
        else callback(null, first.address, first.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 4),
    );
  };
}

function fetchText(
  url: URL,
  signal: AbortSignal,
  lookup: net.LookupFunction | undefined,
  hops: number,
): Promise<string> {
  const client = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!client) return Promise.reject(new Error(`cannot fetch ${url.protocol} URLs`));
  return new Promise<string>((resolve, reject) => {
    const request = client.get(
      url,
      { signal, lookup, headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1', 'user-agent': 'Interlog' } },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
          response.resume();
          if (hops >= MAX_REDIRECTS) return reject(new Error(`too many redirects from ${url.href}`));
          return resolve(fetchText(new URL(location, url), signal, lookup, hops + 1));
        }
        if (status !== 200) {
          response.resume();
          return reject(new Error(`HTTP ${status} from ${url.href}`));
        }
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_BODY)
            request.destroy(new Error(`the answer from ${url.href} is larger than ${MAX_BODY} bytes`));
          else chunks.push(chunk);
        });
        response.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
  });
}

function connect(
  host: string,
  port: number,
  secure: boolean,
  timeoutMs: number,
  lookup: net.LookupFunction | undefined,
): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tls.connect({
          host,
          port,
          lookup,
          ...(net.isIP(host) ? {} : { servername: host }),
          rejectUnauthorized: false,
        })
      : net.connect({ host, port, lookup });
    const fail = (error: Error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(Object.assign(new Error(`no answer from ${host}:${port} in time`), { code: 'ETIMEDOUT' })),
      timeoutMs,
    );
    socket.once('error', fail);
    socket.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.off('error', fail);
      // A late reset of a socket nobody reads any more must not crash the process; readers add their own.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}
