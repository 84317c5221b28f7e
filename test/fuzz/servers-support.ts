import { randomInt } from 'node:crypto';
// Raw-socket HTTP fuzzing of the agent's loopback servers: a seeded generator of malformed and hostile requests, an
// exchange over a plain TCP socket (no well-behaved client in between), and a parser of the first answer.
import net from 'node:net';
import { runInNewContext } from 'node:vm';
import v8 from 'node:v8';

/** mulberry32: small, seeded, good enough to pick cases reproducibly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rand = ReturnType<typeof rng>;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
const bytes = (r: Rand, n: number): Buffer => Buffer.from(Array.from({ length: n }, () => int(r, 0, 255)));

export type Case = {
  /** What the case is, for failure messages. */
  kind: string;
  data: Buffer;
  /**
   * Half-close after writing (garbage only). Node drops a request whose client half-closed before the answer (its
   * default for `httpAllowHalfOpen`), so request-shaped cases keep the socket open like a browser does.
   */
  end: boolean;
  /** Acceptable statuses of the first answer, when the case pins them. */
  expect?: number[];
  head: boolean;
};

/** Request targets a hostile page or tool would try; `{port}` is this server's. */
const HOSTILE_TARGETS = [
  '/%',
  '//',
  '///',
  '//evil.example/',
  '/%zz',
  '/%e0%80',
  '/%c0%af',
  '/%ff',
  '/%00',
  '/a%',
  '/%2',
  '/%%32%65',
  '/%2e%2e/%2e%2e/etc/passwd',
  '/..%2f..%2fetc/passwd',
  '/../../../../etc/passwd',
  '/assets/../index.html',
  '/.',
  '/%2F%2Fevil.example',
  '/\\evil.example',
  '/a\\b',
  '/%5cevil',
  '/%0d%0aSet-Cookie:%20x=1',
  '/index.html#frag',
  '/metrics?%zz',
  '/health?x=%',
  'http://127.0.0.1:{port}/metrics',
  'http://127.0.0.1:{port}/',
  'http://evil.example/',
  'https://evil.example/health',
  '*',
  '127.0.0.1:{port}',
  'index.html',
  '',
];
const PLAIN_TARGETS = ['/', '/index.html', '/metrics', '/health', '/api', '/assets/app.js', '/missing', '/metrics?x=1', '/%F0%9F%98%80', '/health/'];
const METHODS = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'TRACE', 'PATCH', 'CONNECT', 'get', 'PRI', 'G ET', 'GET\0', 'M-SEARCH', 'X'.repeat(40)];
const VERSIONS = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/0.9', 'HTTP/1.1x', 'FOO/1.1', 'HTTP/11', ''];

function randomTarget(r: Rand): string {
  const alphabet = 'abcXYZ019/-._~%?#&=;:@!$()*+,\\"<>[]^`{|} \t\x01\x7f';
  let s = '/';
  for (let i = int(r, 0, 30); i > 0; i--) s += r() < 0.1 ? String.fromCharCode(int(r, 0x80, 0x2fff)) : pick(r, [...alphabet]);
  return s;
}

function hostHeader(r: Rand, port: number): string[] {
  return pick(r, [
    [`Host: 127.0.0.1:${port}`],
    [`Host: 127.0.0.1:${port}`],
    [`Host: 127.0.0.1:${port}`],
    [`Host: localhost:${port}`],
    [],
    ['Host: evil.example'],
    [`Host: 127.0.0.1:${port}`, 'Host: evil.example'],
    [`Host: 127.0.0.1:${port}\x00`],
    [`Host: 127.0.0.1:${port}.evil.example`],
    ['Host:'],
  ]);
}

