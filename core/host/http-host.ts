import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { ApiError } from '../api.js';
import { SECURITY_HEADERS } from './csp.js';
import type { Dispatcher } from './dispatch.js';
import { contentTypeOf, resolveStaticFile } from './static-files.js';

export interface HttpHostOptions {
  dispatcher: Dispatcher;
  /** The built renderer (`vite build` output). */
  staticDir: string;
  /** 0 (the default) takes any free port. */
  port?: number;
  /** The per-run secret; random unless a test wants a fixed one. */
  token?: string;
}

export interface HttpHost {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** The address to open: it hands the browser the token, which comes back as a cookie and leaves the URL. */
  url: string;
  token: string;
  close(): Promise<void>;
}

/** Large enough for a letter with attachments sent from the browser, small enough not to exhaust memory. */
const MAX_BODY = 64 * 1024 * 1024;
const HEARTBEAT_MS = 15_000;

/**
 * Serves the renderer and the JournalApi on 127.0.0.1: `POST /api/<method>` with a JSON body answers an
 * ApiResult, `GET /api/events` streams JournalEvents as server-sent events.
 *
 * Anything on the machine can reach a loopback port, and any web page the user opens can make the browser send
 * requests to it, so: every request needs the per-run token (an HttpOnly SameSite=Strict cookie set from the
 * printed URL, or `Authorization: Bearer`); the Host header must name this server (DNS rebinding); an Origin or
 * Sec-Fetch-Site from elsewhere is refused; API calls must be JSON, which no form can send; and no CORS header is
 * ever sent.
 */
export async function startHttpHost(options: HttpHostOptions): Promise<HttpHost> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const staticDir = path.resolve(options.staticDir);
  const streams = new Set<http.ServerResponse>();
  let port = 0;
  // Cookies are shared by every port of a host, so the name carries ours: two hosts never overwrite each other.
  const cookieName = () => `interlog_${port}`;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', 'Internal error');
      else res.destroy(error instanceof Error ? error : undefined);
    });
  });

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
    if (!hosts.includes(req.headers.host ?? ''))
      return refuse(res, 403, 'This server answers only to its own address.');
    const origin = req.headers.origin;
    if (origin !== undefined && !hosts.some((h) => origin === `http://${h}`)) {
      return refuse(res, 403, 'Requests from other sites are refused.');
    }
    const site = req.headers['sec-fetch-site'];
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return refuse(res, 403, 'Requests from other sites are refused.');
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);

    const offered = url.pathname === '/' ? url.searchParams.get('token') : null;
    if (offered !== null) {
      if (!sameSecret(offered, token)) return refuse(res, 401, 'This link is not valid for this run of Interlog.');
      // The token leaves the address bar (and so the history) at once; the cookie carries it from now on.
      res.writeHead(303, {
        ...SECURITY_HEADERS,
        'Set-Cookie': `${cookieName()}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: '/',
        'Cache-Control': 'no-store',
      });
      res.end();
      return;
    }
    if (!authorized(req)) {
      return refuse(res, 401, 'Open Interlog with the address printed by `npm run serve` (it carries the token).');
    }

    if (url.pathname.startsWith('/api/')) {
      if (url.pathname === '/api/events') {
        if (req.method !== 'GET') return notAllowed(res, 'GET');
        return events(req, res);
      }
      if (req.method !== 'POST') return notAllowed(res, 'POST');
      return call(req, res, url.pathname.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return notAllowed(res, 'GET, HEAD');
    return serveFile(req, res, url.pathname);
  }

  function authorized(req: http.IncomingMessage): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer, token);
    const cookie = readCookie(req.headers.cookie, cookieName());
    return cookie !== undefined && sameSecret(cookie, token);
  }

  async function call(req: http.IncomingMessage, res: http.ServerResponse, method: string): Promise<void> {
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return answer(res, 415, { ok: false, error: { kind: 'invalid-input', message: 'The body must be JSON.' } });
    }
    let input: unknown;
    try {
      const body = await readBody(req);
      input = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
    } catch (error) {
      const tooLarge = error instanceof BodyTooLarge;
      return answer(res, tooLarge ? 413 : 400, {
        ok: false,
        error: {
          kind: 'invalid-input',
          message: tooLarge ? 'The request is too large.' : 'The body is not valid JSON.',
        },
      });
    }
    const result = await options.dispatcher.call(decodeURIComponentSafe(method), input);
    answer(res, result.ok ? 200 : statusFor(result.error), result);
  }

  function events(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.write('retry: 2000\n\n');
    streams.add(res);
    const unsubscribe = options.dispatcher.onEvent((event) => res.write(`data: ${JSON.stringify(event)}\n\n`));
    // Proxies and sleeping laptops drop idle connections; a comment line keeps it open and finds dead ones.
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
    });
  }

  async function serveFile(req: http.IncomingMessage, res: http.ServerResponse, pathname: string): Promise<void> {
    const file = resolveStaticFile(staticDir, pathname);
    const stat = file ? await fs.promises.stat(file).catch(() => null) : null;
    if (!file || !stat?.isFile()) {
      if (pathname === '/') return refuse(res, 503, 'The renderer is not built: run `npx vite build` first.');
      return refuse(res, 404, 'Not found.');
    }
    res.writeHead(200, {
      ...SECURITY_HEADERS,
      'Content-Type': contentTypeOf(file),
      'Content-Length': stat.size,
      // Vite names assets by their content hash; the page itself must always be asked for again.
      'Cache-Control': pathname.startsWith('/assets/') ? 'private, max-age=31536000, immutable' : 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    await new Promise<void>((resolve, reject) => {
      fs.createReadStream(file).on('error', reject).on('end', resolve).pipe(res);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;
  return {
    port,
    origin,
    url: `${origin}/?token=${token}`,
    token,
    close: async () => {
      for (const stream of streams) stream.end();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

class BodyTooLarge extends Error {}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Compares secrets in constant time, whatever their lengths. */
function sameSecret(offered: string, expected: string): boolean {
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return crypto.timingSafeEqual(digest(offered), digest(expected));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return '\0';
  }
}

function statusFor(error: ApiError): number {
  switch (error.kind) {
    case 'invalid-input':
      return 400;
    case 'not-found':
      return 404;
    case 'internal':
      return 500;
    default:
      // The call was understood; the failure (a wrong password, an unreachable server) is the answer.
      return 422;
  }
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': type, 'Cache-Control': 'no-store' });
  res.end(body);
}

function answer(res: http.ServerResponse, status: number, result: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(result));
}

function refuse(res: http.ServerResponse, status: number, message: string): void {
  send(res, status, 'text/plain; charset=utf-8', `${message}\n`);
}

function notAllowed(res: http.ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  refuse(res, 405, 'Method not allowed.');
}
