// The PLC program upload route of the loopback UI server, against the real HTTP server: who may upload, what is
// refused before the body is read (with the header named), that the bundle reaches `plc:upload` as the UI with
// confirm, from a 0600 file in the upload directory, and that the temporary file never outlives the request. The
// compile itself is a registry handler here (the orchestrator's implementation is tested with the runtime stand-in).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry, type CallContext } from '../../../../../electron/core/api/registry.js';
import { UiServer, type UiServerOptions } from '../../../../../electron/core/ui-server/server.js';
import { PROGRAM_UPLOAD } from '../../../../../shared/api/program-upload.js';
import type { CompileProgress } from '../../../../../shared/domain/plc.js';

const TOKEN = 'e'.repeat(64);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Seen = { input: { name: string; path: string; confirm: true }; ctx: CallContext; content: string; mode: number };
const done = (name: string, state: CompileProgress['state'] = 'SUCCESS', logs: string[] = ['[100%] Built target program']): CompileProgress => ({ name, state, logs, exit_code: state === 'SUCCESS' ? 0 : 2, error: null });

async function start(o: { compile?: (input: Seen['input']) => Promise<CompileProgress>; upload?: Partial<NonNullable<UiServerOptions['upload']>>; register?: boolean; limits?: UiServerOptions['limits'] } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'vplc-program-upload-'));
  cleanup.push(() => rmSync(root, { recursive: true, force: true }));
  const dir = path.join(root, 'uploads');
  const seen: Seen[] = [];
  const registry = new ApiRegistry();
  if (o.register !== false)
    registry.register('plc:upload', async (input, ctx) => {
      seen.push({ input, ctx, content: readFileSync(input.path, 'utf8'), mode: statSync(input.path).mode & 0o777 });
      return o.compile ? o.compile(input) : done(input.name);
    });
  const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0, upload: { dir, ...o.upload }, ...(o.limits ? { limits: o.limits } : {}) });
  await server.listen();
  cleanup.push(() => server.close());
  return { port: server.port, dir, seen };
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

