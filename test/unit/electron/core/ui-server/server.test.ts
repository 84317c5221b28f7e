import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { UiServer, type UiServerOptions } from '../../../../../electron/core/ui-server/server.js';
import { cspMeta } from '../../../../../renderer/vite.config.js';
import { RENDERER_CSP } from '../../../../../shared/security/csp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
const TOKEN = 'a'.repeat(64);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function start(o: Partial<UiServerOptions> = {}): Promise<UiServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-ui-'));
  mkdirSync(path.join(dir, 'assets'));
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ui</title>\n');
  writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1);\n');
  const registry = new ApiRegistry();
  registry.register('vplc:list', () => Promise.resolve([]));
  const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0, staticDir: dir, ...o });
  await server.listen();
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  cleanup.push(() => server.close());
  return server;
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };
const request = (port: number, o: { path?: string; method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: o.path ?? '/', method: o.method ?? 'GET', headers: { host: `127.0.0.1:${port}`, ...o.headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end(o.body);
  });

const rawStatus = (port: number, text: string): Promise<string> =>
  new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('data', (d: Buffer) => (got += d.toString('latin1')));
    s.on('close', () => resolve(got.split('\r\n')[0] ?? ''));
    s.on('error', () => undefined);
    s.write(text);
  });

async function authed(port: number): Promise<{ ws: WebSocket; next(): Promise<unknown> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
  const queue: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as unknown;
    const w = waiters.shift();
    if (w) w(m);
    else queue.push(m);
  });
  ws.on('close', (code) => waiters.splice(0).forEach((w) => w({ closed: code })));
  ws.on('error', () => undefined);
  await new Promise((r, j) => ws.once('open', r).once('error', j));
  const next = (): Promise<unknown> => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
  ws.send(JSON.stringify({ t: 'auth', token: TOKEN }));
  expect(await next()).toEqual({ t: 'authed' });
  cleanup.push(() => ws.terminate());
  return { ws, next };
}

describe('the renderer CSP has one source', () => {
  it('is written into index.html by the renderer build and sent as the UI server header, with frame-ancestors added', async () => {
    const plugin = cspMeta();
    const hook = plugin.transformIndexHtml as { handler: (html: string) => string };
    const html = hook.handler(readFileSync(path.join(root, 'renderer', 'index.html'), 'utf8'));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${RENDERER_CSP}" />`);
    expect(() => hook.handler('<html><head></head></html>')).toThrow(/CSP meta tag/);
    const server = await start();
    const a = await request(server.port);
    expect(a.headers['content-security-policy']).toBe(`${RENDERER_CSP}; frame-ancestors 'none'`);
    expect(a.headers['x-frame-options']).toBe('DENY');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
  });
});

describe('UI server HTTP', () => {
  it('serves GET and HEAD, refuses other methods, bodies, traversal and CONNECT with 4xx', async () => {
    const { port } = await start();
    expect(await request(port)).toMatchObject({ status: 200, body: '<!doctype html><title>ui</title>\n' });
    expect(await request(port, { method: 'HEAD', path: '/assets/app.js' })).toMatchObject({ status: 200, body: '' });
    expect((await request(port, { method: 'POST', body: '' })).status).toBe(405);
    expect((await request(port, { headers: { 'content-length': '5' }, body: 'hello' })).status).toBe(400);
    expect((await request(port, { path: '/assets/missing.js' })).status).toBe(404);
    expect((await request(port, { headers: { host: 'evil.example' } })).status).toBe(403);
    expect(await rawStatus(port, `GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawStatus(port, `GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)).toBe('HTTP/1.1 400 Bad Request');
    expect(await rawStatus(port, `CONNECT 127.0.0.1:${port} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`)).toBe('HTTP/1.1 405 Method Not Allowed');
    expect(await rawStatus(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Huge: ${'x'.repeat(20_000)}\r\n\r\n`)).toBe('HTTP/1.1 431 Request Header Fields Too Large');
    expect((await request(port)).status).toBe(200);
  });

  it('answers 503 with an explanation when the build has no renderer', async () => {
    const registry = new ApiRegistry();
    const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0 });
    await server.listen();
    cleanup.push(() => server.close());
    expect(await request(server.port)).toMatchObject({ status: 503, body: expect.stringContaining('no user interface') as unknown });
  });
});

describe('UI server WebSocket limits', () => {
  it('answers calls beyond the in-flight limit at once with UNAVAILABLE and the others when they finish', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const registry = new ApiRegistry();
    registry.register('vplc:list', async () => {
      await gate;
      return [];
    });
    const server = await start({ registry, wsLimits: { maxInFlight: 2 } });
    const c = await authed(server.port);
    for (const id of [1, 2, 3]) c.ws.send(JSON.stringify({ t: 'invoke', id, channel: 'vplc:list', input: {} }));
    expect(await c.next()).toMatchObject({ t: 'result', id: 3, envelope: { ok: false, error: { code: 'UNAVAILABLE' } } });
    release();
    expect([await c.next(), await c.next()]).toEqual([
      { t: 'result', id: 1, envelope: { ok: true, value: [] } },
      { t: 'result', id: 2, envelope: { ok: true, value: [] } },
    ]);
  });

  it('turns a rejecting registry into an INTERNAL result and a second auth into an error message', async () => {
    const registry = { call: () => Promise.reject(new Error('registry broke')) } as unknown as ApiRegistry;
    const server = await start({ registry });
    const c = await authed(server.port);
    c.ws.send(JSON.stringify({ t: 'invoke', id: 7, channel: 'vplc:list', input: {} }));
    expect(await c.next()).toEqual({ t: 'result', id: 7, envelope: { ok: false, error: { code: 'INTERNAL', message: 'registry broke' } } });
    c.ws.send(JSON.stringify({ t: 'auth', token: TOKEN }));
    expect(await c.next()).toEqual({ t: 'error', message: 'already authenticated' });
  });

  it('refuses upgrades beyond the client limit with 503', async () => {
    const server = await start({ wsLimits: { maxClients: 1 } });
    await authed(server.port);
    const second = new WebSocket(`ws://127.0.0.1:${server.port}/api`);
    const status = await new Promise<number>((resolve) => {
      second.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      second.on('error', () => undefined);
    });
    expect(status).toBe(503);
  });

  it('drops a client that does not read while its queue grows past the limit', async () => {
    const events = new EventHub();
    const server = await start({ events, wsLimits: { maxBufferedBytes: 1024 * 1024 } });
    const c = await authed(server.port);
    const socket = (c.ws as unknown as { _socket: net.Socket })._socket;
    socket.pause();
    const closed = new Promise<number>((r) => c.ws.once('close', (code) => r(code)));
    const line = { ts: 't', level: 'info' as const, scope: 's', msg: 'x'.repeat(100_000) };
    for (let i = 0; i < 300; i++) events.publish('logs:line', [line]);
    socket.resume();
    expect(await closed).toBe(1006);
  });
});
