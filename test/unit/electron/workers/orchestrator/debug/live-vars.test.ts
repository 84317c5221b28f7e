import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync, crc32 } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DebugMap } from '../../../../../../shared/debug/debug-map.js';
import { LiveRead, LiveSetResult } from '../../../../../../shared/debug/live.js';
import { LiveVars, MAX_LIST_ENTRIES } from '../../../../../../electron/workers/orchestrator/debug/live-vars.js';
import { DebugMapStore } from '../../../../../../electron/workers/orchestrator/debug/map-store.js';
import { WorkerError } from '../../../../../../electron/lib/worker/host.js';
import type { VplcEvent } from '../../../../../../electron/workers/orchestrator/context.js';
import { storedZip } from '../../../../../images/program-zip.js';
import { FakeDebugSessions, FakeRuntime } from './fake-debug-session.js';

const FIXTURES = path.resolve(__dirname, '../../../../../fixtures/openplc-runtime-v4.1.4/debug');
const MAP_TEXT = readFileSync(path.join(FIXTURES, 'debug-map.json'), 'utf8');
const MAP = DebugMap.parse(JSON.parse(MAP_TEXT));
const OTHER_MD5 = '0123456789abcdef0123456789abcdef';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The runtime as recorded (GET_LIST v4 #1 of debug-exchanges.json): COUNTER 4919, LAMP false, IN true, PT 500 ms, Q false, ET 300 ms. */
function recordedRuntime(): FakeRuntime {
  const rt = new FakeRuntime(MAP.md5);
  const bytes = ['37 13', '00', '01', '00 65 cd 1d 00 00 00 00', '00', '00 a3 e1 11 00 00 00 00'];
  bytes.forEach((b, element) => rt.define({ array: 0, element }, hex(b)));
  return rt;
}

async function refusal(p: Promise<unknown>): Promise<WorkerError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkerError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('LiveVars', () => {
  let dir: string;
  let now: number;
  let rt: FakeRuntime;
  let sessions: FakeDebugSessions;
  let maps: DebugMapStore;
  let creds: Set<string>;
  let warnings: string[];
  let live: LiveVars;
  let events: VplcEvent[];

  beforeEach(async () => {
    events = [];
    dir = mkdtempSync(path.join(tmpdir(), 'vplc-livevars-'));
    now = 1_000_000;
    rt = recordedRuntime();
    sessions = new FakeDebugSessions(new Map([['plc1', rt]]));
    maps = new DebugMapStore(dir, { log: quiet, report: () => undefined });
    creds = new Set(['plc1']);
    warnings = [];
    live = new LiveVars({
      sessions: () => sessions,
      maps,
      exists: (n) => n === 'plc1' || n === 'plc2',
      hasCredentials: (n) => creds.has(n),
      now: () => now,
      log: { ...quiet, warn: (m) => void warnings.push(m) },
      idleMs: 10_000,
      emit: (e) => events.push(e),
    });
    await maps.put('plc1', MAP, 'upload', 'blink.zip');
  });

  afterEach(async () => {
    await live.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads every variable of the map with its name, type and decoded value on session local:<vplc>', async () => {
    const r = LiveRead.parse(await live.read('plc1'));
    expect(r).toMatchObject({ status: 'ok', md5_ok: true, tick: 101, message: null });
    expect(r.variables).toEqual([
      { path: 'INSTANCE0.COUNTER', type: 'INT', value: 4919, forced: false },
      { path: 'INSTANCE0.LAMP', type: 'BOOL', value: false, forced: false },
      { path: 'INSTANCE0.T1.IN', type: 'BOOL', value: true, forced: false },
      { path: 'INSTANCE0.T1.PT', type: 'TIME', value: 'T#500ms', forced: false },
      { path: 'INSTANCE0.T1.Q', type: 'BOOL', value: false, forced: false },
      { path: 'INSTANCE0.T1.ET', type: 'TIME', value: 'T#300ms', forced: false },
    ]);
    expect(sessions.opened).toEqual([{ key: 'local:plc1', vplc: 'plc1' }]);
    expect(rt.lists).toEqual([MAP.leaves.map((l) => ({ array: l.arrayIdx, element: l.elemIdx }))]);
  });

  it('shows values that change between reads, and only the paths asked, in their order', async () => {
    await live.read('plc1');
    rt.scan({ array: 0, element: 0 }, hex('9c 13'));
    const r = await live.read('plc1', ['INSTANCE0.T1.ET', 'INSTANCE0.COUNTER']);
    expect(r.variables.map((v) => [v.path, v.value])).toEqual([
      ['INSTANCE0.T1.ET', 'T#300ms'],
      ['INSTANCE0.COUNTER', 5020],
    ]);
    expect(r.tick).toBe(102);
    expect((await refusal(live.read('plc1', ['INSTANCE0.NOPE']))).field).toBe('paths');
  });

  it('splits a read of more than 1024 variables into GET_LISTs of at most 1024 entries', async () => {
    const big = { ...MAP, arrays: [{ index: 0, count: 2_500 }], leaves: Array.from({ length: 2_500 }, (_, i) => ({ arrayIdx: 0, elemIdx: i, path: `BIG.B${i}`, type: 'BOOL', size: 1 })) };
    for (let i = 0; i < 2_500; i++) rt.define({ array: 0, element: i }, Buffer.from([i % 3 === 0 ? 1 : 0]));
    await maps.put('plc1', big, 'file', '/x/debug-map.json');
    const r = await live.read('plc1');
    expect(rt.lists.map((l) => l.length)).toEqual([MAX_LIST_ENTRIES, MAX_LIST_ENTRIES, 2_500 - 2 * MAX_LIST_ENTRIES]);
    expect(r.variables).toHaveLength(2_500);
    expect(r.variables[2_499]).toEqual({ path: 'BIG.B2499', type: 'BOOL', value: true, forced: false });
    expect(r.variables[2_498]?.value).toBe(false);
    expect(r.variables[2_497]?.value).toBe(false);
  });

  it('shows no values against a map of another program, and refuses to force through it', async () => {
    rt.programMd5 = OTHER_MD5;
    const r = await live.read('plc1');
    expect(r).toMatchObject({ status: 'md5_mismatch', md5_ok: false, variables: [] });
    expect(r.message).toMatch(/belongs to another program/);
    expect(rt.lists).toEqual([]);
    const e = await refusal(live.set('plc1', 'INSTANCE0.LAMP', true, true, 'ui'));
    expect([e.code, e.message]).toEqual(['CONFLICT', expect.stringMatching(/belongs to another program/)]);
    expect(rt.sets).toEqual([]);
  });

  it('shows nothing when the runtime skipped addresses the map has (its answer is shorter than the sizes)', async () => {
    rt.values.delete('0:3');
    const e = await refusal(live.read('plc1'));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toMatch(/returned 13 bytes for 6 variables where the map expects 21/);
  });

  it('answers no_map and no_credentials without touching the runtime', async () => {
    expect(await live.read('plc2')).toMatchObject({ status: 'no_map', variables: [] });
    creds.clear();
    const r = await live.read('plc1');
    expect(r).toMatchObject({ status: 'no_credentials', variables: [] });
    expect(r.message).toMatch(/store the runtime credentials of plc1 first/);
    expect((await refusal(live.set('plc1', 'INSTANCE0.LAMP', true, true, 'ui'))).message).toMatch(/store the runtime credentials/);
    expect(sessions.opened).toEqual([]);
    const view = await live.mapView('plc1');
    expect(view).toMatchObject({ runtime_md5: null, md5_ok: null, check_error: expect.stringMatching(/store the runtime credentials/) });
    expect(view.map?.leaves).toHaveLength(6);
  });

  it('refuses an unknown vPLC on its name', async () => {
    const e = await refusal(live.read('ghost'));
    expect([e.code, e.field]).toEqual(['NOT_FOUND', 'name']);
  });

  it('forces with the encoded bytes, marks the variable forced in the next read, and releases it', async () => {
    const res = LiveSetResult.parse(await live.set('plc1', 'INSTANCE0.COUNTER', true, '12345', 'ui'));
    expect(res).toEqual({ path: 'INSTANCE0.COUNTER', forced: true, value: 12_345, message: 'INSTANCE0.COUNTER is forced to 12345' });
    // The recorded SET: 42 00 00 00 01 00 02 39 30.
    expect(rt.sets).toEqual([{ address: { array: 0, element: 0 }, force: true, value: hex('39 30') }]);
    const after = await live.read('plc1');
    expect(after.variables[0]).toEqual({ path: 'INSTANCE0.COUNTER', type: 'INT', value: 12_345, forced: true });
    expect(after.variables.filter((v) => v.forced)).toHaveLength(1);
    const released = await live.set('plc1', 'INSTANCE0.COUNTER', false, undefined, 'ui');
    expect(released).toMatchObject({ forced: false, value: null });
    expect(rt.sets[1]).toEqual({ address: { array: 0, element: 0 }, force: false, value: Buffer.alloc(0) });
    const again = await live.read('plc1');
    expect(again.variables[0]).toMatchObject({ value: 4919, forced: false });
  });

  it('refuses a value that does not fit the type on the value field, and sends nothing', async () => {
    const cases: Array<[string, string | number | boolean | undefined, RegExp]> = [
      ['INSTANCE0.COUNTER', 40_000, /INSTANCE0.COUNTER: 40000 is out of range for INT \(-32768 to 32767\)/],
      ['INSTANCE0.LAMP', 'perhaps', /is not a BOOL/],
      ['INSTANCE0.T1.PT', '500', /is not a duration/],
      ['INSTANCE0.LAMP', undefined, /give the value to force/],
    ];
    for (const [p, v, words] of cases) {
      const e = await refusal(live.set('plc1', p, true, v, 'ui'));
      expect([e.code, e.field, e.message]).toEqual(['VALIDATION', 'value', expect.stringMatching(words)]);
    }
    expect((await refusal(live.set('plc1', 'INSTANCE0.NOPE', true, 1, 'ui'))).field).toBe('path');
    expect(rt.sets).toEqual([]);
  });

  it('forgets what it forced when another program is loaded', async () => {
    await live.set('plc1', 'INSTANCE0.LAMP', true, 'TRUE', 'ui');
    expect((await live.read('plc1')).variables[1]).toMatchObject({ value: true, forced: true });
    rt.programMd5 = OTHER_MD5;
    await live.read('plc1');
    rt.programMd5 = MAP.md5;
    rt.forced.clear();
    expect((await live.read('plc1')).variables[1]).toMatchObject({ value: false, forced: false });
  });

  it('forgets what it forced when the runtime restarts (stopped, started, fault restart, recreated, updated)', async () => {
    for (const reason of ['stopped', 'started', 'plc-fault-restart', 'created', 'update-applied'] as const) {
      await live.set('plc1', 'INSTANCE0.LAMP', true, 'TRUE', 'ui');
      expect((await live.read('plc1')).variables[1]).toMatchObject({ forced: true });
      live.vplcChanged({ kind: 'changed', name: 'plc2', reason });
      expect((await live.read('plc1')).variables[1]).toMatchObject({ forced: true });
      live.vplcChanged({ kind: 'changed', name: 'plc1', reason });
      expect((await live.read('plc1')).variables[1], reason).toMatchObject({ forced: false });
    }
    await live.set('plc1', 'INSTANCE0.LAMP', true, 'TRUE', 'ui');
    live.vplcChanged({ kind: 'changed', name: 'plc1', reason: 'dhcp-lease' });
    expect((await live.read('plc1')).variables[1]).toMatchObject({ forced: true });
  });

  it('tells the journal which forced variables a runtime stop released, once', async () => {
    await live.set('plc1', 'INSTANCE0.LAMP', true, 'TRUE', 'ui');
    live.vplcChanged({ kind: 'changed', name: 'plc1', reason: 'stopped' });
    live.vplcChanged({ kind: 'changed', name: 'plc1', reason: 'started' });
    expect(events).toEqual([{ kind: 'changed', name: 'plc1', reason: 'plc-forces-cleared', detail: 'forced variables released with the runtime (stopped): INSTANCE0.LAMP' }]);
  });

  it('passes the runtime\'s words on when it fails, as UNAVAILABLE', async () => {
    rt.failWith = 'Timeout: no answer from the runtime within 2 s';
    const e = await refusal(live.read('plc1'));
    expect([e.code, e.message]).toEqual(['UNAVAILABLE', 'live variables of plc1: Timeout: no answer from the runtime within 2 s']);
    sessions.openError = 'Authentication failed: HTTP 401';
    expect((await refusal(live.read('plc1'))).message).toMatch(/Authentication failed: HTTP 401/);
    expect((await live.mapView('plc1')).check_error).toMatch(/Authentication failed: HTTP 401/);
  });

  it('closes the session once nobody read for the idle time, and not before', async () => {
    await live.read('plc1');
    now += 9_999;
    await live.sweep();
    expect(sessions.closed).toEqual([]);
    await live.read('plc1');
    now += 10_000;
    await live.sweep();
    expect(sessions.closed).toEqual(['local:plc1']);
    // Nothing polls by itself: without reads, no command reaches the runtime.
    const commands = rt.lists.length + rt.md5Calls;
    await live.sweep();
    expect(rt.lists.length + rt.md5Calls).toBe(commands);
  });

  it('arms its idle sweep only while a session is open, so an idle agent takes no wake-up for it', async () => {
    live.start();
    expect(live.sweeping).toBe(false);
    await live.read('plc1');
    expect(live.sweeping).toBe(true);
    now += 10_000;
    await live.sweep();
    expect(sessions.closed).toEqual(['local:plc1']);
    expect(live.sweeping).toBe(false);
    await live.read('plc1');
    expect(live.sweeping).toBe(true);
    await live.forget('plc1');
    expect(live.sweeping).toBe(false);
  });

  it('tells whether the map is the loaded program\'s', async () => {
    expect(await live.mapView('plc1')).toMatchObject({ runtime_md5: MAP.md5, md5_ok: true, check_error: null, map: { source: 'upload', source_name: 'blink.zip', md5: MAP.md5 } });
    rt.programMd5 = OTHER_MD5;
    expect(await live.mapView('plc1')).toMatchObject({ runtime_md5: OTHER_MD5, md5_ok: false });
    expect(await live.mapView('plc2')).toMatchObject({ map: null, md5_ok: null });
  });

  it('keeps the map of an uploaded bundle (stored or deflated), and not a broken one', async () => {
    await live.programLoaded('plc2', { filename: 'blink.zip', data: storedZip({ 'configuration.cpp': '//', 'build/debug-map.json': MAP_TEXT }) });
    expect((await maps.get('plc2'))?.map).toEqual(MAP);
    await maps.remove('plc2');
    await live.programLoaded('plc2', { filename: 'blink.zip', data: deflatedZip('debug-map.json', MAP_TEXT) });
    expect((await maps.get('plc2'))?.source).toBe('upload');
    await live.programLoaded('plc2', { filename: 'broken.zip', data: storedZip({ 'debug-map.json': '{"version":2,"md5":"nothex"}' }) });
    expect((await maps.get('plc2'))?.source_name).toBe('blink.zip');
    expect(warnings).toEqual(['the uploaded program\'s debug-map.json was not kept']);
    await live.programLoaded('plc2', { filename: 'nomap.zip', data: storedZip({ 'configuration.cpp': '//' }) });
    expect((await maps.get('plc2'))?.source_name).toBe('blink.zip');
  });

  it('loads a map the user picked, refusing a bad one on path with the field named', async () => {
    const file = path.join(dir, 'my-map.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(file, MAP_TEXT);
    const view = await live.loadMap('plc2', file, 'ui');
    expect(view.map).toMatchObject({ source: 'file', source_name: 'my-map.json', md5: MAP.md5 });
    writeFileSync(file, JSON.stringify({ ...MAP, leaves: [{ ...MAP.leaves[0], size: 0 }] }));
    const e = await refusal(live.loadMap('plc2', file, 'ui'));
    expect([e.code, e.field]).toEqual(['VALIDATION', 'path']);
    expect(e.message).toMatch(/leaves\.0\.size/);
    expect((await refusal(live.loadMap('plc2', 'relative.json', 'ui'))).field).toBe('path');
    expect((await maps.get('plc2'))?.map).toEqual(MAP);
  });

  it('drops the session, the map and the forced marks with a deleted vPLC', async () => {
    await live.set('plc1', 'INSTANCE0.LAMP', true, true, 'ui');
    await live.forget('plc1');
    expect(sessions.closed).toEqual(['local:plc1']);
    expect(await maps.get('plc1')).toBeNull();
    expect(await new DebugMapStore(dir, { log: quiet, report: () => undefined }).get('plc1')).toBeNull();
  });
});

/** A one-entry zip with the entry deflated (as editors write them). */
function deflatedZip(name: string, text: string): Buffer {
  const data = Buffer.from(text);
  const packed = deflateRawSync(data);
  const nameBytes = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc32(data), 14);
  local.writeUInt32LE(packed.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(crc32(data), 16);
  central.writeUInt32LE(packed.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const dirBytes = Buffer.concat([central, nameBytes]);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(dirBytes.length, 12);
  end.writeUInt32LE(30 + nameBytes.length + packed.length, 16);
  return Buffer.concat([local, nameBytes, packed, dirBytes, end]);
}
