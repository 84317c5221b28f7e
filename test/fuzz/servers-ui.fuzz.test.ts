/**
 * The loopback UI server (static renderer + the WebSocket bridge at /api) under hostile input:
 * - HTTP_RUNS malformed and hostile HTTP requests over raw TCP sockets (see servers-support.ts);
 * - WS_RUNS hostile WebSocket frames: bad JSON, wrong shapes, binary, oversized, repeated auth, unknown channels,
 *   invalid input, invoke floods, anything before authentication, and protocol-level garbage written on raw sockets
 *   (unmasked, reserved bits, bad opcodes, invalid UTF-8, oversized or fragmented control frames, bad close codes).
 * Every request and frame is answered (a 4xx, an error message, a result or a close), the server keeps serving and
 * its heap stays bounded.
 * Runs: 2,000 requests + 200 frames by default (about 4-6 s); `npm run test:fuzz` runs 10,000 + 1,000 (about 11-20 s
 * on a 2-core machine). VPLC_FUZZ_SEED replays a failing run (its seed is in the failure message).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EventHub } from '../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../electron/core/api/registry.js';
import { UiServer } from '../../electron/core/ui-server/server.js';
import { exchange, heapAfterGc, HTTP_RUNS, rng, runHttpFuzz, WS_RUNS, type Case, type Rand } from './servers-support.js';

const TOKEN = randomBytes(16).toString('hex');
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-ui-fuzz-'));
mkdirSync(path.join(dir, 'assets'));
writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>ui</title>\n');
writeFileSync(path.join(dir, 'assets', 'app.js'), 'console.log(1);\n');
const warnings: string[] = [];
const registry = new ApiRegistry();
registry.register('vplc:list', () => Promise.resolve([]));
const server = new UiServer({
  registry,
  events: new EventHub(),
  token: TOKEN,
  port: 0,
  staticDir: dir,
  log: { warn: (m) => void warnings.push(m) },
  // Short request timeouts so that the slow-head cases are answered (408) within the run.
  limits: { headersTimeoutMs: 400, requestTimeoutMs: 800 },
  wsLimits: { maxClients: 64 },
});

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (target: string): Promise<{ status: number; headers: http.IncomingHttpHeaders }> =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: server.port, path: target, headers: { host: `127.0.0.1:${server.port}` } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });

type Msg = { t: string; id?: number; message?: string; envelope?: { ok: boolean; error?: { code: string } } };
type Outcome = { kind: 'message'; msg: Msg } | { kind: 'close'; code: number };

/** A ws client with a queue of what the server sent: each next() is one message or the close. */
class Client {
  private readonly queue: Outcome[] = [];
  private waiter: ((o: Outcome) => void) | null = null;
  closed: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.push({ kind: 'message', msg: JSON.parse(d.toString()) as Msg }));
    ws.on('close', (code) => {
      this.closed = code;
      this.push({ kind: 'close', code });
    });
    ws.on('error', () => undefined);
  }
  private push(o: Outcome): void {
    const w = this.waiter;
    this.waiter = null;
    if (w) w(o);
    else this.queue.push(o);
  }
  next(): Promise<Outcome> {
    const o = this.queue.shift();
    if (o) return Promise.resolve(o);
    if (this.closed !== null) return Promise.resolve({ kind: 'close', code: this.closed });
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer from the server within 10 s')), 10_000);
      this.waiter = (x) => {
        clearTimeout(t);
        resolve(x);
      };
    });
  }
  static async open(auth = true): Promise<Client> {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/api`, { maxPayload: 64 * 1024 * 1024 });
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    const c = new Client(ws);
    if (auth) {
      ws.send(JSON.stringify({ t: 'auth', token: TOKEN }));
      const o = await c.next();
      if (o.kind !== 'message' || o.msg.t !== 'authed') throw new Error(`not authed: ${JSON.stringify(o)}`);
    }
    return c;
  }
}

/** One WebSocket frame: masked as a client must (unless told otherwise), with the given first-byte flags. */
function frame(opcode: number, payload: Buffer, o: { fin?: boolean; rsv?: number; mask?: boolean; lengthOverride?: bigint } = {}): Buffer {
  const first = ((o.fin ?? true) ? 0x80 : 0) | ((o.rsv ?? 0) << 4) | opcode;
  const mask = o.mask ?? true;
  const len = o.lengthOverride ?? BigInt(payload.length);
  let head: Buffer;
  if (len < 126n) head = Buffer.from([first, (mask ? 0x80 : 0) | Number(len)]);
  else if (len < 65536n) {
    head = Buffer.alloc(4);
    head.writeUInt8(first, 0);
    head.writeUInt8((mask ? 0x80 : 0) | 126, 1);
    head.writeUInt16BE(Number(len), 2);
  } else {
    head = Buffer.alloc(10);
    head.writeUInt8(first, 0);
    head.writeUInt8((mask ? 0x80 : 0) | 127, 1);
    head.writeBigUInt64BE(len, 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  const body = Buffer.from(payload.map((b, i) => b ^ (key[i % 4] as number)));
  return Buffer.concat([head, key, body]);
}

/** Raw protocol garbage after a real handshake: the server answers with a close frame, a pong, or closes the socket. */
async function rawFrame(bytes: Buffer): Promise<'close-frame' | 'pong' | 'socket-closed'> {
  const sock = net.connect(server.port, '127.0.0.1');
  sock.on('error', () => undefined);
  const key = randomBytes(16).toString('base64');
  sock.write(`GET /api HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${key}\r\n\r\n`);
  let buf = Buffer.alloc(0);
  let wrote = false;
  try {
    return await new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no answer to a raw frame within 10 s')), 10_000);
      const done = (x: 'close-frame' | 'pong' | 'socket-closed'): void => {
        clearTimeout(t);
        resolve(x);
      };
      sock.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        if (!wrote) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          if (!buf.subarray(0, 12).toString().startsWith('HTTP/1.1 101')) return reject(new Error(`handshake refused: ${buf.subarray(0, 60).toString()}`));
          buf = buf.subarray(end + 4);
          wrote = true;
          sock.write(bytes);
        }
        if (buf.length >= 2) {
          const op = (buf[0] as number) & 0x0f;
          if (op === 0x8) done('close-frame');
          else if (op === 0xa) done('pong');
        }
      });
      sock.on('close', () => done('socket-closed'));
    });
  } finally {
    sock.destroy();
  }
}

const text = (s: string): Buffer => Buffer.from(s);
const RAW_FRAMES: Array<[string, () => Buffer]> = [
  ['unmasked text', () => frame(0x1, text('{"t":"auth"}'), { mask: false })],
  ['reserved bits', () => frame(0x1, text('{}'), { rsv: 0b111 })],
  ['reserved opcode 0x3', () => frame(0x3, text('x'))],
  ['reserved control opcode 0xb', () => frame(0xb, text('x'))],
  ['invalid UTF-8 text', () => frame(0x1, Buffer.from([0xc3, 0x28, 0xff]))],
  ['fragmented ping', () => frame(0x9, text('p'), { fin: false })],
  ['ping over 125 bytes', () => frame(0x9, Buffer.alloc(200, 1))],
  ['close with code 999', () => frame(0x8, Buffer.from([0x03, 0xe7]))],
  ['close with a 1-byte body', () => frame(0x8, Buffer.from([0x03]))],
  ['continuation without a start', () => frame(0x0, text('x'))],
  ['length of 2^63-1', () => frame(0x2, Buffer.alloc(0), { lengthOverride: 2n ** 63n - 1n })],
  ['length over maxPayload', () => frame(0x1, Buffer.alloc(0), { lengthOverride: 5n * 1024n * 1024n })],
  ['ping', () => frame(0x9, text('hello'))],
];

type Hostile = { kind: string; send(c: Client): void; frames: number; accept(o: Outcome[]): boolean };
const isError = (o: Outcome): boolean => o.kind === 'message' && o.msg.t === 'error';
const isResult = (code?: string) => (o: Outcome) => o.kind === 'message' && o.msg.t === 'result' && (code === undefined || o.msg.envelope?.error?.code === code);

function hostileAuthed(r: Rand): Hostile {
  const n = int(r, 0, 8);
  const nextId = (): number => int(r, 1, 2 ** 31);
  const garbage = (): string => bytesOf(r, int(r, 1, 64)).toString('latin1');
  const one = (kind: string, payload: string | Buffer, accept: (o: Outcome) => boolean): Hostile => ({ kind, frames: 1, send: (c) => c.ws.send(payload), accept: ([o]) => o !== undefined && accept(o) });
  if (n === 0) return one('bad JSON', pickOf(r, ['{', '{"t":', 'nul', '[1,2', garbage(), '\u0000', '']), isError);
  if (n === 1)
    return one(
      'wrong shape',
      JSON.stringify(pickOf(r, [1, 'x', null, [], { t: 'invoke' }, { t: 'invoke', id: 'a', channel: 'vplc:list' }, { t: 'invoke', id: 1.5, channel: 'vplc:list' }, { t: 'invoke', id: 1, channel: 7 }, { t: 'nope' }, { t: 'invoke', id: 2 ** 60, channel: 'vplc:list' }])),
      isError,
    );
  if (n === 2) return one('repeated auth', JSON.stringify({ t: 'auth', token: pickOf(r, [TOKEN, 'wrong']) }), isError);
  if (n === 3) return one('unknown channel', JSON.stringify({ t: 'invoke', id: nextId(), channel: pickOf(r, ['nope', '__proto__', 'constructor', 'vplc:list ', 'x'.repeat(10_000)]), input: {} }), isResult('UNKNOWN_CHANNEL'));
  if (n === 4) return one('invalid input', JSON.stringify({ t: 'invoke', id: nextId(), channel: 'vplc:create', input: pickOf(r, [null, 1, 'x', [], { name: 5 }, { name: '../x', vnics: 'no' }]) }), isResult());
  if (n === 5) return one('binary frame', bytesOf(r, int(r, 1, 256)), isError);
  if (n === 6) return one('deeply nested JSON', '['.repeat(100_000) + ']'.repeat(100_000), isError);
  if (n === 7) return one('oversized message', 'x'.repeat(4 * 1024 * 1024 + 1), (o) => o.kind === 'close' && o.code === 1009);
  const burst = int(r, 20, 120);
  return {
    kind: `flood of ${burst} invokes`,
    frames: burst,
    send: (c) => {
      for (let i = 0; i < burst; i++) c.ws.send(JSON.stringify({ t: 'invoke', id: i, channel: 'vplc:list', input: {} }));
    },
    accept: (os) => os.length === burst && os.every((o) => isResult()(o) && (o.kind !== 'message' || o.msg.envelope?.ok === true || o.msg.envelope?.error?.code === 'UNAVAILABLE')),
  };
}

const pickOf = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const bytesOf = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0, 255)));

describe('UI server: regressions', () => {
  it('answers GET /% with a valid Host 400 and keeps serving (it crashed the agent)', async () => {
    const c: Case = { kind: 'GET /%', data: Buffer.from(`GET /% HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`), end: true, head: false };
    expect((await exchange(server.port, c, 5_000)).status).toBe(400);
    expect((await get('/')).status).toBe(200);
  });

  it('answers GET // 400 and sends the security headers on every answer', async () => {
    const bad = await get('//');
    const good = await get('/');
    for (const a of [bad, good]) {
      expect(a.headers['x-content-type-options']).toBe('nosniff');
      expect(a.headers['x-frame-options']).toBe('DENY');
      expect(a.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    }
    expect(bad.status).toBe(400);
  });
});

describe('UI server: raw-socket HTTP fuzz', () => {
  it(`answers ${HTTP_RUNS} malformed and hostile requests, keeps serving, and its heap stays bounded`, { timeout: 300_000 }, async () => {
    const { seed, problems, statuses, heapGrowth: grown } = await runHttpFuzz(server.port, (st) => st === 101 || (st >= 200 && st < 500));
    expect(problems, `seed ${seed}`).toEqual([]);
    expect((await get('/')).status).toBe(200);
    expect(grown, `heap grew by ${grown} bytes`).toBeLessThan(16 * 1024 * 1024);
    expect(warnings).toEqual([]);
    for (const s of [101, 200, 400, 403, 404, 405, 408, 431]) expect(statuses.get(s) ?? 0, `answers ${s} (seed ${seed})`).toBeGreaterThan(0);
  });
});

describe('UI server: hostile WebSocket frames', () => {
  it('closes a socket that sends anything but a valid auth first (4401)', async () => {
    for (const payload of [JSON.stringify({ t: 'invoke', id: 1, channel: 'vplc:list', input: {} }), '{', JSON.stringify({ t: 'auth', token: 'wrong' }), Buffer.from([1, 2, 3])]) {
      const c = await Client.open(false);
      c.ws.send(payload);
      expect(await c.next()).toEqual({ kind: 'close', code: 4401 });
    }
  });

  it(`answers ${WS_RUNS} hostile frames with an error, a result or a close, and keeps serving`, { timeout: 300_000 }, async () => {
    const seed = Number(process.env.VPLC_FUZZ_SEED ?? randomInt(2 ** 31));
    const r = rng(seed);
    const before = heapAfterGc();
    const problems: string[] = [];
    let sent = 0;
    let client = await Client.open();
    while (sent < WS_RUNS) {
      if (r() < 0.15) {
        const [kind, make] = pickOf(r, RAW_FRAMES);
        const answer = await rawFrame(make()).catch((err: Error) => err.message);
        const expected = kind === 'ping' ? ['pong'] : ['close-frame', 'socket-closed'];
        if (!expected.includes(answer) && problems.length < 10) problems.push(`${kind} → ${answer}`);
        sent++;
        continue;
      }
      if (client.closed !== null) client = await Client.open();
      const h = hostileAuthed(r);
      h.send(client);
      const got: Outcome[] = [];
      try {
        for (let i = 0; i < h.frames; i++) {
          const o = await client.next();
          got.push(o);
          if (o.kind === 'close') break;
        }
      } catch (err) {
        problems.push(`${h.kind} → ${(err as Error).message}`);
      }
      if (!h.accept(got) && problems.length < 10) problems.push(`${h.kind} → ${JSON.stringify(got.slice(0, 3)).slice(0, 300)}`);
      sent += h.frames;
    }
    client.ws.close();
    expect(problems, `seed ${seed}`).toEqual([]);
    const alive = await Client.open();
    alive.ws.send(JSON.stringify({ t: 'invoke', id: 1, channel: 'vplc:list', input: {} }));
    expect(await alive.next()).toEqual({ kind: 'message', msg: { t: 'result', id: 1, envelope: { ok: true, value: [] } } });
    alive.ws.close();
    expect((await get('/')).status).toBe(200);
    const grown = heapAfterGc() - before;
    expect(grown, `heap grew by ${grown} bytes`).toBeLessThan(32 * 1024 * 1024);
    expect(warnings).toEqual([]);
  });
});
