/**
 * The debug bridge end to end inside the agent: cloud debug messages → sessions → the pinned runtime client → a real
 * Socket.IO runtime stand-in replaying the v4.1.4 recordings; and run_command api:"debug" through the proxy.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { NO_SESSION, RuntimeDebugBridge } from '../../../../../../electron/workers/orchestrator/debug/bridge.js';
import { GuardedDebugBridge } from '../../../../../../electron/workers/orchestrator/debug/guarded.js';
import { DebugSessionRegistry } from '../../../../../../electron/workers/orchestrator/debug/sessions.js';
import type { VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { ForcedMarks, LiveVars } from '../../../../../../electron/workers/orchestrator/debug/live-vars.js';
import { DebugMapStore } from '../../../../../../electron/workers/orchestrator/debug/map-store.js';
import type { RuntimeCredentials } from '../../../../../../electron/workers/orchestrator/debug/types.js';
import { DEBUG_NOT_ALLOWED, RuntimeProxy } from '../../../../../../electron/workers/orchestrator/runtime/proxy.js';
import { InMemoryTlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { DEFAULT_PROXY_OPTIONS } from '../../../../../../electron/workers/orchestrator/runtime/types.js';
import { DebugMap } from '../../../../../../shared/debug/debug-map.js';
import type { DebugPath } from '../../../../../../shared/debug/types.js';
import { FakeDebugRuntime, fixture } from '../../../../../support/debug-runtime.js';
import { testCerts } from '../runtime/helpers.js';

const cert = testCerts(1);
const MAP = DebugMap.parse(fixture('debug-map.json'));
const STORED = { username: 'user', password: 'secret' };

type Setup = {
  bridge: RuntimeDebugBridge;
  runtime: FakeDebugRuntime;
  clock: { t: number };
  stored: Map<string, RuntimeCredentials>;
  sessions: DebugSessionRegistry;
  forced: ForcedMarks;
  events: VplcEvent[];
  logs: string[];
};
const open: Setup[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.bridge.closeAll();
    await s.runtime.close();
  }
});

async function setup(opts: { map?: boolean; stored?: boolean } = {}): Promise<Setup> {
  const c = cert(0);
  const runtime = await new FakeDebugRuntime({ host: `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`, port: 8443, tls: { key: c.key, cert: c.cert } }).start();
  const stored = new Map<string, RuntimeCredentials>(opts.stored === false ? [] : [['plc1', STORED]]);
  const clock = { t: 1_000_000 };
  const sessions = new DebugSessionRegistry({
    target: (v) => Promise.resolve(v === 'plc1' || v === 'plc2' ? { internalIp: runtime.address.host } : null),
    pins: new InMemoryTlsPinStore(),
    storedCredentials: (v) => stored.get(v) ?? null,
    timings: { connectMs: 3_000, commandMs: 500 },
  });
  const forced = new ForcedMarks();
  const events: VplcEvent[] = [];
  const logs: string[] = [];
  const bridge = new RuntimeDebugBridge({
    sessions,
    hasDevice: (d) => Promise.resolve(d === 'plc1' || d === 'plc2'),
    debugMap: () => Promise.resolve(opts.map === true ? MAP : null),
    now: () => clock.t,
    timings: { idleMs: 300_000, sweepMs: 60_000 },
    forced,
    emit: (e) => events.push(e),
    log: (msg, data) => logs.push(`${msg} ${JSON.stringify(data)}`),
  });
  const s = { bridge, runtime, clock, stored, sessions, forced, events, logs };
  open.push(s);
  return s;
}

const send = (b: RuntimeDebugBridge, message: unknown, session = 'webrtc:s1', path: DebugPath = 'webrtc', device_id = 'plc1') => b.handle({ session, device_id, path, message });

describe('debug bridge (docs/debug.md "Cloud debug messages")', () => {
  it('debug_start with the stored credentials, info, get_list (values change), set force and release, md5, stop', async () => {
    const { bridge, runtime } = await setup();
    expect(await send(bridge, { type: 'debug_start', device_id: 'plc1' })).toEqual({ type: 'debug_connected' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_info_response', variable_count: 6 });
    const a = await send(bridge, { type: 'debug_get_list', indexes: [0, 1, 2, 3, 4, 5] });
    const b = await send(bridge, { type: 'debug_get_list', indexes: [0, 1, 2, 3, 4, 5] });
    expect(a).toEqual({ type: 'debug_values_response', tick: 4919, data: '37 13 00 01 00 65 CD 1D 00 00 00 00 00 00 A3 E1 11 00 00 00 00' });
    expect(b.type === 'debug_values_response' && b.tick).toBe(5020);
    expect(b).not.toEqual(a);
    expect(await send(bridge, { type: 'debug_set', index: 1, force: true, value: '01' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await send(bridge, { type: 'debug_set', index: 1, force: false, value: '00' })).toEqual({ type: 'debug_set_response', success: true });
    expect(runtime.received).toContain('42 00 00 01 01 00 01 01');
    expect(runtime.received).toContain('42 00 00 01 00 00 01 00');
    expect(await send(bridge, { type: 'debug_get_md5' })).toEqual({ type: 'debug_md5_response', md5: MAP.md5 });
    expect(await send(bridge, { type: 'debug_stop' })).toEqual({ type: 'debug_disconnected' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_error', error: NO_SESSION });
  });

  it('credentials: the given ones win; none given and none stored fails without trying a default user', async () => {
    const { bridge, runtime } = await setup({ stored: false });
    expect(await send(bridge, { type: 'debug_start' })).toEqual({
      type: 'debug_error',
      error: 'Authentication failed: no runtime credentials are stored for plc1; give username and password in debug_start or save them in the app',
    });
    expect(runtime.logins).toBe(0);
    expect(await send(bridge, { type: 'debug_start', username: 'user', password: 'wrong' })).toEqual({ type: 'debug_error', error: 'Authentication failed: HTTP 401' });
    expect(await send(bridge, { type: 'debug_start', username: 'user', password: 'secret' })).toEqual({ type: 'debug_connected' });
  });

  it('every error text of a session', async () => {
    const { bridge, runtime } = await setup();
    expect(await send(bridge, { type: 'debug_get_md5' })).toEqual({ type: 'debug_error', error: NO_SESSION });
    expect(await send(bridge, { type: 'debug_start' }, 'webrtc:x', 'webrtc', 'ghost')).toEqual({ type: 'debug_error', error: 'Device ghost not found' });
    expect(await send(bridge, { type: 'debug_start', device_id: 'plc2' })).toEqual({ type: 'debug_error', error: 'Device plc2 not found' });
    expect(await send(bridge, { type: 'debug_start' })).toEqual({ type: 'debug_connected' });
    expect(await send(bridge, { type: 'debug_get_list', indexes: [] })).toEqual({ type: 'debug_error', error: 'indexes must not be empty' });
    expect(await send(bridge, { type: 'debug_get_list', indexes: [70000] })).toEqual({ type: 'debug_error', error: 'Invalid index: must be an integer 0–65535, got 70000' });
    expect(await send(bridge, { type: 'debug_get_list', indexes: [6] })).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_BOUNDS' });
    expect(await send(bridge, { type: 'debug_get_list', indexes: Array.from({ length: 1025 }, () => 0) })).toEqual({ type: 'debug_error', error: 'Too many indexes: 1025 (at most 1024)' });
    expect(await send(bridge, { type: 'debug_set', index: 0, value: 'zz' })).toEqual({ type: 'debug_error', error: 'Invalid value hex string: malformed hex: unexpected character "z" at position 0' });
    expect(await send(bridge, { type: 'debug_set', index: 0, value: '05' })).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_MEMORY' });
    expect(await send(bridge, { type: 'debug_set', index: 99 })).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_BOUNDS' });
    expect(await send(bridge, { type: 'debug_nope' })).toEqual({ type: 'debug_error', error: 'Unknown message type: debug_nope' });
    expect(await send(bridge, { type: 'debug_nope' }, 'http:plc1', 'http')).toEqual({ type: 'debug_error', error: 'Unknown debug message type: debug_nope' });
    expect((await send(bridge, '{not json')).type).toBe('debug_error');
    runtime.overrides.set('41', { success: true, data: '41 83' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_error', error: 'ERROR_NO_PROGRAM' });
    runtime.overrides.set('41', { success: true, data: 'ERROR_PROCESSING' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_error', error: 'ERROR_PROCESSING' });
    runtime.overrides.set('41', { success: true, data: '99 7e' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_error', error: 'unknown function code 0x99' });
    runtime.mode = 'silent';
    expect(await send(bridge, { type: 'debug_get_md5' })).toEqual({ type: 'debug_error', error: 'Timeout: no debug_response from the runtime within 0.5 s' });
  });

  it('explicit {array, element} addresses; with the debug map, a reply that skipped an entry is refused', async () => {
    const plain = await setup();
    await send(plain.bridge, { type: 'debug_start' });
    // Without a map the runtime's data is passed through: 0:9999 was skipped silently (3 bytes for COUNTER and LAMP).
    expect(await send(plain.bridge, { type: 'debug_get_list', indexes: [0, { array: 0, element: 9999 }, 1] })).toEqual({ type: 'debug_values_response', tick: 5086, data: 'DD 13 00' });

    const mapped = await setup({ map: true });
    await send(mapped.bridge, { type: 'debug_start' });
    expect((await send(mapped.bridge, { type: 'debug_get_md5' })).type).toBe('debug_md5_response');
    expect(await send(mapped.bridge, { type: 'debug_get_list', indexes: [0, { array: 0, element: 9999 }, 1] })).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_BOUNDS' });
    expect((await send(mapped.bridge, { type: 'debug_get_list', indexes: [0, 1, 2, 3, 4, 5] })).type).toBe('debug_values_response');
    // A reply shorter than the map's sizes (an entry skipped by the runtime) is refused, not passed on misaligned.
    mapped.runtime.overrides.set('440002000000000001', { success: true, data: '44 7e 00 01 00 00 00 2a 00 02 01 00' });
    expect(await send(mapped.bridge, { type: 'debug_get_list', indexes: [0, 1] })).toEqual({ type: 'debug_error', error: 'ERROR_OUT_OF_BOUNDS' });
  });

  it('an older runtime (INFO [41][count u16]) gets u16 indexes', async () => {
    const { bridge, runtime } = await setup();
    runtime.overrides.set('41', { success: true, data: '41 00 06' });
    runtime.overrides.set('44000200000001', { success: true, data: '44 7e 00 01 00 00 00 2a 00 03 01 00 01' });
    await send(bridge, { type: 'debug_start' });
    expect(await send(bridge, { type: 'debug_info' })).toEqual({ type: 'debug_info_response', variable_count: 6 });
    expect(await send(bridge, { type: 'debug_get_list', indexes: [0, 1] })).toEqual({ type: 'debug_values_response', tick: 42, data: '01 00 01' });
    expect(runtime.received).toContain('44 00 02 00 00 00 01');
    expect(await send(bridge, { type: 'debug_get_list', indexes: Array.from({ length: 257 }, () => 0) })).toEqual({ type: 'debug_error', error: 'Too many indexes: 257 (at most 256)' });
  });

  it('run_command sessions close after the idle time; WebRTC sessions are not swept', async () => {
    const { bridge, clock } = await setup();
    await send(bridge, { type: 'debug_start' }, 'http:plc1', 'http');
    await send(bridge, { type: 'debug_start' }, 'webrtc:w', 'webrtc');
    clock.t += 299_000;
    expect(await bridge.sweep()).toEqual([]);
    expect((await send(bridge, { type: 'debug_info' }, 'http:plc1', 'http')).type).toBe('debug_info_response');
    clock.t += 299_000;
    expect(await bridge.sweep()).toEqual([]);
    clock.t += 1_000;
    expect(await bridge.sweep()).toEqual(['http:plc1']);
    expect(await send(bridge, { type: 'debug_info' }, 'http:plc1', 'http')).toEqual({ type: 'debug_error', error: NO_SESSION });
    expect((await send(bridge, { type: 'debug_info' }, 'webrtc:w')).type).toBe('debug_info_response');
  });

  it('all sessions of a vPLC close with it; a replaced debug_start logs in again', async () => {
    const { bridge, runtime } = await setup();
    await send(bridge, { type: 'debug_start' }, 'webrtc:a');
    await send(bridge, { type: 'debug_start' }, 'local:plc1', 'local');
    await send(bridge, { type: 'debug_start' }, 'webrtc:a');
    expect(runtime.logins).toBe(3);
    await bridge.closeVplc('plc1');
    expect(await send(bridge, { type: 'debug_info' }, 'webrtc:a')).toEqual({ type: 'debug_error', error: NO_SESSION });
    expect(await send(bridge, { type: 'debug_info' }, 'local:plc1', 'local')).toEqual({ type: 'debug_error', error: NO_SESSION });
  });

  it('a cloud force or release of a variable of the map shows in the live variables (one forced registry)', async () => {
    const { bridge, sessions, forced } = await setup({ map: true });
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bridge-forced-'));
    const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
    const maps = new DebugMapStore(dir, { log: quiet, report: () => undefined });
    await maps.put('plc1', MAP, 'upload', 'blink.zip');
    const live = new LiveVars({ sessions: () => sessions, maps, exists: (n) => n === 'plc1', hasCredentials: () => true, now: () => 0, log: quiet, forced });
    try {
      const lamp = async () => (await live.read('plc1')).variables[1];
      expect(await lamp()).toMatchObject({ forced: false });
      expect(await send(bridge, { type: 'debug_start' })).toEqual({ type: 'debug_connected' });
      expect(await send(bridge, { type: 'debug_set', index: 1, force: true, value: '01' })).toEqual({ type: 'debug_set_response', success: true });
      expect(await lamp()).toMatchObject({ path: 'INSTANCE0.LAMP', forced: true });
      expect(await send(bridge, { type: 'debug_set', index: 1, force: false, value: '00' })).toEqual({ type: 'debug_set_response', success: true });
      expect(await lamp()).toMatchObject({ forced: false });
      // An address the map does not have marks nothing.
      await send(bridge, { type: 'debug_set', index: 9, force: true, value: '01' });
      expect((await live.read('plc1')).variables.filter((v) => v.forced)).toEqual([]);
    } finally {
      await live.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a cloud force or release is a plc-force event (map path or address, value hex, route) and an agent log line', async () => {
    const { bridge, events, logs } = await setup({ map: true });
    expect(await send(bridge, { type: 'debug_start' })).toEqual({ type: 'debug_connected' });
    expect(await send(bridge, { type: 'debug_set', index: 1, force: true, value: '01' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await send(bridge, { type: 'debug_set', index: 1, force: false, value: '00' })).toEqual({ type: 'debug_set_response', success: true });
    expect(await send(bridge, { type: 'debug_start' }, 'http:plc1', 'http')).toEqual({ type: 'debug_connected' });
    expect(await send(bridge, { type: 'debug_set', index: { array: 0, element: 1 }, force: true, value: '01' }, 'http:plc1', 'http')).toEqual({ type: 'debug_set_response', success: true });
    // A refused set is no force.
    await send(bridge, { type: 'debug_set', index: 99, force: true, value: '01' });
    expect(events).toEqual([
      { kind: 'changed', name: 'plc1', reason: 'plc-force', detail: 'INSTANCE0.LAMP forced to 01 over WebRTC session s1' },
      { kind: 'changed', name: 'plc1', reason: 'plc-force', detail: 'INSTANCE0.LAMP released over WebRTC session s1' },
      { kind: 'changed', name: 'plc1', reason: 'plc-force', detail: 'INSTANCE0.LAMP forced to 01 over run_command' },
    ]);
    expect(logs.filter((l) => l.includes('by the cloud'))).toEqual([
      'variable forced by the cloud {"vplc":"plc1","session":"webrtc:s1","via":"webrtc","address":"0:1","path":"INSTANCE0.LAMP","value":"01"}',
      'variable released by the cloud {"vplc":"plc1","session":"webrtc:s1","via":"webrtc","address":"0:1","path":"INSTANCE0.LAMP"}',
      'variable forced by the cloud {"vplc":"plc1","session":"http:plc1","via":"run_command","address":"0:1","path":"INSTANCE0.LAMP","value":"01"}',
    ]);
    expect(logs.join('\n')).not.toContain(STORED.password);
    // Without a map, the address names the variable.
    const bare = await setup();
    expect(await send(bare.bridge, { type: 'debug_start' }, 'webrtc:s2')).toEqual({ type: 'debug_connected' });
    expect(await send(bare.bridge, { type: 'debug_set', index: 1, force: true, value: '01' }, 'webrtc:s2')).toEqual({ type: 'debug_set_response', success: true });
    expect(bare.events).toEqual([{ kind: 'changed', name: 'plc1', reason: 'plc-force', detail: 'variable 0:1 forced to 01 over WebRTC session s2' }]);
  });

  it('the guard refuses every debug message of the WebRTC debug channel too when the allow-list lacks /api/debug', async () => {
    const { bridge, runtime } = await setup();
    const refused = { type: 'debug_error', error: DEBUG_NOT_ALLOWED };
    const statusOnly = new GuardedDebugBridge(bridge, () => [{ method: 'GET', pathPrefix: '/api/status' }]);
    expect(await statusOnly.handle({ session: 'webrtc:g1', device_id: 'plc1', path: 'webrtc', message: { type: 'debug_start' } })).toEqual(refused);
    expect(await statusOnly.handle({ session: 'webrtc:g1', device_id: 'plc1', path: 'webrtc', message: '{"type":"debug_set","index":1,"value":"01"}' })).toEqual(refused);
    expect(runtime.logins).toBe(0);
    expect(runtime.openSockets).toBe(0);
    const withDebug = new GuardedDebugBridge(bridge, () => [{ pathPrefix: '/api/debug' }]);
    expect(await withDebug.handle({ session: 'webrtc:g1', device_id: 'plc1', path: 'webrtc', message: { type: 'debug_start' } })).toEqual({ type: 'debug_connected' });
    expect(runtime.logins).toBe(1);
    expect(await new GuardedDebugBridge(bridge, () => undefined).handle({ session: 'webrtc:g1', device_id: 'plc1', path: 'webrtc', message: { type: 'debug_info' } })).toEqual({ type: 'debug_info_response', variable_count: 6 });
  });

  it('20 concurrent sessions each get their own answers', async () => {
    const { bridge, runtime } = await setup();
    const keys = Array.from({ length: 20 }, (_, i) => `webrtc:c${i}`);
    expect(await Promise.all(keys.map((k) => send(bridge, { type: 'debug_start' }, k)))).toEqual(keys.map(() => ({ type: 'debug_connected' })));
    const infos = await Promise.all(keys.map((k) => send(bridge, { type: 'debug_info' }, k)));
    expect(infos).toEqual(keys.map(() => ({ type: 'debug_info_response', variable_count: 6 })));
    expect(runtime.connects).toBe(20);
  });

  it('never rejects, whatever the message', async () => {
    const { bridge } = await setup();
    for (const m of [undefined, null, 42, [], { type: 1 }, { type: 'debug_set', index: {} }, 'null', '"x"']) {
      const r = await send(bridge, m);
      expect(r.type).toBe('debug_error');
    }
  });
});

describe('run_command api:"debug" (docs/protocol.md §4.11)', () => {
  it('answers success with the debug_response, a debug_error included; an internal failure is status error', async () => {
    const { bridge } = await setup();
    let broken = false;
    const proxy = new RuntimeProxy({
      resolveTarget: () => Promise.resolve(null),
      refreshTarget: () => Promise.resolve(null),
      pins: new InMemoryTlsPinStore(),
      options: { ...DEFAULT_PROXY_OPTIONS },
      debug: (id, message) => (broken ? Promise.reject(new Error('worker gone')) : bridge.handle({ session: `http:${id}`, device_id: id, path: 'http', message })),
    });
    const run = (data: unknown, device_id = 'plc1') => proxy.run({ device_id, method: 'POST', api: 'debug', data });
    expect(await run({ type: 'debug_start' })).toEqual({ status: 'success', debug_response: { type: 'debug_connected' } });
    expect(await run('{"type":"debug_info"}')).toEqual({ status: 'success', debug_response: { type: 'debug_info_response', variable_count: 6 } });
    expect(await run({ type: 'debug_get_list', indexes: [0] })).toMatchObject({ status: 'success', debug_response: { type: 'debug_values_response' } });
    expect(await run({ type: 'bogus' })).toEqual({ status: 'success', debug_response: { type: 'debug_error', error: 'Unknown debug message type: bogus' } });
    expect(await run('{bad')).toMatchObject({ status: 'success', debug_response: { type: 'debug_error', error: expect.stringMatching(/^Invalid JSON: /) as unknown } });
    expect(await run({ type: 'debug_info' }, 'plc2')).toEqual({ status: 'success', debug_response: { type: 'debug_error', error: NO_SESSION } });
    broken = true;
    expect(await run({ type: 'debug_info' })).toEqual({ status: 'error', debug_response: { type: 'debug_error', error: 'worker gone' } });
  });

  it('with an allow-list, debug needs an entry covering /api/debug (any method; debug_start: its port)', async () => {
    const { bridge, runtime } = await setup();
    const proxyWith = (allowList: Array<{ method?: string; pathPrefix: string; ports?: number[] }>) =>
      new RuntimeProxy({
        resolveTarget: () => Promise.resolve(null),
        refreshTarget: () => Promise.resolve(null),
        pins: new InMemoryTlsPinStore(),
        options: { ...DEFAULT_PROXY_OPTIONS, allowList },
        debug: (id, message) => new GuardedDebugBridge(bridge, () => allowList).handle({ session: `http:${id}`, device_id: id, path: 'http', message }),
      });
    const refused = { status: 'success', debug_response: { type: 'debug_error', error: DEBUG_NOT_ALLOWED } };
    const statusOnly = proxyWith([{ method: 'GET', pathPrefix: '/api/status' }]);
    const run = (p: RuntimeProxy, data: unknown) => p.run({ device_id: 'plc1', method: 'POST', api: 'debug', data });
    expect(await run(statusOnly, { type: 'debug_start' })).toEqual(refused);
    expect(await run(statusOnly, { type: 'debug_set', index: 1, force: true, value: '01' })).toEqual(refused);
    expect(await run(statusOnly, '{"type":"debug_set","index":1,"force":true,"value":"01"}')).toEqual(refused);
    expect(runtime.logins).toBe(0);
    expect(await run(proxyWith([{ method: 'GET', pathPrefix: '/api/debug', ports: [8080] }]), { type: 'debug_start' })).toEqual(refused);
    const debugOnly = proxyWith([{ method: 'GET', pathPrefix: '/api/debug', ports: [8443] }]);
    expect(await run(debugOnly, { type: 'debug_start' })).toEqual({ status: 'success', debug_response: { type: 'debug_connected' } });
    expect(await run(debugOnly, { type: 'debug_set', index: 1, force: true, value: '01' })).toEqual({ status: 'success', debug_response: { type: 'debug_set_response', success: true } });
    expect(await run(proxyWith([{ pathPrefix: '/' }]), { type: 'debug_info' })).toEqual({ status: 'success', debug_response: { type: 'debug_info_response', variable_count: 6 } });
  });
});
