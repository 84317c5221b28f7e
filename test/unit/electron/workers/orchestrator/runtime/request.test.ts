/** run_command request side (docs/protocol.md §4.4 rules 1–9) against a real local echo server. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunCommandOutcome } from '../../../../../../electron/workers/orchestrator/runtime/types.js';
import { type Echo, type Running, echoHandler, echoed, makeProxy, startHttp } from './helpers.js';

let server: Running;
beforeAll(async () => {
  server = await startHttp(echoHandler);
});
afterAll(async () => {
  await server.close();
});

/** The exact envelope of an echo-server answer to the request `seen`. */
function echoResult(seen: Echo): RunCommandOutcome {
  const body = { method: seen.method, url: seen.url, headers: seen.headers, body_base64: seen.body.toString('base64') };
  return {
    status: 'success',
    http_response: {
      status_code: 200,
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(JSON.stringify(body))), Connection: 'close' },
      ok: true,
      body,
      content_type: 'application/json',
    },
  };
}

const host = (): string[] => ['Host', `127.0.0.1:${server.port}`, 'Connection', 'close'];

describe('request body', () => {
  it('sends object data as JSON and adds Content-Type when none was given', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'post', api: '/api/x', port: server.port, data: { k: 'v', n: [1, 2] } });
    const body = Buffer.from('{"k":"v","n":[1,2]}');
    expect(r).toEqual(
      echoResult({ method: 'POST', url: '/api/x', headers: ['Content-Type', 'application/json', 'Content-Length', String(body.length), ...host()], body }),
    );
    if (!('http_response' in r)) throw new Error('no http_response');
    expect(Object.keys(r.http_response)).toEqual(['status_code', 'headers', 'ok', 'body', 'content_type']);
  });

  it.each([['application/json; charset=utf-8'], ['APPLICATION/JSON'], ['application/vnd.api+json']])(
    'treats Content-Type %s (any header-name case) as JSON and keeps the caller header',
    async (ct) => {
      const { proxy } = makeProxy();
      const r = await proxy.run({ device_id: 'plc1', method: 'PUT', api: 'a', port: server.port, headers: { 'content-TYPE': ct }, data: 'text' });
      const body = Buffer.from('"text"');
      expect(r).toEqual(echoResult({ method: 'PUT', url: '/a', headers: ['content-TYPE', ct, 'Content-Length', '6', ...host()], body }));
    },
  );

  it('URL-encodes object data as a form when Content-Type is not JSON', async () => {
    const { proxy } = makeProxy();
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const r = await proxy.run({ device_id: 'plc1', method: 'POST', api: 'f', port: server.port, headers, data: { a: 'x y', b: [1, true], c: null } });
    const body = Buffer.from('a=x+y&b=1&b=true');
    expect(r).toEqual(
      echoResult({ method: 'POST', url: '/f', headers: ['Content-Type', headers['Content-Type'], 'Content-Length', String(body.length), ...host()], body }),
    );
  });

  it('sends string data raw when Content-Type is not JSON', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'PATCH', api: 'raw', port: server.port, headers: { 'Content-Type': 'text/plain' }, data: 'a=b&c é' });
    const body = Buffer.from('a=b&c é', 'utf8');
    expect(r).toEqual(
      echoResult({ method: 'PATCH', url: '/raw', headers: ['Content-Type', 'text/plain', 'Content-Length', String(body.length), ...host()], body }),
    );
  });

  it.each([['DELETE'], ['OPTIONS'], ['GET']])('frames a %s body with Content-Length', async (method) => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method, api: 'x', port: server.port, data: [1] });
    const body = Buffer.from('[1]');
    expect(r).toEqual(echoResult({ method, url: '/x', headers: ['Content-Type', 'application/json', 'Content-Length', '3', ...host()], body }));
  });

  it.each([[null], [false], [0], [''], [{}], [[]]])('drops falsy data %j', async (data) => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'POST', api: 'x', port: server.port, data });
    expect(r).toEqual(echoResult({ method: 'POST', url: '/x', headers: [...host(), 'Content-Length', '0'], body: Buffer.alloc(0) }));
  });

  it('builds multipart from files and object data, replacing the caller Content-Type; binary bytes arrive exactly', async () => {
    const { proxy } = makeProxy();
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const r = await proxy.run({
      device_id: 'plc1',
      method: 'POST',
      api: '/api/upload-file',
      port: server.port,
      headers: { Authorization: 'Bearer x', 'content-type': 'application/json' },
      data: { k: 'v', n: [1, 2] },
      files: {
        file: { filename: 'prog.zip', content_base64: binary.toString('base64'), content_type: 'application/zip' },
        note: 'hello',
        skipped: { filename: 'empty.bin', content_base64: '' },
        unnamed: { content_base64: Buffer.from('xyz').toString('base64') },
      },
    });
    if (!('http_response' in r)) throw new Error('no http_response');
    const seen = echoed(r.http_response.body);
    const ct = seen.headers[seen.headers.findIndex((h) => h === 'Content-Type') + 1] ?? '';
    const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(ct)?.[1];
    expect(boundary).toBeDefined();
    const b = `--${boundary ?? ''}`;
    const field = (name: string, value: string): string => `${b}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const file = (name: string, filename: string, type: string, content: Buffer): Buffer =>
      Buffer.concat([
        Buffer.from(`${b}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
        content,
        Buffer.from('\r\n'),
      ]);
    const body = Buffer.concat([
      Buffer.from(field('k', 'v') + field('n', '1') + field('n', '2')),
      file('file', 'prog.zip', 'application/zip', binary),
      file('note', 'note', 'application/octet-stream', Buffer.from('hello')),
      file('unnamed', 'unnamed', 'application/octet-stream', Buffer.from('xyz')),
      Buffer.from(`${b}--\r\n`),
    ]);
    expect(r).toEqual(
      echoResult({
        method: 'POST',
        url: '/api/upload-file',
        headers: ['Authorization', 'Bearer x', 'Content-Type', ct, 'Content-Length', String(body.length), ...host()],
        body,
      }),
    );
  });

  it('leaves the multipart body out when every file entry is skipped', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'POST', api: 'x', port: server.port, files: { f: { content_base64: '' } }, data: { a: 1 } });
    expect(r).toEqual(
      echoResult({ method: 'POST', url: '/x', headers: ['Content-Type', 'application/json', 'Content-Length', '7', ...host()], body: Buffer.from('{"a":1}') }),
    );
  });
});

