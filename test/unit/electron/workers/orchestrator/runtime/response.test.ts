/** run_command response side, redirects and failure modes (docs/protocol.md §4.4) against real local servers. */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { RuntimeProxy } from '../../../../../../electron/workers/orchestrator/runtime/proxy.js';
import { InMemoryTlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { DEFAULT_PROXY_OPTIONS, type HttpResponseEnvelope } from '../../../../../../electron/workers/orchestrator/runtime/types.js';
import { type Running, closedPort, echoHandler, echoed, makeProxy, startHttp, startRaw } from './helpers.js';

const servers: Running[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
async function raw(response: Buffer | string): Promise<Running> {
  const s = await startRaw(response);
  servers.push(s);
  return s;
}
async function httpServer(handler: http.RequestListener, host?: string): Promise<Running> {
  const s = await startHttp(handler, host);
  servers.push(s);
  return s;
}

function head(status: string, headers: Array<[string, string]>, body: Buffer): Buffer {
  const lines = [`HTTP/1.1 ${status}`, ...headers.map(([k, v]) => `${k}: ${v}`), `Content-Length: ${body.length}`, 'Connection: close', '', ''];
  return Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]);
}

async function get(port: number, extra: { method?: string; data?: unknown } = {}): Promise<unknown> {
  const { proxy } = makeProxy();
  return proxy.run({ device_id: 'plc1', method: extra.method ?? 'GET', api: '/x', port, data: extra.data });
}

function synthetic(status: number, error: string): unknown {
  return { status: 'error', http_response: { status_code: status, headers: {}, ok: false, body: { error }, content_type: 'application/json' } };
}

describe('response decoding', () => {
  it('keeps header-name case and joins repeated headers; text body becomes text/plain', async () => {
    const s = await raw(
      head(
        '200 OK',
        [['X-Custom-Case', 'a'], ['x-custom-case', 'b'], ['Set-Cookie', 'a=1'], ['SET-COOKIE', 'b=2'], ['Content-Type', 'text/html; charset=utf-8']],
        Buffer.from('<p>hé</p>'),
      ),
    );
    expect(await get(s.port)).toEqual({
      status: 'success',
      http_response: {
        status_code: 200,
        headers: { 'X-Custom-Case': 'a, b', 'Set-Cookie': 'a=1, b=2', 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': '10', Connection: 'close' },
        ok: true,
        body: '<p>hé</p>',
        content_type: 'text/plain',
      },
    });
  });

  it('parses a JSON body whatever its declared type', async () => {
    const s = await raw(head('201 Created', [['Content-Type', 'text/html']], Buffer.from('{"result":"ok","n":[1,null]}')));
    expect(await get(s.port)).toEqual({
      status: 'success',
      http_response: {
        status_code: 201,
        headers: { 'Content-Type': 'text/html', 'Content-Length': '28', Connection: 'close' },
        ok: true,
        body: { result: 'ok', n: [1, null] },
        content_type: 'application/json',
      },
    });
  });

  const binaryCases: Array<[string, Array<[string, string]>, Buffer, string]> = [
    ['a non-textual media type', [['Content-Type', 'image/png']], Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]), 'image/png'],
    ['invalid UTF-8 declared as text', [['Content-Type', 'text/plain; charset=latin1']], Buffer.from([0x63, 0x61, 0x66, 0xe9]), 'text/plain'],
    ['valid UTF-8 declared octet-stream', [['Content-Type', 'Application/Octet-Stream']], Buffer.from('abc'), 'application/octet-stream'],
    ['invalid UTF-8 without a Content-Type', [], Buffer.from([0xc3, 0x28]), 'application/octet-stream'],
  ];
  it.each(binaryCases)('sends %s as base64', async (_name, headers, body, contentType) => {
    const s = await raw(head('200 OK', headers, body));
    const r = (await get(s.port)) as { http_response: HttpResponseEnvelope };
    expect(r).toEqual({
      status: 'success',
      http_response: {
        status_code: 200,
        headers: { ...Object.fromEntries(headers), 'Content-Length': String(body.length), Connection: 'close' },
        ok: true,
        body: body.toString('base64'),
        content_type: contentType,
        body_encoding: 'base64',
      },
    });
    expect(Object.keys(r.http_response)).toEqual(['status_code', 'headers', 'ok', 'body', 'content_type', 'body_encoding']);
  });

  it('acks an HTTP error status as error, carrying the status as it is', async () => {
    const s = await raw(head('404 Not Found', [['Content-Type', 'text/plain']], Buffer.from('no such thing')));
    expect(await get(s.port)).toEqual({
      status: 'error',
      http_response: {
        status_code: 404,
        headers: { 'Content-Type': 'text/plain', 'Content-Length': '13', Connection: 'close' },
        ok: false,
        body: 'no such thing',
        content_type: 'text/plain',
      },
    });
  });

  it('gives an empty body as empty text', async () => {
    const s = await raw('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n');
    expect(await get(s.port)).toEqual({
      status: 'success',
      http_response: { status_code: 204, headers: { Connection: 'close' }, ok: true, body: '', content_type: 'text/plain' },
    });
  });
});