function extraHeaders(r: Rand, port: number): { lines: string[]; body: Buffer } {
  const lines: string[] = [];
  let body: Buffer = Buffer.alloc(0);
  for (let n = int(r, 0, 3); n > 0; n--) {
    const which = int(r, 0, 19);
    if (which === 0) {
      body = bytes(r, int(r, 1, 200));
      lines.push(`Content-Length: ${body.length}`);
    } else if (which === 1) lines.push(`Content-Length: ${pick(r, ['-1', 'abc', '1e3', '99999999999999999999', ' 5', '5, 6'])}`);
    else if (which === 2) lines.push('Content-Length: 5', 'Content-Length: 7');
    else if (which === 3) {
      lines.push('Transfer-Encoding: chunked');
      body = Buffer.from(pick(r, ['5\r\nhello\r\n0\r\n\r\n', 'zz\r\nxx\r\n', 'ffffffffffffffffff\r\n', '5;' + 'x'.repeat(20_000) + '\r\nhello\r\n0\r\n\r\n', '0\r\n\r\n']));
    } else if (which === 4) lines.push('Transfer-Encoding: chunked', 'Content-Length: 3');
    else if (which === 5) lines.push(`Transfer-Encoding: ${pick(r, ['gzip', 'chunked, identity', 'xchunked'])}`);
    else if (which === 6) lines.push('Expect: 100-continue');
    else if (which === 7) lines.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${pick(r, ['dGhlIHNhbXBsZSBub25jZQ==', 'short', ''])}`);
    else if (which === 8) lines.push('Connection: Upgrade', `Upgrade: ${pick(r, ['h2c', 'websocket', 'foo'])}`);
    else if (which === 9) lines.push('NoColonHere');
    else if (which === 10) lines.push('Bad Name: x');
    else if (which === 11) lines.push('X-Folded: a', ' continued');
    else if (which === 12) lines.push(`X-Nul: a\x00b`);
    else if (which === 13) lines.push(`X-Huge: ${'h'.repeat(int(r, 17_000, 40_000))}`);
    else if (which === 14) for (let i = 0; i < 500; i++) lines.push(`X-Many-${i}: ${'v'.repeat(40)}`);
    else if (which === 15) lines.push(`Origin: ${pick(r, ['http://evil.example', `http://127.0.0.1:${port}`, 'null'])}`);
    else if (which === 16) lines.push('Connection: close');
    else if (which === 17) lines.push(`X-Latin: ${String.fromCharCode(int(r, 0x80, 0xff))}`);
    else if (which === 18) lines.push('Content-Length: 100');
    else lines.push(`X-Random: ${bytes(r, int(r, 1, 30)).toString('latin1')}`);
  }
  return { lines, body };
}

/** Known-malformed targets that must be refused with exactly 400, whatever the method (given a valid Host). */
const MUST_400 = new Set(['/%', '//', '///', '//evil.example/', '/%zz', '/%ff', '/%00', '/a%', '/%2', '/%2e%2e/%2e%2e/etc/passwd', '/\\evil.example', '/%5cevil', 'http://evil.example/', '*']);

/** One generated case: about 1 in 12 raw garbage, 1 in 50 slow (head never finished), 1 in 25 a WebSocket upgrade, 1 in 50 well-formed. */
export function makeCase(r: Rand, port: number): Case {
  const roll = r();
  if (roll < 0.08) {
    let data: Buffer = bytes(r, int(r, 1, 600));
    if (!/[^\s]/.test(data.toString('latin1'))) data = Buffer.concat([data, Buffer.from('x')]);
    return { kind: 'garbage bytes', data, end: true, head: false };
  }
  if (roll < 0.1) {
    const method = pick(r, ['GET', 'POST']);
    return { kind: 'slow head', data: Buffer.from(`${method} / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nX-Slow: `), end: false, expect: [408], head: false };
  }
  if (roll < 0.14) {
    // A WebSocket upgrade to the UI server's /api, valid or with one part wrong (a plain 4xx on the metrics server).
    const parts = [
      'GET /api HTTP/1.1',
      `Host: 127.0.0.1:${port}`,
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    ];
    const wrong: Array<[number, string[]]> = [
      [0, ['POST /api HTTP/1.1', 'GET / HTTP/1.1', 'GET //api HTTP/1.1', 'GET /api?x=1 HTTP/1.1', 'GET /api HTTP/1.0']],
      [1, ['Host: evil.example', `Host: localhost:${port}`]],
      [3, ['Upgrade: h2c', 'Upgrade: websocket, foo']],
      [4, ['Sec-WebSocket-Version: 8', 'Sec-WebSocket-Version: 99']],
      [5, ['Sec-WebSocket-Key: short', 'Sec-WebSocket-Key:']],
    ];
    let extra: string[] = [];
    if (r() < 0.5) {
      const [at, options] = pick(r, wrong);
      parts[at] = pick(r, options);
      extra = pick(r, [[], ['Origin: http://evil.example'], [`Origin: http://127.0.0.1:${port}`], ['Content-Length: 4']]);
    }
    const lines = [...parts, ...extra];
    return { kind: `upgrade ${JSON.stringify(lines)}`, data: Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), end: false, head: false };
  }
  if (roll < 0.16) {
    // A well-formed request among the hostile ones (about 40 a run), so every run also sees the servers' 200s.
    const target = pick(r, ['/', '/health']);
    return { kind: `clean GET ${target}`, data: Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`), end: false, head: false };
  }
  const method = pick(r, METHODS);
  const hostile = r() < 0.5;
  const rawTarget = hostile ? pick(r, HOSTILE_TARGETS) : r() < 0.5 ? pick(r, PLAIN_TARGETS) : randomTarget(r);
  const target = rawTarget.replaceAll('{port}', String(port));
  const version = pick(r, VERSIONS);
  const eol = r() < 0.9 ? '\r\n' : pick(r, ['\n', '\r']);
  const host = hostHeader(r, port);
  const extra = extraHeaders(r, port);
  const head = [`${method} ${target} ${version}`.trimEnd(), ...host, ...extra.lines].join(eol) + eol + eol;
  const pipelined = r() < 0.05 ? Buffer.from(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`) : Buffer.alloc(0);
  const data = Buffer.concat([Buffer.from(head, 'latin1'), extra.body, pipelined]);
  const clean = method === 'GET' && version === 'HTTP/1.1' && eol === '\r\n' && host.length === 1 && host[0] === `Host: 127.0.0.1:${port}` && extra.lines.length === 0;
  return {
    kind: `${JSON.stringify(method)} ${JSON.stringify(target.slice(0, 80))} ${JSON.stringify(version)} headers=${JSON.stringify(extra.lines.map((l) => l.slice(0, 40)))}`,
    data,
    end: false,
    head: method === 'HEAD',
    ...(clean && MUST_400.has(rawTarget) ? { expect: [400] } : {}),
  };
}

