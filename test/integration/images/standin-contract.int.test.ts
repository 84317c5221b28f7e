// Contract: the stand-in runtime image answers like the recorded OpenPLC v4.1.4 runtime. Every exchange in
// test/fixtures/openplc-runtime-v4.1.4/*.json is replayed against a fresh container, in an order that reaches its state,
// and compared: HTTP status, the headers the runtime sets, and the body shape (same keys recursively, same value types,
// exact strings outside arrays, `<jwt>` matching any JWT). A fixture with no replay fails the last test.
// Also: per-container certificate, state kept across a restart, token expiry, the compile switch, timing stats.
// Needs dockerd and the test images (built when missing or stale). Runtime: about 40 s.
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ensureTestImages, STANDIN_IMAGE, STANDIN_REALISTIC_IMAGE } from '../../images/build.js';
import { storedZip, uploadBody } from '../../images/program-zip.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, TEST_LABEL, waitFor } from '../../support/run.js';
import {
  call,
  certOf,
  containerIp,
  createNetwork,
  docker,
  removeAll,
  startStandin,
  whenListening,
  type Reply,
  type Standin,
} from './standin-container.js';

const FIXTURE_DIR = fileURLToPath(new URL('../../fixtures/openplc-runtime-v4.1.4/', import.meta.url));
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const USER = { username: 'admin', password: 'openplc-rt' };