describe('redirects', () => {
  async function redirector(location: (port: number, url: string) => string, status = 302): Promise<{ s: Running; hits: string[] }> {
    const hits: string[] = [];
    let port = 0;
    const s = await httpServer((req, res) => {
      hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
      if (req.url === '/target') {
        echoHandler(req, res);
        return;
      }
      req.resume();
      res.sendDate = false;
      res.writeHead(status, { Location: location(port, req.url ?? ''), 'Content-Length': '0' });
      res.end();
    });
    port = s.port;
    return { s, hits };
  }

  it('follows a relative redirect on the same address (302 turns POST into GET without body)', async () => {
    const { s, hits } = await redirector(() => '/target');
    const r = (await get(s.port, { method: 'POST', data: { a: 1 } })) as { status: string; http_response: HttpResponseEnvelope };
    expect(r.status).toBe('success');
    expect(r.http_response.status_code).toBe(200);
    expect(echoed(r.http_response.body)).toEqual({ method: 'GET', url: '/target', headers: ['Host', `127.0.0.1:${s.port}`, 'Connection', 'close'], body: Buffer.alloc(0) });
    expect(hits).toEqual(['POST /x', 'GET /target']);
  });

  it('follows an absolute 307 on the same address, keeping method and body', async () => {
    const { s, hits } = await redirector((port) => `http://127.0.0.1:${port}/target`, 307);
    const r = (await get(s.port, { method: 'PUT', data: { a: 1 } })) as { http_response: HttpResponseEnvelope };
    const seen = echoed(r.http_response.body);
    expect([seen.method, seen.url, seen.body.toString()]).toEqual(['PUT', '/target', '{"a":1}']);
    expect(hits).toEqual(['PUT /x', 'PUT /target']);
  });

  it.each([
    ['another address', (port: number) => `http://127.0.0.2:${port}/target`],
    ['https on a port other than 8443', (port: number) => `https://127.0.0.1:${port}/target`],
    ['another host name', () => 'http://example.invalid/target'],
  ])('returns the 3xx as it is when the redirect leaves the vPLC (%s)', async (_name, location) => {
    const { s, hits } = await redirector(location);
    expect(await get(s.port)).toEqual({
      status: 'success',
      http_response: {
        status_code: 302,
        headers: { Location: location(s.port), 'Content-Length': '0', Connection: 'close' },
        ok: true,
        body: '',
        content_type: 'text/plain',
      },
    });
    expect(hits).toEqual(['GET /x']);
  });

  it('stops after 5 followed redirects and returns the 6th 3xx', async () => {
    const { s, hits } = await redirector((_port, url) => `/r${url.length}`);
    const r = (await get(s.port)) as { http_response: HttpResponseEnvelope };
    expect(r.http_response.status_code).toBe(302);
    expect(hits).toEqual(['GET /x', 'GET /r2', 'GET /r3', 'GET /r3', 'GET /r3', 'GET /r3']);
  });
});

describe('failures', () => {
  it('times out with a synthetic 504 when the runtime never answers', async () => {
    const s = await httpServer(() => undefined);
    const { proxy } = makeProxy({ options: { timeoutMs: 300 } });
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: s.port })).toEqual(
      synthetic(504, 'Timeout: no response from plc1 within 0.3 s'),
    );
  });

  it('times out with a synthetic 504 when the target lookup hangs', async () => {
    const proxy = new RuntimeProxy({
      resolveTarget: () => new Promise(() => undefined),
      refreshTarget: () => Promise.resolve(null),
      pins: new InMemoryTlsPinStore(),
      options: { ...DEFAULT_PROXY_OPTIONS, timeoutMs: 200 },
    });
    expect(await proxy.run({ device_id: 'plc9', method: 'GET', api: 'x', port: 80 })).toEqual(synthetic(504, 'Timeout: no response from plc9 within 0.2 s'));
  });

  it('caps the body at maxBodyBytes using Content-Length when known', async () => {
    const s = await raw(head('200 OK', [['Content-Type', 'text/plain']], Buffer.alloc(2000, 0x61)));
    const { proxy } = makeProxy({ options: { maxBodyBytes: 1000 } });
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: s.port })).toEqual(synthetic(502, 'Response too large (2000 bytes)'));
  });

  it('caps a chunked body as soon as the received bytes exceed maxBodyBytes', async () => {
    const s = await httpServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write(Buffer.alloc(600, 0x61));
      res.write(Buffer.alloc(600, 0x62));
      // never ends: the proxy must stop reading on its own
    });
    const { proxy } = makeProxy({ options: { maxBodyBytes: 1000 } });
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: s.port })).toEqual(synthetic(502, 'Response too large (1200 bytes)'));
  });

  it('answers a refused connection with a synthetic 500 after one refresh of the address', async () => {
    const port = await closedPort();
    const { proxy, refreshed } = makeProxy();
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port })).toEqual(synthetic(500, `connect ECONNREFUSED 127.0.0.1:${port}`));
    expect(refreshed).toEqual(['plc1']);
  });

  it('retries once on the refreshed address when the cached one refuses', async () => {
    const s = await httpServer(echoHandler, '127.0.0.1');
    const { proxy, refreshed } = makeProxy({ ip: '127.0.0.2', refreshIp: '127.0.0.1' });
    const r = (await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: s.port })) as { status: string; http_response: HttpResponseEnvelope };
    expect(r.status).toBe('success');
    expect(echoed(r.http_response.body).headers).toEqual(['Host', `127.0.0.1:${s.port}`, 'Connection', 'close']);
    expect(refreshed).toEqual(['plc1']);
  });

  it('answers a connection closed mid-response with a synthetic 500', async () => {
    const s = await raw('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort');
    expect(await get(s.port)).toEqual(synthetic(500, 'The runtime closed the connection before the response was complete'));
  });
});