describe('URL, params and headers', () => {
  it('strips leading slashes, appends params (list repeats the key) and sends headers in their case', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({
      device_id: 'plc1',
      method: 'get',
      api: '///api/status?x=1',
      port: server.port,
      headers: { 'X-Mixed-Case': 'A', authorization: 'Bearer t' },
      params: { a: [1, 'two', null], b: true, c: 'x y&z', d: null },
    });
    expect(r).toEqual(
      echoResult({
        method: 'GET',
        url: '/api/status?x=1&a=1&a=two&b=true&c=x+y%26z',
        headers: ['X-Mixed-Case', 'A', 'authorization', 'Bearer t', ...host()],
        body: Buffer.alloc(0),
      }),
    );
  });

  it('does not send empty params or headers', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'GET', api: '', port: server.port, headers: {}, params: {} });
    expect(r).toEqual(echoResult({ method: 'GET', url: '/', headers: host(), body: Buffer.alloc(0) }));
  });

  it('answers an invalid header value with a synthetic 500 and sends nothing', async () => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: server.port, headers: { 'X-Bad': 'a\r\nInjected: 1' } });
    expect(r).toEqual({
      status: 'error',
      http_response: { status_code: 500, headers: {}, ok: false, body: { error: 'Invalid character in header content ["X-Bad"]' }, content_type: 'application/json' },
    });
  });
});

describe('request rules', () => {
  it('acks api "debug" as not supported, before any lookup', async () => {
    const { proxy, resolved } = makeProxy();
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'debug' })).toEqual({
      status: 'error',
      error: 'The debug bridge is not supported by this agent yet',
    });
    expect(resolved).toEqual([]);
  });

  it('acks an unknown device as not found', async () => {
    const { proxy } = makeProxy();
    expect(await proxy.run({ device_id: 'nope', method: 'GET', api: 'x', port: server.port })).toEqual({ status: 'error', error: 'Device not found: nope' });
  });

  it.each([['TRACE'], ['connect'], ['']])('answers unsupported method %j with a synthetic 400', async (method) => {
    const { proxy } = makeProxy();
    expect(await proxy.run({ device_id: 'plc1', method, api: 'x', port: server.port })).toEqual({
      status: 'error',
      http_response: {
        status_code: 400,
        headers: {},
        ok: false,
        body: { error: `Unsupported HTTP method: ${method.toUpperCase()}` },
        content_type: 'application/json',
      },
    });
  });

  it.each([['HEAD'], ['OPTIONS'], ['delete']])('accepts %s', async (method) => {
    const { proxy } = makeProxy();
    const r = await proxy.run({ device_id: 'plc1', method, api: 'x', port: server.port });
    expect(r.status).toBe('success');
  });

  it('refuses a request outside the allow-list with a synthetic 403, comparing whole path segments', async () => {
    const { proxy } = makeProxy({ options: { allowList: [{ method: 'GET', pathPrefix: '/api/' }, { pathPrefix: '/upload' }] } });
    const forbidden = (m: string, p: string): RunCommandOutcome => ({
      status: 'error',
      http_response: {
        status_code: 403,
        headers: {},
        ok: false,
        body: { error: `${m} ${p} is not allowed by this orchestrator's run_command allow-list` },
        content_type: 'application/json',
      },
    });
    expect(await proxy.run({ device_id: 'plc1', method: 'post', api: '/api/x', port: server.port })).toEqual(forbidden('POST', '/api/x'));
    expect((await proxy.run({ device_id: 'plc1', method: 'GET', api: 'api/x', port: server.port })).status).toBe('success');
    expect((await proxy.run({ device_id: 'plc1', method: 'PUT', api: '/upload/file', port: server.port })).status).toBe('success');
    // `/upload` is a whole segment: `/upload-file` lies outside it.
    expect(await proxy.run({ device_id: 'plc1', method: 'PUT', api: '/upload-file', port: server.port })).toEqual(forbidden('PUT', '/upload-file'));
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: '/api2/x', port: server.port })).toEqual(forbidden('GET', '/api2/x'));
  });

  it('answers an out-of-range port with a synthetic 500', async () => {
    const { proxy } = makeProxy();
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x', port: 70000 })).toEqual({
      status: 'error',
      http_response: { status_code: 500, headers: {}, ok: false, body: { error: 'Invalid port: 70000' }, content_type: 'application/json' },
    });
  });
});
