import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiResult, JournalEvent } from '../api.js';
import type { Dispatcher } from './dispatch.js';
import { type HttpHost, startHttpHost } from './http-host.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** node:http rather than fetch: fetch will not send a forged Host header, and that is one thing tested here. */
function request(
  host: HttpHost,
  target: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: host.port, path: target, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('HTTP host', () => {
  let host: HttpHost;
  let dir: string;
  const listeners = new Set<(event: JournalEvent) => void>();
  const calls: Array<[unknown, unknown]> = [];
  const dispatcher: Dispatcher = {
    async call(method, input): Promise<ApiResult> {
      calls.push([method, input]);
      if (method === 'fail') return { ok: false, error: { kind: 'not-found', message: 'gone' } };
      return { ok: true, value: { echo: input } };
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const bearer = () => ({ Authorization: `Bearer ${host.token}` });
  const json = { 'Content-Type': 'application/json' };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'interlog-host-'));
    fs.mkdirSync(path.join(dir, 'assets'));
    fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>Interlog</title>');
    fs.writeFileSync(path.join(dir, 'assets', 'app-1.js'), 'console.log(1)');
    fs.writeFileSync(path.join(dir, '.secret'), 'no');
    fs.writeFileSync(path.join(os.tmpdir(), 'interlog-outside.txt'), 'outside');
    host = await startHttpHost({ dispatcher, staticDir: dir });
  });
  afterAll(async () => {
    await host.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback and prints a URL that carries the token', () => {
    expect(host.origin).toBe(`http://127.0.0.1:${host.port}`);
    expect(host.url).toBe(`${host.origin}/?token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(40);
  });

  it('requires the token on every request', async () => {
    for (const [target, method] of [
      ['/', 'GET'],
      ['/assets/app-1.js', 'GET'],
      ['/api/events', 'GET'],
      ['/api/listAccounts', 'POST'],
    ] as const) {
      const reply = await request(host, target, { method, headers: json, body: method === 'POST' ? '{}' : undefined });
      expect(reply.status, target).toBe(401);
    }
    expect((await request(host, '/', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await request(host, '/', { headers: { Cookie: `interlog_${host.port}=wrong` } })).status).toBe(401);
    expect((await request(host, '/?token=wrong')).status).toBe(401);
    expect(calls).toHaveLength(0);
  });

  it('trades the URL token for an HttpOnly SameSite=Strict cookie and takes it out of the address', async () => {
    const login = await request(host, `/?token=${host.token}`);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = login.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(new RegExp(`^interlog_${host.port}=${host.token};`));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await request(host, '/', { headers: { Cookie: cookie.split(';')[0] as string } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Interlog</title>');
    expect(page.headers['cache-control']).toBe('no-cache');
  });

  it('refuses other Host names (DNS rebinding), other origins and cross-site fetches', async () => {
    const wrongHost = await request(host, '/', { headers: { ...bearer(), Host: `evil.example:${host.port}` } });
    expect(wrongHost.status).toBe(403);
    const wrongPort = await request(host, '/', { headers: { ...bearer(), Host: '127.0.0.1:1' } });
    expect(wrongPort.status).toBe(403);
    const origin = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), ...json, Origin: 'https://evil.example' },
      body: '{}',
    });
    expect(origin.status).toBe(403);
    const nullOrigin = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), ...json, Origin: 'null' },
      body: '{}',
    });
    expect(nullOrigin.status).toBe(403);
    const crossSite = await request(host, '/', { headers: { ...bearer(), 'Sec-Fetch-Site': 'cross-site' } });
    expect(crossSite.status).toBe(403);
    const sameSite = await request(host, '/', { headers: { ...bearer(), 'Sec-Fetch-Site': 'same-site' } });
    expect(sameSite.status).toBe(403);
    const ownOrigin = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), ...json, Origin: host.origin, 'Sec-Fetch-Site': 'same-origin' },
      body: '{"text":"x"}',
    });
    expect(ownOrigin.status).toBe(200);
  });

  it('calls the dispatcher with the JSON body and answers its result', async () => {
    calls.length = 0;
    const ok = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), ...json },
      body: '{"text":"счёт"}',
    });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: { echo: { text: 'счёт' } } });
    expect(ok.headers['cache-control']).toBe('no-store');
    const failed = await request(host, '/api/fail', { method: 'POST', headers: { ...bearer(), ...json }, body: '{}' });
    expect(failed.status).toBe(404);
    expect(JSON.parse(failed.body)).toEqual({ ok: false, error: { kind: 'not-found', message: 'gone' } });
    expect(calls).toEqual([
      ['search', { text: 'счёт' }],
      ['fail', {}],
    ]);
  });

  it('takes API calls only as JSON POSTs, so no form or simple request can make one', async () => {
    const form = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'text=x',
    });
    expect(form.status).toBe(415);
    const text = await request(host, '/api/search', {
      method: 'POST',
      headers: { ...bearer(), 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    const get = await request(host, '/api/search', { headers: bearer() });
    expect(get.status).toBe(405);
    const broken = await request(host, '/api/search', { method: 'POST', headers: { ...bearer(), ...json }, body: '{' });
    expect(broken.status).toBe(400);
  });

  it('answers no CORS preflight and sends no CORS header', async () => {
    const preflight = await request(host, '/api/search', {
      method: 'OPTIONS',
      headers: { Origin: host.origin, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(401);
    const authorized = await request(host, '/api/search', { method: 'OPTIONS', headers: bearer() });
    expect(authorized.status).toBe(405);
    for (const reply of [preflight, authorized]) {
      expect(Object.keys(reply.headers).filter((h) => h.startsWith('access-control'))).toEqual([]);
    }
  });

  it('sends the strict CSP and the other protective headers on every response', async () => {
    for (const reply of [
      await request(host, '/'),
      await request(host, '/', { headers: bearer() }),
      await request(host, '/assets/app-1.js', { headers: bearer() }),
    ]) {
      const csp = reply.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(reply.headers['x-content-type-options']).toBe('nosniff');
      expect(reply.headers['referrer-policy']).toBe('no-referrer');
    }
  });

  it('serves only files inside the renderer build, never dot-files', async () => {
    const asset = await request(host, '/assets/app-1.js', { headers: bearer() });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    for (const target of [
      '/.secret',
      '/../interlog-outside.txt',
      '/%2e%2e/interlog-outside.txt',
      '/assets/..%2f..%2finterlog-outside.txt',
      '/assets%5c..%5c.secret',
      '/%00',
      '/%E0%A4%A',
      '/missing.js',
    ]) {
      const reply = await request(host, target, { headers: bearer() });
      expect(reply.status, target).toBe(404);
      expect(reply.body).not.toContain('outside');
    }
  });

  it('streams events to every open event stream', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: host.port, path: '/api/events', headers: bearer() }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          data += chunk;
          if (data.includes('retry:') && !data.includes('data:')) {
            for (const l of listeners) l({ type: 'new-mail', account: 'Work', folder: 'INBOX', added: 2 });
          }
          if (data.includes('\n\ndata:') && data.endsWith('\n\n')) {
            req.destroy();
            resolve(data);
          }
        });
      });
      req.on('error', reject);
    });
    expect(received).toContain('data: {"type":"new-mail","account":"Work","folder":"INBOX","added":2}\n\n');
    // The stream's listener goes away with the connection.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(listeners.size).toBe(0);
  });
});
