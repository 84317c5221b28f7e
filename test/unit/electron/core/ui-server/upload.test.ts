// The image upload route of the loopback UI server, against the real HTTP server: who may upload, what is refused
// before the body is read, and that the temporary file never outlives the request (loaded, refused or aborted). The
// load itself is a registry handler here; test/integration/agent/image-upload.int.test.ts loads into the real dockerd.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { UiServer, type UiServerOptions } from '../../../../../electron/core/ui-server/server.js';
import { IMAGE_UPLOAD, newUploadId } from '../../../../../shared/api/image-upload.js';

const TOKEN = 'b'.repeat(64);
const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Loaded = { path: string; content: string };

async function start(o: { load?: (p: string) => Promise<unknown>; upload?: Partial<NonNullable<UiServerOptions['upload']>>; limits?: UiServerOptions['limits'] } = {}): Promise<{ port: number; dir: string; loads: Loaded[] }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-upload-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const loads: Loaded[] = [];
  const registry = new ApiRegistry();
  registry.register('images:load', async ({ path: p }) => {
    loads.push({ path: p, content: readFileSync(p, 'utf8') });
    return (await o.load?.(p)) as { file: string; loaded: string[] } ?? { file: p, loaded: ['repo/runtime:1'] };
  });
  const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0, upload: { dir: path.join(dir, 'uploads'), ...o.upload }, ...(o.limits ? { limits: o.limits } : {}) });
  await server.listen();
  cleanup.push(() => server.close());
  return { port: server.port, dir: path.join(dir, 'uploads'), loads };
}

type Answer = { status: number; headers: http.IncomingHttpHeaders; body: string };

function post(port: number, body: string, o: { headers?: Record<string, string | undefined>; method?: string; path?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const all = { host: `127.0.0.1:${port}`, 'content-length': String(Buffer.byteLength(body)), [IMAGE_UPLOAD.tokenHeader]: TOKEN, [IMAGE_UPLOAD.nameHeader]: encodeURIComponent('runtime 4.2.tar'), [IMAGE_UPLOAD.idHeader]: newUploadId(), ...o.headers };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) headers[k] = v;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: o.path ?? IMAGE_UPLOAD.path, method: o.method ?? 'POST', headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('image upload: who may upload', () => {
  it('refuses a request without the token, with a wrong one, from a foreign origin or a foreign Host', async () => {
    const { port, dir, loads } = await start();
    expect((await post(port, 'x', { headers: { [IMAGE_UPLOAD.tokenHeader]: undefined } })).status).toBe(401);
    expect((await post(port, 'x', { headers: { [IMAGE_UPLOAD.tokenHeader]: 'c'.repeat(64) } })).status).toBe(401);
    // A token in a cookie is no token: only the header counts (a foreign page cannot set it without a preflight).
    expect((await post(port, 'x', { headers: { [IMAGE_UPLOAD.tokenHeader]: undefined, cookie: `token=${TOKEN}` } })).status).toBe(401);
    expect((await post(port, 'x', { headers: { origin: 'http://evil.example' } })).status).toBe(403);
    expect((await post(port, 'x', { headers: { host: `evil.example:${port}` } })).status).toBe(403);
    expect(loads).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses other methods with Allow: POST, and a server without an upload directory answers 404', async () => {
    const { port } = await start();
    for (const method of ['GET', 'PUT', 'OPTIONS']) {
      const a = await post(port, '', { method });
      expect(a.status, method).toBe(405);
      expect(a.headers.allow).toBe('POST');
    }
    const registry = new ApiRegistry();
    const bare = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0 });
    await bare.listen();
    cleanup.push(() => bare.close());
    expect((await post(bare.port, 'x')).status).toBe(404);
  });
});

