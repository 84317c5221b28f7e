/** run_command hardening: path rules and segment-wise allow-list (pure and through the proxy), caps, stopped vPLCs. */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { admitRunCommand, ConcurrencyGate, notRunningText } from '../../../../../../electron/workers/orchestrator/runtime/admission.js';
import { allowListAllows, underPrefix, unsafePathReason } from '../../../../../../electron/workers/orchestrator/runtime/allow-list.js';
import type { RunCommandOutcome, RunCommandRequest } from '../../../../../../electron/workers/orchestrator/runtime/types.js';
import { makeProxy, startHttp, type Running } from './helpers.js';

const seen: string[] = [];
let server: Running;
beforeAll(async () => {
  server = await startHttp((req: http.IncomingMessage, res: http.ServerResponse) => {
    seen.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"ok":true}');
  });
});
afterAll(async () => {
  await server.close();
});

describe('run_command path rules', () => {
  it.each([
    ['/api/..', "the path must not contain '.' or '..' segments"],
    ['/api/./x', "the path must not contain '.' or '..' segments"],
    ['api/%2e%2e/secret', "the path must not contain '.' or '..' segments"],
    ['/api/%2E/x', "the path must not contain '.' or '..' segments"],
    ['/api%2fsecret', "the path must not contain an encoded '/' or '\\'"],
    ['/api%2F..%2Fsecret', "the path must not contain an encoded '/' or '\\'"],
    ['/api%5csecret', "the path must not contain an encoded '/' or '\\'"],
    ['/api\\..\\secret', "the path must not contain '\\'"],
    ['/api/%zz', 'the path has a malformed percent-encoding'],
  ])('refuses %s', (api, reason) => {
    expect(unsafePathReason(api)).toBe(reason);
  });

  it.each([['/api/x'], ['api/x'], ['/api/x?next=%2F..%2F'], ['/a.b/..c/x..'], ['/']])('accepts %s', (api) => {
    expect(unsafePathReason(api)).toBeNull();
  });

  it('compares whole segments; a trailing slash in the prefix changes nothing; "/" allows everything', () => {
    expect(underPrefix('/api', '/api/')).toBe(true);
    expect(underPrefix('/api/x', '/api')).toBe(true);
    expect(underPrefix('/api2', '/api')).toBe(false);
    expect(underPrefix('/api-admin/x', '/api/')).toBe(false);
    expect(underPrefix('/anything', '/')).toBe(true);
  });

  it('matches method and port when the entry names them', () => {
    const list = [{ method: 'GET', pathPrefix: '/api' }, { pathPrefix: '/metrics', ports: [9100] }];
    expect(allowListAllows(list, 'GET', '/api/x', 8443)).toBe(true);
    expect(allowListAllows(list, 'POST', '/api/x', 8443)).toBe(false);
    expect(allowListAllows(list, 'GET', '/metrics', 9100)).toBe(true);
    expect(allowListAllows(list, 'GET', '/metrics', 8443)).toBe(false);
    expect(allowListAllows(undefined, 'DELETE', '/x', 1)).toBe(true);
  });

  it('never sends a bypass attempt to the runtime (real HTTP server behind the proxy)', async () => {
    const { proxy } = makeProxy({ options: { allowList: [{ pathPrefix: '/api', ports: [server.port] }] } });
    seen.length = 0;
    for (const api of ['/api/..%2fsecret', '/api/%2e%2e/secret', '/api\\..\\secret', '/api/../secret', '/api2/x', '/apix']) {
      const r = await proxy.run({ device_id: 'plc1', method: 'GET', api, port: server.port });
      expect(r.status, api).toBe('error');
      expect('http_response' in r && [400, 403].includes(r.http_response.status_code), api).toBe(true);
    }
    expect(seen).toEqual([]);
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: '/api/ok', port: server.port })).toMatchObject({ status: 'success' });
    expect(seen).toEqual(['/api/ok']);
  });

  it('refuses a port the allow-list does not name', async () => {
    const { proxy } = makeProxy({ options: { allowList: [{ pathPrefix: '/api', ports: [8443] }] } });
    const r = await proxy.run({ device_id: 'plc1', method: 'GET', api: '/api/x', port: server.port });
    expect(r).toMatchObject({ status: 'error', http_response: { status_code: 403 } });
  });
});

