// needs: nothing outside this process but a child Node process (the stand-in) it starts itself on loopback
/**
 * The stand-in runtime's live-debug interface (Socket.IO namespace /api/debug) replayed against every recorded
 * exchange of test/fixtures/openplc-runtime-v4.1.4/debug/: with a real socket.io-client (what the agent uses) for the
 * outcomes and a raw WebSocket (ws) for the exact wire frames. The stand-in runs as a plain Node process on loopback
 * (test/images/standin/server.mjs); no image is built or run. About 15 s.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { z } from 'zod';
import { storedZip, uploadBody } from '../../images/program-zip.js';
import { startStandin, type StandinProcess } from '../plc/standin-process.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/openplc-runtime-v4.1.4/debug/', import.meta.url));
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const DEBUG_MAP_TEXT = readFileSync(path.join(FIXTURES, 'debug-map.json'), 'utf8');
const RECORDED_MD5 = 'bad85d4c2071cad1ba5403257d892067';
const PING_MS = 400;

const Reply = z.union([z.object({ success: z.literal(true), data: z.string() }), z.object({ success: z.literal(false), error: z.string() })]);
type Reply = z.output<typeof Reply>;
const Exchange = z.object({ label: z.string(), request_payload: z.unknown(), response_payload: Reply });
type Exchange = z.output<typeof Exchange>;
const WireFrame = z.object({ dir: z.enum(['in', 'out']), ws_frame_text: z.string() });
const ConnectRecord = z.object({
  label: z.string(),
  client_options: z.object({ auth: z.object({ token: z.string() }).optional(), query: z.object({ token: z.string() }).optional(), transports: z.array(z.string()).optional() }),
  outcome: z.object({ event: z.enum(['connect', 'connect_error']), message: z.string().optional() }),
  events_received: z.array(z.object({ event: z.string(), args: z.array(z.unknown()) })),
  wire: z.array(WireFrame),
});
type ConnectRecord = z.output<typeof ConnectRecord>;
const EdgeCase = z.object({ request_payload: z.unknown(), response_payload: Reply, ack_args: z.array(z.unknown()).nullable() });
const EdgeCases = z.object({
  non_string_command: EdgeCase,
  string_payload: EdgeCase,
  array_payload: EdgeCase,
  with_ack_callback: EdgeCase,
  burst: z.object({ sent: z.number(), expected_fc_order: z.string() }),
  poll_ticks: z.array(z.object({ data: z.string() })),
});

let standin: StandinProcess;
let token = '';
let tlsDir = '';
/** The stand-in's own certificate (its subjectAltName holds 127.0.0.1): TLS is verified against it. */
let ca = '';