const FixtureSchema = z.object({
  request: z.object({
    method: z.string(),
    path: z.string(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
  }),
  response: z.object({ status: z.number(), headers: z.record(z.string(), z.string()), body: z.unknown() }),
});
type Fixture = z.infer<typeof FixtureSchema>;

const run = newRunId();
const prefix = `vt-${run}-`;
const label = `${TEST_LABEL}=${run}`;
const network = `${prefix}contract`;

/** Same keys recursively, same types; strings outside arrays exactly; an empty array in the fixture stays empty. */
function expectShape(expected: unknown, actual: unknown, where: string, inArray = false): void {
  if (expected === '<jwt>') {
    expect(actual, where).toMatch(JWT);
  } else if (typeof expected === 'string') {
    if (inArray) expect(typeof actual, where).toBe('string');
    else expect(actual, where).toBe(expected);
  } else if (expected === null) {
    expect(actual, where).toBeNull();
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${where} is an array`).toBe(true);
    const items = actual as unknown[];
    if (expected.length === 0) expect(items, where).toEqual([]);
    else expect(items.length, `${where} is not empty`).toBeGreaterThan(0);
    items.forEach((item, i) => expectShape(expected[0], item, `${where}[${i}]`, true));
  } else if (typeof expected === 'object') {
    expect(actual !== null && typeof actual === 'object' && !Array.isArray(actual), `${where} is an object`).toBe(true);
    const obj = actual as Record<string, unknown>;
    const exp = expected as Record<string, unknown>;
    expect(Object.keys(obj).sort(), `${where} keys`).toEqual(Object.keys(exp).sort());
    for (const key of Object.keys(exp)) expectShape(exp[key], obj[key], `${where}.${key}`, inArray);
  } else {
    expect(typeof actual, where).toBe(typeof expected);
  }
}

const RECORDED_HEADERS = ['Content-Type', 'X-OpenPLC-Runtime-Version', 'Connection', 'Server'];

function parsedBody(reply: Reply): unknown {
  const text = reply.body.toString('utf8');
  return String(reply.headers['content-type']).startsWith('application/json') ? (JSON.parse(text) as unknown) : text;
}

describe('stand-in runtime against the recorded v4.1.4 exchanges', () => {
  const fixtures = new Map<string, Fixture>();
  const replayed = new Set<string>();
  let workDir = '';
  let main: Standin;
  let ca = '';
  let token = '';

  beforeAll(async () => {
    requireDocker();
    await ensureTestImages(() => undefined);
    for (const file of (await readdir(FIXTURE_DIR)).filter((f) => f.endsWith('.json'))) {
      fixtures.set(file.replace(/\.json$/, ''), FixtureSchema.parse(JSON.parse(await readFile(join(FIXTURE_DIR, file), 'utf8'))));
    }
    workDir = await mkdtemp(join(tmpdir(), `${prefix}contract-`));
    await createNetwork(network, label, 251);
    main = await startStandin({ image: STANDIN_IMAGE, name: `${prefix}main`, network, label });
    await whenListening(main);
    ca = await certOf(main, workDir);
  });

  afterAll(async () => {
    await removeAll(label, network);
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  const fixture = (name: string): Fixture => {
    const f = fixtures.get(name);
    if (!f) throw new Error(`no fixture ${name}.json`);
    return f;
  };

  /** Sends the fixture's request (the current token for `<jwt>`); `path`/`upload` replace the recorded ones. */
  async function send(name: string, opts: { path?: string; upload?: Buffer; on?: Standin } = {}): Promise<Reply> {
    const { request } = fixture(name);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(request.headers ?? {})) headers[k] = v.replace('<jwt>', token);
    let body: Buffer | undefined;
    if (opts.upload) {
      const multipart = uploadBody(opts.upload);
      headers['Content-Type'] = multipart.contentType;
      body = multipart.body;
    } else if (request.body !== undefined) {
      body = Buffer.from(typeof request.body === 'string' ? request.body : JSON.stringify(request.body));
    }
    return call({ ip: (opts.on ?? main).ip, method: request.method, path: opts.path ?? request.path, headers, body, ca });
  }

  function expectLike(name: string, reply: Reply): void {
    const { response } = fixture(name);
    expect(reply.status, `${name}: status`).toBe(response.status);
    if (Object.keys(response.headers).length > 0) {
      for (const h of RECORDED_HEADERS) expect(reply.headers[h.toLowerCase()], `${name}: ${h}`).toBe(response.headers[h]);
    }
    expectShape(response.body, parsedBody(reply), name);
    replayed.add(name);
  }

  async function replay(name: string, opts: { path?: string; upload?: Buffer } = {}): Promise<Reply> {
    const reply = await send(name, opts);
    expectLike(name, reply);
    return reply;
  }

  /** Sends a fixture's request until `until` holds for the answer, then compares that answer. */
  async function replayWhen(name: string, until: (body: Record<string, unknown>) => boolean, what: string): Promise<Reply> {
    const reply = await waitFor(() => send(name), (r) => until(parsedBody(r) as Record<string, unknown>), { timeoutMs: 20_000, intervalMs: 100, what });
    expectLike(name, reply);
    return reply;
  }

  const api = async (path: string, method = 'GET'): Promise<Record<string, unknown>> => {
    const r = await call({ ip: main.ip, path, method, ca, headers: { Authorization: `Bearer ${token}` } });
    return parsedBody(r) as Record<string, unknown>;
  };
  const helper = (path: string): Promise<Reply> => call({ ip: main.ip, method: 'POST', path, ca });
  const claims = (jwt: string): { iat: number; exp: number; sub: string } =>
    JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as { iat: number; exp: number; sub: string };

  it('answers the unauthenticated calls as recorded', async () => {
    for (const name of ['version', 'not-found', 'unauthorized']) await replay(name);
  });

  it('opens create-user only while no user exists, then logs in with a JWT valid for 15 min', async () => {
    for (const name of ['create-user-missing-fields', 'create-user-ok', 'create-user-exists', 'login-wrong', 'login-form-encoded', 'login-json-string-body']) {
      await replay(name);
    }
    const login = await replay('login-ok');
    token = String((parsedBody(login) as { access_token: string }).access_token);
    const c = claims(token);
    expect(c.exp - c.iat).toBe(900);
    expect(c.sub).toBe('1');
    for (const name of ['bad-token', 'ping', 'unknown-get', 'unknown-post']) await replay(name);
  });

  it('reports an empty runtime, and START:OK with no program while staying EMPTY', async () => {
    await replay('status-empty');
    await replay('status-empty-stats');
    await replay('start-plc-no-program');
    expect(await api('/api/status')).toEqual({ status: 'STATUS:EMPTY' });
    await replay('compilation-status-IDLE');
  });

  it('compiles an upload through COMPILING to SUCCESS, refusing a second upload meanwhile, then runs the program', async () => {
    await replay('upload-file-no-file');
    await replay('compilation-status-FAILED');
    const zip = storedZip({ 'program/configuration.cpp': 'int a;', 'program/pou_BLINK.cpp': 'int b;' });
    await replay('upload-file', { upload: zip });
    await replay('upload-file-while-compiling', { upload: zip });
    await replayWhen('compilation-status-COMPILING', (b) => b['status'] === 'COMPILING', 'COMPILING');
    const done = await replayWhen('compilation-status-SUCCESS', (b) => b['status'] !== 'COMPILING' && b['status'] !== 'UNZIPPING', 'the compile to end');
    expect(JSON.stringify(parsedBody(done))).toContain('Compiling core/generated/pou_BLINK.cpp');
    await replay('status-running');
    await replay('status-running-stats');
    await replay('start-plc-already-running');
  });

  it('stops and starts the program with the recorded answers', async () => {
    await replay('stop-plc');
    await replay('stop-plc-already-stopped');
    await replay('status-stopped');
    await replay('status-stopped-stats');
    await replay('start-plc');
    expect(await api('/api/status')).toEqual({ status: 'STATUS:RUNNING' });
  });

  it('reports STATUS:ERROR with its newline during a core crash, then runs again', async () => {
    expect((await helper('/standin/crash?ms=1500')).status).toBe(200);
    await replay('status-error-core-restarting');
    await waitFor(() => api('/api/status'), (b) => b['status'] === 'STATUS:RUNNING', { timeoutMs: 10_000, what: 'RUNNING after the crash' });
    const errors = (await api('/api/runtime-logs?level=ERROR'))['runtime-logs'] as Array<{ message: string }>;
    expect(errors.some((e) => e.message.includes('crash'))).toBe(true);
  });

  it('serves numbered runtime logs, filtered by level and by id', async () => {
    const all = await replay('runtime-logs');
    const entries = (parsedBody(all) as { 'runtime-logs': Array<{ id: number; level: string }> })['runtime-logs'];
    expect(entries.map((e) => e.id)).toEqual(entries.map((_, i) => (entries[0]?.id ?? 0) + i));
    const errors = await replay('runtime-logs-level-error');
    expect(new Set((parsedBody(errors) as { 'runtime-logs': Array<{ level: string }> })['runtime-logs'].map((e) => e.level))).toEqual(new Set(['ERROR']));
    const from = entries[Math.floor(entries.length / 2)]?.id ?? 1;
    const since = await replay('runtime-logs-since-id', { path: `/api/runtime-logs?id=${from}` });
    const ids = (parsedBody(since) as { 'runtime-logs': Array<{ id: number }> })['runtime-logs'].map((e) => e.id);
    expect(ids[0]).toBe(from);
    expect(ids.every((id) => id >= from)).toBe(true);
  });

  it('warns about default scheduling when the host gives no real-time priority', async () => {
    const limits = await docker('exec', main.name, 'cat', '/proc/1/limits');
    const soft = /^Max realtime priority\s+(\S+)/m.exec(limits)?.[1];
    const warnings = (await api('/api/runtime-logs?level=WARNING'))['runtime-logs'] as Array<{ message: string }>;
    const warned = warnings.some((w) => w.message === '[task TASK0] SCHED_FIFO(1) failed: Operation not permitted — running default scheduling');
    expect(warned).toBe(soft === '0');
  });

  it('counts scans over time, takes injected overruns and resets the stats on each start', async () => {
    type Task = { scan_count: number; overruns: number; cycle_time_max: number };
    const task = async (): Promise<Task> => ((await api('/api/status?include_stats=true'))['timing_stats'] as { tasks: Task[] }).tasks[0] as Task;
    const first = await task();
    await waitFor(task, (t) => t.scan_count > first.scan_count + 20, { timeoutMs: 5_000, what: 'scans to be counted' });
    expect((await helper('/standin/overruns?count=3')).status).toBe(200);
    const after = await task();
    expect(after.overruns).toBe(first.overruns + 3);
    expect(after.cycle_time_max).toBeGreaterThanOrEqual(20_000);
    await api('/api/stop-plc');
    await api('/api/start-plc');
    expect(await task()).toMatchObject({ overruns: 0 });
  });

  it('fails a compile whose zip holds a compile-error entry, with the error in its logs, keeping the program running', async () => {
    const upload = uploadBody(storedZip({ 'program/compile-error.cpp': 'x' }));
    const r = await call({ ip: main.ip, method: 'POST', path: '/api/upload-file', ca, body: upload.body, headers: { Authorization: `Bearer ${token}`, 'Content-Type': upload.contentType } });
    expect(parsedBody(r)).toEqual({ CompilationStatus: 'COMPILING', UploadFileFail: '' });
    const failed = await waitFor(() => api('/api/compilation-status'), (b) => b['status'] === 'FAILED', { timeoutMs: 10_000, what: 'the compile to fail' });
    expect(failed['exit_code']).toBe(1);
    expect((failed['logs'] as string[]).some((l) => l.includes('compile-error.cpp') && l.includes('error:'))).toBe(true);
    expect(await api('/api/status')).toEqual({ status: 'STATUS:RUNNING' });
  });

  it('revokes the token on logout', async () => {
    await replay('logout');
    await replay('revoked-token');
  });

  it('keeps its certificate, users and running program across a container restart', async () => {
    await docker('restart', '--time', '1', main.name);
    main = { ...main, ip: await containerIp(main.name) };
    await whenListening(main);
    expect(new X509Certificate(await certOf(main, workDir)).fingerprint256).toBe(new X509Certificate(ca).fingerprint256);
    const login = await call({ ip: main.ip, method: 'POST', path: '/api/login', ca, headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(USER)) });
    expect(login.status).toBe(200);
    token = String((parsedBody(login) as { access_token: string }).access_token);
    const seen = new Set<unknown>();
    await waitFor(
      async () => {
        const s = (await api('/api/status'))['status'];
        seen.add(s);
        return s;
      },
      (s) => s === 'STATUS:RUNNING',
      { timeoutMs: 15_000, intervalMs: 100, what: 'the loaded program to run again' },
    );
    expect([...seen].every((s) => s === 'STATUS:INIT' || s === 'STATUS:RUNNING'), JSON.stringify([...seen])).toBe(true);
  });

  it('gives a new container a new certificate and expires tokens after STANDIN_TOKEN_TTL_S', async () => {
    const short = await startStandin({ image: STANDIN_IMAGE, name: `${prefix}ttl`, network, label, runArgs: ['-e', 'STANDIN_TOKEN_TTL_S=2'] });
    await whenListening(short);
    const cert = await certOf(short, workDir);
    expect(new X509Certificate(cert).fingerprint256).not.toBe(new X509Certificate(ca).fingerprint256);
    const json = { 'Content-Type': 'application/json' };
    const body = Buffer.from(JSON.stringify(USER));
    expect((await call({ ip: short.ip, method: 'POST', path: '/api/create-user', ca: cert, headers: json, body })).status).toBe(201);
    const login = await call({ ip: short.ip, method: 'POST', path: '/api/login', ca: cert, headers: json, body });
    const jwt = String((parsedBody(login) as { access_token: string }).access_token);
    const c = claims(jwt);
    expect(c.exp - c.iat).toBe(2);
    const status = (): Promise<Reply> => call({ ip: short.ip, path: '/api/status', ca: cert, headers: { Authorization: `Bearer ${jwt}` } });
    expect(parsedBody(await status())).toEqual({ status: 'STATUS:EMPTY' });
    const expired = await waitFor(status, (r) => r.status !== 200, { timeoutMs: 10_000, intervalMs: 250, what: 'the token to expire' });
    expect(expired.status).toBe(401);
    expect(parsedBody(expired)).toEqual({ msg: 'Token has expired' });
  });

  it('realistic variant opens its ports 2.4-4.1 s after start', async () => {
    const slow = await startStandin({ image: STANDIN_REALISTIC_IMAGE, name: `${prefix}realistic`, network, label });
    await whenListening(slow);
    const delay = Number(/opening the ports in (\d+) ms/.exec(await docker('logs', slow.name))?.[1]);
    expect(delay).toBeGreaterThanOrEqual(2400);
    expect(delay).toBeLessThanOrEqual(4100);
    const info = parsedBody(await call({ ip: slow.ip, path: '/standin/info' })) as { variant: string };
    expect(info.variant).toBe('realistic');
  });

  it('replayed every recorded exchange', () => {
    expect([...fixtures.keys()].filter((name) => !replayed.has(name)).sort()).toEqual([]);
  });
});