describe('image upload: refused before the body is read', () => {
  it('refuses an upload over the cap with 413 and one that does not fit on the disk with 507, naming the sizes', async () => {
    const { port, dir, loads } = await start({ upload: { maxBytes: 1024 * 1024, freeBytes: () => Promise.resolve(300 * 1024 ** 2), reserveBytes: 256 * 1024 ** 2 } });
    const big = await post(port, 'x'.repeat(1024 * 1024 + 1));
    expect(big.status).toBe(413);
    expect(big.body).toBe('runtime 4.2.tar is 2 MiB; uploads are limited to 1 MiB. Copy the file to this PC and load it by path instead.\n');
    const { port: p2, dir: d2 } = await start({ upload: { freeBytes: () => Promise.resolve(256 * 1024 ** 2 + 10) } });
    const full = await post(p2, 'x'.repeat(11));
    expect(full.status).toBe(507);
    expect(full.body).toBe(`not enough disk space for runtime 4.2.tar: the filesystem of ${d2} has 257 MiB free, the upload needs 1 MiB plus 256 MiB kept free\n`);
    expect(loads).toEqual([]);
    expect(readdirSync(dir)).toEqual([]);
    expect(readdirSync(d2)).toEqual([]);
  });

  it('names the header that is missing or malformed (length, name, id)', async () => {
    const { port } = await start();
    const chunked = await post(port, 'x', { headers: { 'content-length': undefined, 'transfer-encoding': 'chunked' } });
    expect(chunked.status).toBe(411);
    expect(chunked.body).toBe('content-length: give the length of the file\n');
    expect((await post(port, 'x', { headers: { [IMAGE_UPLOAD.nameHeader]: '%E0%A4%A' } })).body).toBe(`${IMAGE_UPLOAD.nameHeader}: must be percent-encoded\n`);
    const badId = await post(port, 'x', { headers: { [IMAGE_UPLOAD.idHeader]: '../../etc' } });
    expect(badId.status).toBe(400);
    expect(badId.body).toBe(`${IMAGE_UPLOAD.idHeader}: must be 16 random bytes in lower-case hex\n`);
  });
});

describe('image upload: the temporary file', () => {
  it('is in the upload directory while the load runs, is loaded with images:load, and is gone after the answer', async () => {
    const { port, dir, loads } = await start();
    const id = newUploadId();
    const a = await post(port, 'archive bytes', { headers: { [IMAGE_UPLOAD.idHeader]: id } });
    expect(a.status).toBe(200);
    expect(loads).toHaveLength(1);
    expect(path.dirname(loads[0]?.path ?? '')).toBe(dir);
    expect(path.basename(loads[0]?.path ?? '')).toContain(id);
    expect(loads[0]?.content).toBe('archive bytes');
    // The answer names the file the user chose, not the temporary one.
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: { file: 'runtime 4.2.tar', loaded: ['repo/runtime:1'] } });
    expect(existsSync(loads[0]?.path ?? '')).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('outlasts the idle timeout while the load runs (no bytes cross the socket then)', async () => {
    const { port } = await start({ load: (p) => new Promise((resolve) => setTimeout(() => resolve({ file: p, loaded: [] }), 600)), limits: { idleTimeoutMs: 100 } });
    const a = await post(port, 'slow to load');
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: { file: 'runtime 4.2.tar', loaded: [] } });
  });

  it('is removed when the load fails, and the refusal names the chosen file', async () => {
    const { port, dir } = await start({
      load: (p) => Promise.reject(Object.assign(new Error(`${p} is not a docker save archive: no manifest.json`))),
    });
    const a = await post(port, 'not a tar');
    expect(JSON.parse(a.body)).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'runtime 4.2.tar is not a docker save archive: no manifest.json' } });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('is removed when the client disconnects mid-upload, and the load never starts', async () => {
    const { port, dir, loads } = await start();
    const req = http.request({
      host: '127.0.0.1',
      port,
      path: IMAGE_UPLOAD.path,
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-length': String(10 * 1024 * 1024), [IMAGE_UPLOAD.tokenHeader]: TOKEN, [IMAGE_UPLOAD.nameHeader]: 'a.tar', [IMAGE_UPLOAD.idHeader]: newUploadId() },
    });
    req.on('error', () => undefined);
    req.write(Buffer.alloc(1024 * 1024));
    // Wait until the server has the temporary file with part of the body in it, then go away.
    await expect.poll(() => readdirSync(dir).length, { timeout: 5_000 }).toBe(1);
    req.destroy();
    await expect.poll(() => readdirSync(dir), { timeout: 5_000 }).toEqual([]);
    expect(loads).toEqual([]);
  });

  it('allows one upload at a time (409) and sweeps leftovers of a crashed agent at start', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-upload-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(path.join(dir, `${'d'.repeat(32)}-0000.upload`), 'left over');
    writeFileSync(path.join(dir, 'keep.txt'), 'not ours');
    let release!: () => void;
    const registry = new ApiRegistry();
    registry.register('images:load', ({ path: p }) => new Promise((resolve) => (release = () => resolve({ file: p, loaded: [] }))));
    const server = new UiServer({ registry, events: new EventHub(), token: TOKEN, port: 0, upload: { dir } });
    await server.listen();
    cleanup.push(() => server.close());
    expect(readdirSync(dir)).toEqual(['keep.txt']);
    const first = post(server.port, 'first');
    await expect.poll(() => readdirSync(dir).length, { timeout: 5_000 }).toBe(2);
    expect((await post(server.port, 'second')).status).toBe(409);
    await expect.poll(() => typeof release, { timeout: 5_000 }).toBe('function');
    release();
    expect((await first).status).toBe(200);
    expect(readdirSync(dir)).toEqual(['keep.txt']);
  });
});