type HttpAnswer = { status: number; body: string };
function https(method: string, pathname: string, { body, type, auth }: { body?: Buffer; type?: string; auth?: string } = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = {};
    if (type) headers['Content-Type'] = type;
    if (body) headers['Content-Length'] = body.length;
    if (auth) headers.Authorization = `Bearer ${auth}`;
    const req = request({ host: '127.0.0.1', port: standin.port, method, path: pathname, headers, ca }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}
const postJson = (p: string, value: unknown): Promise<HttpAnswer> => https('POST', p, { body: Buffer.from(JSON.stringify(value)), type: 'application/json' });

async function until(what: string, check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const plcStatus = async (): Promise<string> => (JSON.parse((await https('GET', '/api/status', { auth: token })).body) as { status: string }).status;

/** Uploads a bundle, waits for the fake compile and for the program to run. */
async function loadProgram(entries: Record<string, string>): Promise<void> {
  const upload = uploadBody(storedZip({ 'configuration.cpp': '// program', ...entries }));
  const answer = await https('POST', '/api/upload-file', { body: upload.body, type: upload.contentType, auth: token });
  expect(JSON.parse(answer.body)).toEqual({ CompilationStatus: 'COMPILING', UploadFileFail: '' });
  await until('the compile', async () => (JSON.parse((await https('GET', '/api/compilation-status', { auth: token })).body) as { status: string }).status === 'SUCCESS');
  await until('RUNNING', async () => (await plcStatus()) === 'STATUS:RUNNING');
}

const sockets: Socket[] = [];
type Opened = { socket: Socket; connected: boolean; error: string | null; events: { event: string; args: unknown[] }[] };

/** A socket.io-client on /api/debug (or `nsp`), settled on connect or connect_error. */
async function open(options: { auth?: Record<string, string>; query?: Record<string, string>; transports?: string[] } = {}, nsp = '/api/debug'): Promise<Opened> {
  const socket = io(`https://127.0.0.1:${standin.port}${nsp}`, {
    transports: ['websocket'],
    ca,
    reconnection: false,
    forceNew: true,
    ...options,
  });
  sockets.push(socket);
  const events: Opened['events'] = [];
  socket.onAny((event: string, ...args: unknown[]) => events.push({ event, args }));
  return new Promise((resolve) => {
    socket.once('connect', () => resolve({ socket, connected: true, error: null, events }));
    socket.once('connect_error', (err: Error) => resolve({ socket, connected: false, error: err.message, events }));
  });
}

/** One debug_command and its debug_response (one command in flight, as the runtime needs). */
function command(socket: Socket, payload: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no debug_response to ${JSON.stringify(payload)}`)), 5_000);
    socket.once('debug_response', (reply: unknown) => {
      clearTimeout(timer);
      resolve(Reply.parse(reply));
    });
    socket.emit('debug_command', payload);
  });
}

/** A raw WebSocket to /socket.io/ with a queue of received text frames. */
type Raw = { ws: WebSocket; next: () => Promise<string>; closed: Promise<number> };
async function raw(query = ''): Promise<Raw> {
  const ws = new WebSocket(`wss://127.0.0.1:${standin.port}/socket.io/?EIO=4&transport=websocket${query}`, { ca });
  const queue: string[] = [];
  const waiting: ((s: string) => void)[] = [];
  ws.on('message', (data: Buffer) => {
    const text = data.toString();
    const w = waiting.shift();
    if (w) w(text);
    else queue.push(text);
  });
  const closed = new Promise<number>((r) => ws.on('close', (code: number) => r(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const queued = queue.shift();
      if (queued !== undefined) return resolve(queued);
      const timer = setTimeout(() => reject(new Error('no frame')), 5_000);
      waiting.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
    });
  return { ws, next, closed };
}

// --- reading replies -------------------------------------------------------------------------------------------------

const HEX = /^[0-9a-f]{2}( [0-9a-f]{2})*$/;
const bytesOf = (hex: string): Buffer => Buffer.from(hex.replace(/\s+/g, ''), 'hex');
const VARS = [
  { path: 'COUNTER', size: 2 },
  { path: 'LAMP', size: 1 },
  { path: 'T1.IN', size: 1 },
  { path: 'T1.PT', size: 8 },
  { path: 'T1.Q', size: 1 },
  { path: 'T1.ET', size: 8 },
] as const;

/** The element indexes a GET_LIST (44) or GET (43) request asks for that exist (array 0, elements 0-5). */
function requested(cmd: Buffer): number[] {
  if (cmd[0] === 0x43) return Array.from({ length: cmd.readUInt16BE(4) - cmd.readUInt16BE(2) + 1 }, (_, i) => cmd.readUInt16BE(2) + i);
  const out: number[] = [];
  for (let i = 0; i < cmd.readUInt16BE(1); i++) {
    const arr = cmd[3 + 3 * i];
    const elem = cmd.readUInt16BE(4 + 3 * i);
    if (arr === 0 && elem < VARS.length) out.push(elem);
  }
  return out;
}

type Values = { tick: number; last: number; len: number; values: Map<number, Buffer> };
function decodeValues(cmd: Buffer, reply: Buffer): Values {
  const values = new Map<number, Buffer>();
  let at = 10;
  for (const elem of requested(cmd)) {
    const size = VARS[elem]?.size ?? 0;
    values.set(elem, reply.subarray(at, at + size));
    at += size;
  }
  expect(at).toBe(reply.length);
  return { last: reply.readUInt16BE(2), tick: reply.readUInt32BE(4), len: reply.readUInt16BE(8), values };
}

const ms = (n: number): bigint => BigInt(n) * 1_000_000n;
/**
 * What BLINK's variables must be at `tick` (the recording satisfies these too: checked on both sides): COUNTER is
 * the tick, T1 runs a 52-scan cycle (ET 0..490 ms, Q with ET 500 ms, one scan with IN false), PT is 500 ms; a forced
 * variable reads as its forced bytes. LAMP's phase depends on the history, so only a forced LAMP is checked. `lagging`:
 * COUNTER after a force (located: it did not count while forced), behind the tick by at most the given scans.
 */
function expectBlink(v: Values, forced: Map<number, Buffer>, where: string, lagging = new Map<number, number>()): void {
  const phase = (v.tick - 1) % 52;
  const expected: Record<number, Buffer> = {
    0: Buffer.from([0, 0]),
    2: Buffer.from([phase === 51 ? 0 : 1]),
    3: Buffer.alloc(8),
    4: Buffer.from([phase === 50 ? 1 : 0]),
    5: Buffer.alloc(8),
  };
  expected[0]?.writeInt16LE(((v.tick + 32768) % 65536) - 32768);
  expected[3]?.writeBigInt64LE(ms(500));
  expected[5]?.writeBigInt64LE(phase === 51 ? 0n : ms(Math.min(phase, 50) * 10));
  for (const [elem, bytes] of v.values) {
    const lag = lagging.get(elem);
    if (lag !== undefined && !forced.has(elem)) {
      // A located variable released after `lag` scans at most under a force: behind the tick by up to that.
      const value = bytes.readInt16LE();
      expect(value, `${where}: lagging ${VARS[elem]?.path ?? elem}`).toBeLessThanOrEqual(v.tick);
      expect(value, `${where}: lagging ${VARS[elem]?.path ?? elem}`).toBeGreaterThanOrEqual(v.tick - lag);
      continue;
    }
    const want = forced.get(elem) ?? expected[elem];
    if (want) expect(bytes.toString('hex'), `${where}: ${VARS[elem]?.path ?? elem} at tick ${v.tick}`).toBe(want.toString('hex'));
  }
}

/**
 * Compares a live reply with the recorded one: error texts, status replies, INFO, MD5 and SET exactly; value replies
 * by shape (status, last position, length) and by the deterministic values (expectBlink) on both sides.
 */
function expectLikeRecorded(label: string, request: unknown, actual: Reply, recorded: Reply, forced: Map<number, Buffer>, lagging: Map<number, number>): Values | null {
  if (!recorded.success || !HEX.test(recorded.data)) {
    expect(actual, label).toEqual(recorded);
    return null;
  }
  expect(actual.success, label).toBe(true);
  const data = actual.success ? actual.data : '';
  expect(data, label).toMatch(HEX);
  const [got, want] = [bytesOf(data), bytesOf(recorded.data)];
  const fc = want[0];
  if (want.length === 2 || (fc !== 0x43 && fc !== 0x44)) {
    expect(data, label).toBe(recorded.data);
    return null;
  }
  expect(got.length, label).toBe(want.length);
  expect([...got.subarray(0, 4)], label).toEqual([...want.subarray(0, 4)]);
  expect(got.readUInt16BE(8), `${label}: len`).toBe(want.readUInt16BE(8));
  const cmd = bytesOf((request as { command: string }).command);
  expectBlink(decodeValues(cmd, want), forced, `${label} (recorded)`, lagging);
  const live = decodeValues(cmd, got);
  expectBlink(live, forced, label, lagging);
  return live;
}

/**
 * Tracks forces from SET requests the runtime accepted (42 7e), and for COUNTER (located) how many scans it may have
 * missed while forced: the wall time between force and release in 10 ms scans, plus one.
 */
type ForceTracker = { forced: Map<number, Buffer>; lagging: Map<number, number>; since: Map<number, number> };
function trackForce(t: ForceTracker, request: unknown, reply: Reply, at: number): void {
  if (!reply.success || reply.data !== '42 7e') return;
  const cmd = bytesOf((request as { command: string }).command);
  const elem = cmd.readUInt16BE(2);
  if (cmd[4] !== 0) {
    t.forced.set(elem, cmd.subarray(7, 7 + (VARS[elem]?.size ?? 0)));
    t.since.set(elem, at);
    return;
  }
  t.forced.delete(elem);
  if (elem === 0) t.lagging.set(0, (t.lagging.get(0) ?? 0) + Math.ceil((at - (t.since.get(0) ?? at)) / 10) + 1);
}

// ----------------------------------------------------------------------------------------------------------------------

describe('stand-in runtime /api/debug (Socket.IO over WebSocket)', () => {
  beforeAll(async () => {
    tlsDir = mkdtempSync(path.join(tmpdir(), 'vplc-standin-debug-tls-'));
    standin = await startStandin({
      STANDIN_TLS_DIR: tlsDir,
      STANDIN_COMPILE_MS: '200',
      STANDIN_SIO_PING_INTERVAL_MS: String(PING_MS),
      STANDIN_SIO_PING_TIMEOUT_MS: String(PING_MS),
    });
    ca = readFileSync(path.join(tlsDir, 'cert.pem'), 'utf8');
    expect((await postJson('/api/create-user', { username: 'dbg', password: 'pw-dbg' })).status).toBe(201);
    token = (JSON.parse((await postJson('/api/login', { username: 'dbg', password: 'pw-dbg' })).body) as { access_token: string }).access_token;
  });

  afterAll(async () => {
    for (const s of sockets) s.close();
    await standin?.stop();
    if (tlsDir) rmSync(tlsDir, { recursive: true, force: true });
  });

  const corrupted = (): string => `${token.slice(0, -4)}${token.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
  const substitute = (text: string): string => text.replace('<jwt-with-corrupted-signature>', corrupted()).replace('<jwt>', token);

  describe('connecting (connect-*.json)', () => {
    const records = [
      ConnectRecord.parse(fixture('connect-no-token.json')),
      ...z.array(ConnectRecord).parse(fixture('connect-bad-token.json')),
      ...z.array(ConnectRecord).parse(fixture('connect-ok.json')),
    ].filter((r) => !r.client_options.transports?.includes('polling'));

    it.each(records.map((r) => [r.label, r] as const))('%s: the recorded outcome and events', async (_label, record) => {
      const auth = record.client_options.auth && { token: substitute(record.client_options.auth.token) };
      const query = record.client_options.query && { token: substitute(record.client_options.query.token) };
      const opened = await open({ ...(auth && { auth }), ...(query && { query }) });

      expect(opened.connected ? 'connect' : 'connect_error').toBe(record.outcome.event);
      if (record.outcome.message) expect(opened.error).toBe(record.outcome.message);
      await new Promise((r) => setTimeout(r, 100));
      const recordedEvents = record.events_received.filter((e) => !e.event.includes('(local)'));
      expect(opened.events).toEqual(recordedEvents);
      opened.socket.close();
    });

    it.each(records.map((r) => [r.label, r] as const))('%s: the recorded wire frames', async (_label, record) => {
      const queryToken = record.client_options.query?.token;
      const r = await raw(queryToken ? `&token=${encodeURIComponent(substitute(queryToken))}` : '');
      const open0 = await r.next();
      expect(open0[0]).toBe('0');
      expect(JSON.parse(open0.slice(1))).toEqual({ sid: expect.stringMatching(/^[\w-]{20}$/), upgrades: [], pingInterval: PING_MS, pingTimeout: PING_MS, maxPayload: 1_000_000 });
      for (const frame of record.wire) {
        if (frame.dir === 'out') {
          r.ws.send(substitute(frame.ws_frame_text));
          continue;
        }
        const got = await r.next();
        if (frame.ws_frame_text.startsWith('40/api/debug,{"sid":')) expect(got).toMatch(/^40\/api\/debug,\{"sid":"[\w-]{20}"\}$/);
        else expect(got).toBe(frame.ws_frame_text);
      }
      r.ws.close();
    });

    it('refuses the polling transport (recorded as served by the runtime; the stand-in is websocket-only)', async () => {
      const polling = await https('GET', '/socket.io/?EIO=4&transport=polling');
      expect(polling).toEqual({ status: 400, body: 'Invalid transport' });
      const eio3 = await https('GET', '/socket.io/?EIO=3&transport=websocket');
      expect(eio3.status).toBe(400);
      expect(eio3.body).toBe('The client is using an unsupported version of the Socket.IO or Engine.IO protocols');
      const opened = await open({ auth: { token }, transports: ['polling'] });
      expect(opened.connected).toBe(false);
    });

    it('refuses a revoked token (after logout) and an expired-looking garbage token, accepts a fresh login', async () => {
      const second = (JSON.parse((await postJson('/api/login', { username: 'dbg', password: 'pw-dbg' })).body) as { access_token: string }).access_token;
      expect((await open({ auth: { token: second } })).connected).toBe(true);
      expect((await https('POST', '/api/logout', { auth: second })).status).toBe(200);
      expect(await open({ auth: { token: second } })).toMatchObject({ connected: false, error: 'Connection rejected by server' });
      expect(await open({ auth: { token: '' }, query: { token: 'x.y.z' } })).toMatchObject({ connected: false, error: 'Connection rejected by server' });
    });

    it('answers CONNECT to an unknown namespace with CONNECT_ERROR and accepts the default namespace, as python-socketio does', async () => {
      const r = await raw();
      await r.next();
      r.ws.send('40/other,');
      expect(await r.next()).toBe('44/other,"Unable to connect"');
      r.ws.send('40');
      expect(await r.next()).toMatch(/^40\{"sid":"[\w-]{20}"\}$/);
      r.ws.close();
      expect((await open({}, '/other')).connected).toBe(false);
    });

    it('pings every pingInterval, drops a client that does not pong, keeps one that does, and pongs a WebSocket ping', async () => {
      const silent = await raw();
      await silent.next();
      expect(await silent.next()).toBe('2');
      expect(await silent.closed).toBe(1000);

      const polite = await raw();
      await polite.next();
      for (let i = 0; i < 3; i++) {
        expect(await polite.next()).toBe('2');
        polite.ws.send('3');
      }
      const pong = new Promise<string>((resolve) => polite.ws.once('pong', (d: Buffer) => resolve(d.toString())));
      polite.ws.ping('are-you-there');
      expect(await pong).toBe('are-you-there');
      expect(polite.ws.readyState).toBe(WebSocket.OPEN);
      polite.ws.close();
    });

    it('closes the connection on an unparsable or binary Socket.IO packet and on an oversized frame', async () => {
      for (const bad of ['4x', '42/api/debug,not json', '451-["debug_command",{"_placeholder":true,"num":0}]']) {
        const r = await raw();
        await r.next();
        r.ws.send(bad);
        expect(await r.closed, bad).toBe(1000);
      }
      const big = await raw();
      await big.next();
      big.ws.send(`42/api/debug,["debug_command",{"command":"${'41'.repeat(600_000)}"}]`);
      expect(await big.closed).toBe(1009);
    });
  });

  describe('no program loaded, and PLC stopped (debug-exchanges-plc-stopped.json)', () => {
    const exchanges = z.array(Exchange).parse(fixture('debug-exchanges-plc-stopped.json'));

    it('answers 83 to every command before any program is loaded', async () => {
      expect(await plcStatus()).toBe('STATUS:EMPTY');
      const { socket } = await open({ auth: { token } });
      for (const x of exchanges) expect(await command(socket, x.request_payload), x.label).toEqual(x.response_payload);
      socket.close();
    });
  });

  describe('a running BLINK program', () => {
    let socket: Socket;

    beforeAll(async () => {
      await loadProgram({ 'debug-map.json': DEBUG_MAP_TEXT });
      socket = (await open({ auth: { token } })).socket;
    });

    it('replays every exchange of debug-exchanges.json: errors, statuses and md5 exactly, values by shape and model', async () => {
      const exchanges = z.array(Exchange).parse(fixture('debug-exchanges.json'));
      const t: ForceTracker = { forced: new Map(), lagging: new Map(), since: new Map() };
      const ticks: number[] = [];
      for (const x of exchanges) {
        if (x.label.includes('~1s later')) await new Promise((r) => setTimeout(r, 1000));
        if (x.label.includes('+600ms')) await new Promise((r) => setTimeout(r, 600));
        const reply = await command(socket, x.request_payload);
        const live = expectLikeRecorded(x.label, x.request_payload, reply, x.response_payload, t.forced, t.lagging);
        trackForce(t, x.request_payload, reply, Date.now());
        if (live) ticks.push(live.tick);
      }
      expect(t.forced.size).toBe(0);
      expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
      // Over a second of waits the program ran on: at least 100 scans of 10 ms (ticks count scans).
      expect((ticks.at(-1) ?? 0) - (ticks[0] ?? 0)).toBeGreaterThanOrEqual(100);
    });

    it('returns a forced value while time passes; a released located variable resumes from its own value', async () => {
      const counter = '44 00 01 00 00 00';
      const read = async (): Promise<Values> => {
        const reply = await command(socket, { command: counter });
        return decodeValues(bytesOf(counter), bytesOf(reply.success ? reply.data : ''));
      };
      expect(await command(socket, { command: '42 00 00 00 01 00 02 39 30' })).toEqual({ success: true, data: '42 7e' });
      const first = await read();
      await new Promise((r) => setTimeout(r, 300));
      const later = await read();
      expect(later.tick).toBeGreaterThan(first.tick + 20);
      for (const v of [first, later]) expect(v.values.get(0)?.readInt16LE()).toBe(12345);

      expect(await command(socket, { command: '42 00 00 00 00 00 00' })).toEqual({ success: true, data: '42 7e' });
      await new Promise((r) => setTimeout(r, 30));
      const released = await read();
      // COUNTER is located (%MW0): the program's writes were ignored under the force, so it lags the tick by the
      // scans it was forced, then counts on.
      expect(released.values.get(0)?.readInt16LE()).toBeLessThan(released.tick - 20);
      await new Promise((r) => setTimeout(r, 100));
      const next = await read();
      const counted = (next.values.get(0)?.readInt16LE() ?? 0) - (released.values.get(0)?.readInt16LE() ?? 0);
      expect(counted).toBe(next.tick - released.tick);
    });

    it('forces a non-located TIME (T1.ET) to a value and computes it again once released', async () => {
      const all = '44 00 06 00 00 00 00 00 01 00 00 02 00 00 03 00 00 04 00 00 05';
      const read = async (): Promise<Values> => {
        const reply = await command(socket, { command: all });
        return decodeValues(bytesOf(all), bytesOf(reply.success ? reply.data : ''));
      };
      const et = Buffer.alloc(8);
      et.writeBigInt64LE(ms(123));
      expect(await command(socket, { command: `42 00 00 05 01 00 08 ${et.toString('hex')}` })).toEqual({ success: true, data: '42 7e' });
      const forced = new Map([[5, et]]);
      const lagging = new Map([[0, Number.MAX_SAFE_INTEGER]]);
      expectBlink(await read(), forced, 'ET forced', lagging);
      await new Promise((r) => setTimeout(r, 200));
      expectBlink(await read(), forced, 'ET forced, later', lagging);
      expect(await command(socket, { command: '42 00 00 05 00 00 00' })).toEqual({ success: true, data: '42 7e' });
      await new Promise((r) => setTimeout(r, 30));
      expectBlink(await read(), new Map(), 'ET released', lagging);
    });

    it('answers the edge cases of debug-edge-cases.json', async () => {
      const edge = EdgeCases.parse(fixture('debug-edge-cases.json'));
      for (const [name, x] of Object.entries({ non_string_command: edge.non_string_command, string_payload: edge.string_payload, array_payload: edge.array_payload })) {
        expect(await command(socket, x.request_payload), name).toEqual(x.response_payload);
      }
      const acked = new Promise<unknown[]>((resolve) => socket.emit('debug_command', edge.with_ack_callback.request_payload, (...args: unknown[]) => resolve(args)));
      const response = await new Promise<unknown>((resolve) => socket.once('debug_response', resolve));
      expect(response).toEqual(edge.with_ack_callback.response_payload);
      expect(await acked).toEqual(edge.with_ack_callback.ack_args);

      const fcs = edge.burst.expected_fc_order.split(',');
      const payloads: Record<string, string> = { '41': '41', '45': '45 DE AD 00 00', '44': '44 00 01 00 00 00' };
      const received: string[] = [];
      const all = new Promise<void>((resolve) => {
        const on = (reply: unknown): void => {
          const r = Reply.parse(reply);
          received.push(r.success ? r.data.slice(0, 2) : 'error');
          if (received.length === fcs.length) {
            socket.off('debug_response', on);
            resolve();
          }
        };
        socket.on('debug_response', on);
      });
      for (const fc of fcs) socket.emit('debug_command', { command: payloads[fc] });
      await all;
      expect(received.length).toBe(edge.burst.sent);
      expect([...received].sort()).toEqual([...fcs].sort());

      // Recorded after the COUNTER force of debug-exchanges.json: one behind the tick from then on. Here COUNTER was
      // forced longer (the test above), so it lags more; either way it counts one per scan.
      let previous: Values | null = null;
      for (const poll of edge.poll_ticks) {
        const reply = await command(socket, { command: '44 00 01 00 00 00' });
        const got = bytesOf(reply.success ? reply.data : '');
        expect(got.length).toBe(bytesOf(poll.data).length);
        const v = decodeValues(bytesOf('44 00 01 00 00 00'), got);
        expectBlink(v, new Map(), 'poll', new Map([[0, Number.MAX_SAFE_INTEGER]]));
        expectBlink(decodeValues(bytesOf('44 00 01 00 00 00'), bytesOf(poll.data)), new Map(), 'recorded poll', new Map([[0, 1]]));
        if (previous) {
          expect(v.tick).toBeGreaterThan(previous.tick);
          expect((v.values.get(0)?.readInt16LE() ?? 0) - (previous.values.get(0)?.readInt16LE() ?? 0)).toBe(v.tick - previous.tick);
        }
        previous = v;
        await new Promise((r) => setTimeout(r, 100));
      }
    });

    it('replays wire-frames-sample.json frame by frame on a raw WebSocket', async () => {
      const frames = z.array(WireFrame).parse(fixture('wire-frames-sample.json'));
      const r = await raw();
      await r.next();
      r.ws.send(`40/api/debug,${JSON.stringify({ token })}`);
      for (const frame of frames) {
        if (frame.dir === 'out') {
          r.ws.send(frame.ws_frame_text);
          continue;
        }
        let got = await r.next();
        while (got === '2') {
          r.ws.send('3');
          got = await r.next();
        }
        const want = frame.ws_frame_text;
        if (want.startsWith('40/api/debug,{"sid":')) expect(got).toMatch(/^40\/api\/debug,\{"sid":"[\w-]{20}"\}$/);
        else if (want.includes('"data":"44 7e')) {
          const shape = (s: string): string => s.replace(/"data":"[^"]*"/, (d) => `"data":"${d.length}"`);
          expect(shape(got)).toBe(shape(want));
        } else expect(got).toBe(want);
      }
      r.ws.close();
    });

    it('delays replies by the test switch, and never answers when the delay reaches the 2 s give-up', async () => {
      expect(JSON.parse((await https('POST', '/standin/debug-delay?ms=300')).body)).toEqual({ debug_delay_ms: 300 });
      const started = Date.now();
      expect(await command(socket, { command: '41' })).toEqual({ success: true, data: '41 01 7e 00 06' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(280);

      await https('POST', '/standin/debug-delay?ms=5000');
      const responses: unknown[] = [];
      const collect = (r: unknown): void => void responses.push(r);
      socket.on('debug_response', collect);
      const acked = new Promise<unknown[]>((resolve) => socket.emit('debug_command', { command: '41' }, (...args: unknown[]) => resolve(args)));
      expect(await acked).toEqual([]);
      await new Promise((r) => setTimeout(r, 300));
      socket.off('debug_response', collect);
      expect(responses).toEqual([]);
      await https('POST', '/standin/debug-delay?ms=0');
      expect(await command(socket, { command: '41' })).toEqual({ success: true, data: '41 01 7e 00 06' });
    });

    it('answers 83 again once the PLC is stopped, and starts the program over on start', async () => {
      const before = await command(socket, { command: '44 00 01 00 00 00' });
      expect((await https('GET', '/api/stop-plc', { auth: token })).body).toContain('STOP:OK');
      for (const x of z.array(Exchange).parse(fixture('debug-exchanges-plc-stopped.json'))) {
        expect(await command(socket, x.request_payload), x.label).toEqual(x.response_payload);
      }
      expect((await https('GET', '/api/start-plc', { auth: token })).body).toContain('START:OK');
      const after = await command(socket, { command: '44 00 01 00 00 00' });
      const tick = (r: Reply): number => bytesOf(r.success ? r.data : '').readUInt32BE(4);
      expect(tick(after)).toBeLessThan(tick(before));
    });
  });

  describe('GET_MD5 follows the bundle', () => {
    it("reports the recorded md5 for a bundle without debug-map.json, else the map's md5", async () => {
      await loadProgram({});
      const { socket } = await open({ auth: { token } });
      const md5Of = async (): Promise<string> => {
        const reply = await command(socket, { command: '45 DE AD 00 00' });
        return bytesOf(reply.success ? reply.data : '').subarray(2, 34).toString('ascii');
      };
      expect(await md5Of()).toBe(RECORDED_MD5);
      const other = '0123456789abcdef0123456789ABCDEF';
      await loadProgram({ 'build/debug-map.json': JSON.stringify({ ...(JSON.parse(DEBUG_MAP_TEXT) as object), md5: other }) });
      expect(await md5Of()).toBe(other.toLowerCase());
      socket.close();
    });
  });
});