export type Answer = { status: number | null; raw: string };

/**
 * Writes the case on a fresh TCP connection and resolves with the first final answer's status (1xx interim answers
 * skipped), or null when the server closed without one. Rejects when nothing at all happens within `deadlineMs`.
 */
export function exchange(port: number, c: Case, deadlineMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    let buf = Buffer.alloc(0);
    let settled = false;
    const done = (a: Answer | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sock.destroy();
      if (a instanceof Error) reject(a);
      else resolve(a);
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${deadlineMs} ms to ${c.kind}`)), deadlineMs);
    const parse = (final: boolean): void => {
      for (;;) {
        const text = buf.toString('latin1');
        const end = text.indexOf('\r\n\r\n');
        if (end < 0) break;
        const m = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
        if (!m) return done({ status: null, raw: text.slice(0, 200) });
        const status = Number(m[1]);
        if (status === 100) {
          buf = buf.subarray(end + 4);
          continue;
        }
        const length = /\r\ncontent-length: *(\d+)/i.exec(text.slice(0, end));
        const chunked = /\r\ntransfer-encoding: *chunked/i.test(text.slice(0, end));
        const bodyDone = c.head || status === 101 || status === 204 || status === 304 || (length ? buf.length >= end + 4 + Number(length[1]) : chunked ? text.includes('\r\n0\r\n\r\n', end) : final);
        if (bodyDone || final) return done({ status, raw: text.slice(0, 200) });
        return;
      }
      if (final) done({ status: null, raw: buf.toString('latin1').slice(0, 200) });
    };
    sock.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      parse(false);
    });
    sock.on('end', () => parse(true));
    sock.on('close', () => parse(true));
    sock.on('error', () => parse(true));
    sock.write(c.data, () => {
      if (c.end) sock.end();
    });
  });
}

/** Runs `fn` over `items` with at most `width` at a time. */
export async function pool<T>(items: T[], width: number, fn: (item: T, i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i] as T, i);
      }
    }),
  );
}

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
v8.setFlagsFromString('--no-expose-gc');

/** Heap in use after a full collection (the servers run in this process). */
export function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/**
 * The heap once the sockets of the last requests have closed: the lowest of a few collected readings 100 ms apart, so
 * a loaded machine (closes still in flight at the first reading) does not look like a leak. A real leak stays in all.
 */
export async function settledHeap(): Promise<number> {
  let low = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setTimeout(r, 100));
    low = Math.min(low, heapAfterGc());
  }
  return low;
}

/** Runs per server: VPLC_FUZZ_RUNS (10,000 in `npm run test:fuzz`), 2,000 by default. */
export const HTTP_RUNS = Number(process.env.VPLC_FUZZ_RUNS ?? 2_000);
/** A tenth of that in hostile WebSocket frames (1,000 in `npm run test:fuzz`). */
export const WS_RUNS = Math.max(100, Math.floor(HTTP_RUNS / 10));

export type HttpFuzzOutcome = { seed: number; problems: string[]; statuses: Map<number | null, number>; heapGrowth: number };

/**
 * Sends HTTP_RUNS generated requests (16 at a time) over raw sockets and records what came back. The first 200 warm the
 * server up; the heap growth is measured from there. `answered` says which statuses count as an answer.
 */
export async function runHttpFuzz(port: number, answered: (status: number) => boolean): Promise<HttpFuzzOutcome> {
  const seed = Number(process.env.VPLC_FUZZ_SEED ?? randomInt(2 ** 31));
  const r = rng(seed);
  const cases = Array.from({ length: HTTP_RUNS }, () => makeCase(r, port));
  const problems: string[] = [];
  const statuses = new Map<number | null, number>();
  const check = async (c: Case): Promise<void> => {
    const a = await exchange(port, c, 10_000).catch((err: Error) => ({ status: null, raw: err.message }));
    statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    const ok = a.status !== null && answered(a.status) && (!c.expect || c.expect.includes(a.status));
    if (!ok && problems.length < 10) problems.push(`${c.kind} → ${a.status} ${JSON.stringify(a.raw.slice(0, 120))}`);
  };
  await pool(cases.slice(0, 200), 16, check);
  const before = await settledHeap();
  await pool(cases.slice(200), 16, check);
  return { seed, problems, statuses, heapGrowth: (await settledHeap()) - before };
}