function post(port: number, body: string, o: { headers?: Record<string, string | undefined>; method?: string } = {}): Promise<Answer> {
  const all: Record<string, string | undefined> = {
    host: `127.0.0.1:${port}`,
    'content-length': String(Buffer.byteLength(body)),
    [PROGRAM_UPLOAD.tokenHeader]: TOKEN,
    [PROGRAM_UPLOAD.vplcHeader]: 'plc1',
    [PROGRAM_UPLOAD.nameHeader]: encodeURIComponent('blink program.zip'),
    ...o.headers,
  };
  const headers = Object.fromEntries(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined));
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: PROGRAM_UPLOAD.path, method: o.method ?? 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('program upload: who may upload', () => {
  it('refuses no token, a wrong one, a token in a cookie, a foreign origin or Host, and other methods', async () => {
    const { port, dir, seen } = await start();
    expect((await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.tokenHeader]: undefined } })).status).toBe(401);
    expect((await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.tokenHeader]: 'f'.repeat(64) } })).status).toBe(401);
    expect((await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.tokenHeader]: TOKEN.slice(1) } })).status).toBe(401);
    expect((await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.tokenHeader]: undefined, cookie: `token=${TOKEN}` } })).status).toBe(401);
    expect((await post(port, 'PK', { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await post(port, 'PK', { headers: { host: `evil.example:${port}` } })).status).toBe(403);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const a = await post(port, '', { method });
      expect(a.status, method).toBe(405);
      expect(a.headers.allow).toBe('POST');
    }
    expect(seen).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('program upload: refused before the body is read', () => {
  it('names the missing or malformed header: no length (411), bad or missing vPLC name, bad file name, empty body', async () => {
    const { port, dir, seen } = await start();
    const chunked = await post(port, 'PK', { headers: { 'content-length': undefined, 'transfer-encoding': 'chunked' } });
    expect([chunked.status, chunked.body]).toEqual([411, 'content-length: give the length of the file\n']);
    const noVplc = await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.vplcHeader]: undefined } });
    expect(noVplc.status).toBe(400);
    expect(noVplc.body).toMatch(/^x-vplc-name: /);
    for (const bad of ['../etc', 'a b', '-x', 'x'.repeat(300), '%00', 'plc1;rm']) {
      const a = await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.vplcHeader]: bad } });
      expect(a.status, bad).toBe(400);
      expect(a.body, bad).toMatch(/^x-vplc-name: /);
    }
    expect((await post(port, 'PK', { headers: { [PROGRAM_UPLOAD.nameHeader]: '%E0%A4%A' } })).body).toBe(`${PROGRAM_UPLOAD.nameHeader}: must be percent-encoded\n`);
    expect(await post(port, '')).toMatchObject({ status: 400, body: 'content-length: the program bundle is empty\n' });
    expect(seen).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a bundle over the cap (413) and one that does not fit on the disk (507), naming the sizes', async () => {
    const { port, dir, seen } = await start({ upload: { programMaxBytes: 1024 * 1024 } });
    const big = await post(port, 'x'.repeat(1024 * 1024 + 1));
    expect([big.status, big.body]).toEqual([413, 'blink program.zip is 2 MiB; program bundles are limited to 1 MiB\n']);
    const full = await start({ upload: { freeBytes: () => Promise.resolve(256 * 1024 ** 2 + 1) } });
    const a = await post(full.port, 'PK zip');
    expect([a.status, a.body]).toEqual([507, 'not enough disk space for blink program.zip: 257 MiB free, the upload needs 1 MiB plus 256 MiB kept free\n']);
    expect(seen).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(full.dir)).toEqual([]);
  });

  it('caps at PROGRAM_UPLOAD.maxBytes by default', async () => {
    const { port } = await start();
    // Declared, not sent: the server answers before reading the body.
    const a = await post(port, 'x', { headers: { 'content-length': String(PROGRAM_UPLOAD.maxBytes + 1) } });
    expect([a.status, a.body]).toEqual([413, 'blink program.zip is 65 MiB; program bundles are limited to 64 MiB\n']);
  });
});