describe('run_command admission', () => {
  const req = (device_id: string): RunCommandRequest => ({ device_id, method: 'GET', api: '/api/x' });

  it('answers a stopped or unknown vPLC at once, without running the call', async () => {
    const ran: string[] = [];
    const run = (r: RunCommandRequest): Promise<RunCommandOutcome> => (ran.push(r.device_id), Promise.resolve({ status: 'error', error: 'ran' }));
    const gate = new ConcurrencyGate({ perDevice: 1, total: 1 });
    const states: Record<string, string | null> = { off: 'exited', fresh: 'created', paused: 'paused', gone: null };
    const lookup = (id: string): Promise<string | null> => Promise.resolve(states[id] ?? null);
    expect(await admitRunCommand(req('off'), { gate, lookup, run })).toEqual({
      status: 'error',
      http_response: { status_code: 503, headers: {}, ok: false, body: { error: 'Device off is stopped' }, content_type: 'application/json' },
    });
    expect(await admitRunCommand(req('fresh'), { gate, lookup, run })).toMatchObject({ http_response: { body: { error: 'Device fresh is stopped' } } });
    expect(await admitRunCommand(req('paused'), { gate, lookup, run })).toMatchObject({ http_response: { body: { error: 'Device paused is not running (paused)' } } });
    expect(await admitRunCommand(req('gone'), { gate, lookup, run })).toEqual({ status: 'error', error: 'Device not found: gone' });
    expect(ran).toEqual([]);
    expect(notRunningText('x1', 'dead')).toBe('Device x1 is stopped');
  });

  it('falls through to the proxy when Docker does not answer the lookup', async () => {
    const gate = new ConcurrencyGate({ perDevice: 1, total: 1 });
    const r = await admitRunCommand(req('plc1'), { gate, lookup: () => Promise.reject(new Error('down')), run: () => Promise.resolve({ status: 'error', error: 'proxied' }) });
    expect(r).toEqual({ status: 'error', error: 'proxied' });
  });

  it('answers calls beyond the per-vPLC and total caps with a 429 envelope and admits again once one finishes', async () => {
    const gate = new ConcurrencyGate({ perDevice: 2, total: 3 });
    const pending: Array<() => void> = [];
    const run = (): Promise<RunCommandOutcome> =>
      new Promise((resolve) => pending.push(() => resolve({ status: 'error', error: 'done' })));
    const d = { gate, lookup: () => Promise.resolve('running'), run };
    const a1 = admitRunCommand(req('aa'), d);
    const a2 = admitRunCommand(req('aa'), d);
    await expect.poll(() => gate.inFlight('aa')).toBe(2);
    const perDevice = await admitRunCommand(req('aa'), d);
    expect(perDevice).toEqual({
      status: 'error',
      http_response: {
        status_code: 429,
        headers: {},
        ok: false,
        body: { error: 'Too many run_command calls in progress for aa (limit 2); try again later' },
        content_type: 'application/json',
      },
    });
    const b1 = admitRunCommand(req('bb'), d);
    await expect.poll(() => gate.inFlight()).toBe(3);
    expect(await admitRunCommand(req('cc'), d)).toMatchObject({
      http_response: { status_code: 429, body: { error: 'Too many run_command calls in progress on this orchestrator (limit 3); try again later' } },
    });
    pending.shift()?.();
    await a1;
    expect(gate.inFlight('aa')).toBe(1);
    const c1 = admitRunCommand(req('cc'), d);
    await expect.poll(() => gate.inFlight('cc')).toBe(1);
    for (const p of pending.splice(0)) p();
    await Promise.all([a2, b1, c1]);
    expect(gate.inFlight()).toBe(0);
  });

  it('api:"debug" goes through the same checks, answered as a debug_error (a debug_stop passes a stopped vPLC)', async () => {
    const ran: unknown[] = [];
    const pending: Array<() => void> = [];
    const run = (r: RunCommandRequest): Promise<RunCommandOutcome> =>
      new Promise((resolve) => {
        ran.push(r.data);
        pending.push(() => resolve({ status: 'success', debug_response: { type: 'debug_disconnected' } }));
      });
    const gate = new ConcurrencyGate({ perDevice: 1, total: 5 });
    const states: Record<string, string | null> = { off: 'exited', on: 'running', gone: null };
    const d = { gate, lookup: (id: string) => Promise.resolve(states[id] ?? null), run };
    const debug = (device_id: string, data: unknown): RunCommandRequest => ({ device_id, method: 'POST', api: 'debug', data });
    const err = (error: string) => ({ status: 'success', debug_response: { type: 'debug_error', error } });
    expect(await admitRunCommand(debug('off', { type: 'debug_info' }), d)).toEqual(err('Device off is stopped'));
    expect(await admitRunCommand(debug('gone', '{"type":"debug_start"}'), d)).toEqual(err('Device gone not found'));
    expect(ran).toEqual([]);
    const stop = admitRunCommand(debug('off', { type: 'debug_stop' }), d);
    await expect.poll(() => gate.inFlight('off')).toBe(1);
    const first = admitRunCommand(debug('on', { type: 'debug_get_list', indexes: [0] }), d);
    await expect.poll(() => gate.inFlight('on')).toBe(1);
    expect(await admitRunCommand(debug('on', { type: 'debug_info' }), d)).toEqual(err('Too many run_command calls in progress for on (limit 1); try again later'));
    for (const p of pending.splice(0)) p();
    await Promise.all([stop, first]);
    expect(gate.inFlight()).toBe(0);
    expect(ran).toHaveLength(2);
  });
});