describe('program upload: hostile headers (seeded fuzz)', () => {
  it('answers every combination of random vPLC names, file names and lengths with a 4xx or the envelope, never a crash, and leaves no file', async () => {
    const { port, dir, seen } = await start();
    let seed = 0x5eed;
    const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const printable = (len: number): string => Array.from({ length: len }, () => String.fromCharCode(32 + rnd(95))).join('');
    let answered = 0;
    const lengths = ['', '-1', '1e3', '0x10', '99999999999999999999', ' 5', '5 ', 'abc'];
    for (let i = 0; i < 150; i++) {
      const vplc = rnd(4) === 0 ? 'plc1' : printable(rnd(70));
      const body = 'PK'.repeat(rnd(5));
      const length = rnd(3) === 0 ? (lengths[rnd(lengths.length)] as string) : String(body.length);
      const a = await post(port, body, { headers: { [PROGRAM_UPLOAD.vplcHeader]: vplc, [PROGRAM_UPLOAD.nameHeader]: printable(rnd(40)), 'content-length': length } }).catch(() => null);
      // Node's client refuses some malformed lengths itself; the server must answer every request it receives.
      if (a === null) continue;
      answered++;
      expect(a.status === 200 || (a.status >= 400 && a.status < 500), `${a.status} ${a.body}`).toBe(true);
    }
    expect(answered).toBeGreaterThan(100);
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) expect(s.input.name).toMatch(/^[A-Za-z0-9]/);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('program upload: the bundle and its compile', () => {
  it('reaches plc:upload as the UI with confirm, from a 0600 temporary .zip in the upload directory, removed after the answer', async () => {
    const { port, dir, seen } = await start();
    const a = await post(port, 'PK\u0003\u0004 program bytes');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toBe('application/json');
    expect(seen).toHaveLength(1);
    const s = seen[0] as Seen;
    expect(s.input.name).toBe('plc1');
    expect(s.input.confirm).toBe(true);
    expect(path.dirname(s.input.path)).toBe(dir);
    expect(s.input.path.endsWith('.zip')).toBe(true);
    expect(s.ctx).toEqual({ via: 'ws', client: 'ui' });
    expect(s.content).toBe('PK\u0003\u0004 program bytes');
    expect(s.mode).toBe(0o600);
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: done('plc1') });
    expect(existsSync(s.input.path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('answers a failed compile with its log, a refusal of the agent with its code, and names the chosen file, not the temporary one', async () => {
    const failed = await start({ compile: (i) => Promise.resolve(done(i.name, 'FAILED', ["program.cpp:3: error: 'x' was not declared"])) });
    expect(JSON.parse((await post(failed.port, 'PK')).body)).toEqual({ ok: true, value: done('plc1', 'FAILED', ["program.cpp:3: error: 'x' was not declared"]) });
    const thrown = await start({ compile: (i) => Promise.reject(new Error(`cannot read ${i.path}: not a zip`)) });
    expect(JSON.parse((await post(thrown.port, 'PK')).body)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'cannot read blink program.zip: not a zip' } });
    expect(readdirSync(thrown.dir)).toEqual([]);
    const unbuilt = await start({ register: false });
    expect(JSON.parse((await post(unbuilt.port, 'PK')).body)).toMatchObject({ ok: false, error: { code: 'UNAVAILABLE' } });
    expect(readdirSync(unbuilt.dir)).toEqual([]);
  });

  it('outlasts the idle timeout while the runtime compiles (no bytes cross the socket then)', async () => {
    const { port } = await start({ compile: (i) => new Promise((resolve) => setTimeout(() => resolve(done(i.name)), 600)), limits: { idleTimeoutMs: 100 } });
    const a = await post(port, 'slow compile');
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: done('plc1') });
  });

  it('removes the file when the client goes away mid-upload, and the compile never starts', async () => {
    const { port, dir, seen } = await start();
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: PROGRAM_UPLOAD.path,
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-length': String(4 * 1024 * 1024), [PROGRAM_UPLOAD.tokenHeader]: TOKEN, [PROGRAM_UPLOAD.vplcHeader]: 'plc1' },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(512 * 1024));
    await expect.poll(() => readdirSync(dir).length, { timeout: 5_000 }).toBe(1);
    req.destroy();
    await expect.poll(() => readdirSync(dir), { timeout: 5_000 }).toEqual([]);
    expect(seen).toEqual([]);
  });

  it('takes one upload per vPLC at a time (409), another vPLC meanwhile, and sweeps its own leftovers at start', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'vplc-program-upload-'));
    cleanup.push(() => rmSync(root, { recursive: true, force: true }));
    writeFileSync(path.join(root, `${'a'.repeat(32)}.program.zip`), 'left over');
    writeFileSync(path.join(root, 'keep.zip'), 'not ours');
    const release: Array<() => void> = [];
    const registry = new ApiRegistry();
    registry.register('plc:upload', ({ name }) => new Promise((resolve) => release.push(() => resolve(done(name)))));
    const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0, upload: { dir: root } });
    await server.listen();
    cleanup.push(() => server.close());
    expect(readdirSync(root)).toEqual(['keep.zip']);
    const first = post(server.port, 'first');
    await expect.poll(() => release.length, { timeout: 5_000 }).toBe(1);
    const again = await post(server.port, 'second');
    expect([again.status, again.body]).toEqual([409, 'another program upload to plc1 is in progress; try again when it has finished\n']);
    const other = post(server.port, 'other', { headers: { [PROGRAM_UPLOAD.vplcHeader]: 'plc2' } });
    await expect.poll(() => release.length, { timeout: 5_000 }).toBe(2);
    for (const r of release) r();
    expect((await first).status).toBe(200);
    expect(JSON.parse((await other).body)).toEqual({ ok: true, value: done('plc2') });
    expect(readdirSync(root)).toEqual(['keep.zip']);
  });
});
