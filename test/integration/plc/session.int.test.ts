// needs: nothing outside this process but a child Node process (the stand-in) it starts itself on loopback
/**
 * PLC sessions and actions against the runtime stand-in (test/images/standin/server.mjs, the recorded v4.1.4 surface),
 * run as a plain Node process on loopback with its own per-start certificate: the same pinned TLS client, session and
 * actions the agent uses, with a small test monitor in place of the real one. Runs in about 20 s.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompileProgress, PlcStatusWord } from '../../../shared/domain/plc.js';
import { systemClock } from '../../../electron/lib/time/clock.js';
import { WorkerError } from '../../../electron/lib/worker/host.js';
import { PlcActions } from '../../../electron/workers/orchestrator/plc/actions.js';
import { RuntimeClient, type ExchangeRequest, type ExchangeResponse } from '../../../electron/workers/orchestrator/plc/client.js';
import { CREDENTIALS_FILE, CredentialsStore } from '../../../electron/workers/orchestrator/plc/credentials-store.js';
import { RuntimeSession } from '../../../electron/workers/orchestrator/plc/session.js';
import { RuntimeSessions } from '../../../electron/workers/orchestrator/plc/sessions.js';
import { PlcSessionError, type PlcMonitorApi } from '../../../electron/workers/orchestrator/plc/types.js';
import { InMemoryTlsPinStore } from '../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { startStandin, type StandinProcess } from './standin-process.js';
import { storedZip } from '../../images/program-zip.js';

const NAME = 'plc-a';
const USER = 'engineer';
const PASSWORD = 'Pw-int-7f3a9c-never-shown';
const TOKEN_TTL_S = 3;

let standin: StandinProcess;
/** The bundles the actions reported as compiled (where the live variables keep the variable map, docs/debug.md). */
const programs: Array<{ name: string; filename: string }> = [];
let dir: string;
const logLines: string[] = [];
const rec = (level: string) => (msg: string, data?: Record<string, unknown>) => void logLines.push(`${level} ${msg} ${JSON.stringify(data ?? {})}`);
const log = { debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
const pins = new InMemoryTlsPinStore();
const endpoint = () => ({ resolve: () => Promise.resolve({ host: '127.0.0.1', port: standin.port }) });
const errors: unknown[] = [];

/** Stands in for part C's monitor: a refresh reads the status through the same session. */
function testMonitor(sessions: RuntimeSessions): PlcMonitorApi & { refreshes: string[] } {
  const last = new Map<string, PlcStatusWord>();
  const refreshes: string[] = [];
  return {
    refreshes,
    view: () => {
      throw new Error('not used');
    },
    history: () => [],
    lastStatus: (n) => last.get(n) ?? null,
    refresh: async (n) => {
      refreshes.push(n);
      const r = await sessions.session(n)?.status({ stats: false }).catch(() => null);
      if (r) last.set(n, r.status);
    },
  };
}

let sessions: RuntimeSessions;
let monitor: ReturnType<typeof testMonitor>;
let actions: PlcActions;
const compileEvents: CompileProgress[] = [];

async function refusal(p: Promise<unknown>): Promise<WorkerError> {
  try {
    await p;
  } catch (err) {
    errors.push(err);
    expect(err).toBeInstanceOf(WorkerError);
    return err as WorkerError;
  }
  throw new Error('expected a refusal');
}

async function sessionFailure(p: Promise<unknown>): Promise<PlcSessionError> {
  try {
    await p;
  } catch (err) {
    errors.push(err);
    expect(err).toBeInstanceOf(PlcSessionError);
    return err as PlcSessionError;
  }
  throw new Error('expected a session failure');
}

/** A session on its own client whose every exchange is recorded (to count logins and see 401s). */
function recordedSession(password = PASSWORD): { session: RuntimeSession; seen: Array<{ req: ExchangeRequest; res: ExchangeResponse }> } {
  const client = new RuntimeClient(NAME, endpoint(), pins);
  const seen: Array<{ req: ExchangeRequest; res: ExchangeResponse }> = [];
  const exchange = async (req: ExchangeRequest): Promise<ExchangeResponse> => {
    const res = await client.exchange(req);
    seen.push({ req, res });
    return res;
  };
  return { session: new RuntimeSession(NAME, { username: USER, password }, exchange, systemClock), seen };
}

function bundle(file: string, entries: Record<string, string>): string {
  const p = path.join(dir, file);
  writeFileSync(p, storedZip(entries));
  return p;
}

beforeAll(async () => {
  standin = await startStandin({ STANDIN_TOKEN_TTL_S: String(TOKEN_TTL_S), STANDIN_COMPILE_MS: '1500', STANDIN_COMPILE_WARM_MS: '800' });
  dir = mkdtempSync(path.join(tmpdir(), 'vplc-plc-int-'));
  const store = CredentialsStore.open(dir, { log, report: () => undefined });
  sessions = new RuntimeSessions({ store, endpoint, pins, clock: systemClock });
  monitor = testMonitor(sessions);
  actions = new PlcActions({ sessions, monitor, presence: (n) => Promise.resolve(n === NAME ? 'running' : n === 'stopped-one' ? 'stopped' : 'missing'), log, shutdown: new AbortController().signal, compile: { pollMs: 200 } });
  actions.onProgram((n, b) => Promise.resolve(void programs.push({ name: n, filename: b.filename })));
  actions.onCompile((p) => compileEvents.push(p));
}, 30_000);

afterAll(async () => {
  await standin?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('PLC sessions and actions against the stand-in', () => {
  it('refuses every action without credentials, naming where to give them', async () => {
    const e = await refusal(actions.start(NAME, 'ui'));
    expect(e.code).toBe('CONFLICT');
    expect(e.message).toBe(`no runtime credentials for ${NAME}: give them in the vPLC's PLC card (or \`vplc-orchestrator plc login ${NAME}\`)`);
    expect((await refusal(actions.start('nope', 'ui'))).code).toBe('NOT_FOUND');
    expect((await refusal(actions.stop('stopped-one', 'ui'))).code).toBe('CONFLICT');
  });

  it('creates the runtime\'s first user on request, stores it 0600, and refuses a second one', async () => {
    const r = await actions.createFirstUser(NAME, { username: USER, password: PASSWORD }, 'ui');
    expect(r.outcome).toBe('verified');
    const file = path.join(dir, CREDENTIALS_FILE);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).vplcs[NAME]).toMatchObject({ username: USER, password: PASSWORD });
    expect(pins.get(NAME)).toBeDefined();

    const again = await refusal(actions.createFirstUser(NAME, { username: 'other', password: 'x1' }, 'ui'));
    expect(again.code).toBe('CONFLICT');
    expect(again.message).toContain('already has a user');
    expect(sessions.username(NAME)).toBe(USER);
  });

  it('a wrong password is refused on the password field and nothing is stored', async () => {
    const before = readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8');
    const e = await refusal(actions.setCredentials(NAME, { username: USER, password: 'wrong-one' }, 'ui'));
    expect(e.code).toBe('VALIDATION');
    expect(e.field).toBe('password');
    expect(readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8')).toBe(before);
  });

  it('the right credentials are verified and stored', async () => {
    const r = await actions.setCredentials(NAME, { username: USER, password: PASSWORD }, 'cli');
    expect(r).toMatchObject({ outcome: 'verified' });
  });

  it('reads the status with its (empty) stats, and START:OK with no program says so', async () => {
    const s = await sessions.session(NAME)!.status({ stats: true });
    expect(s.status).toBe('EMPTY');
    expect(s.tasks).toEqual([]);
    const r = await actions.start(NAME, 'ui');
    expect(r).toMatchObject({ ok: false, answer: 'START:OK', status: 'EMPTY' });
    expect(r.message).toContain('no program is loaded');
  });

  it('refuses an upload that is not a zip, before any request', async () => {
    const p = path.join(dir, 'not-a-zip.zip');
    writeFileSync(p, 'PROGRAM main END_PROGRAM');
    const e = await refusal(actions.upload(NAME, p, 'ui'));
    expect([e.code, e.field]).toEqual(['VALIDATION', 'path']);
    expect((await refusal(actions.upload(NAME, 'relative.zip', 'ui'))).field).toBe('path');
  });

  it('uploads a program and follows its compile to SUCCESS, emitting each change', async () => {
    compileEvents.length = 0;
    const refreshes = monitor.refreshes.length;
    const r = await actions.upload(NAME, bundle('program.zip', { 'configuration.cpp': '// ok', 'res0.cpp': '// ok' }), 'ui');
    expect(r.state).toBe('SUCCESS');
    expect(r.exit_code).toBe(0);
    expect(r.error).toBeNull();
    expect(r.logs.join('')).toContain('Build finished successfully');
    expect(compileEvents[0]?.state).toBe('COMPILING');
    expect(compileEvents.at(-1)).toEqual(r);
    expect(compileEvents.every((e) => e.name === NAME)).toBe(true);
    expect(monitor.refreshes.length).toBeGreaterThan(refreshes);
    expect((await actions.compileStatus(NAME)).state).toBe('SUCCESS');
    expect(programs).toEqual([{ name: NAME, filename: 'program.zip' }]);
  });

  it('starts and stops the PLC program with plain-words answers', async () => {
    // A compiled program is loaded and started by the runtime itself.
    expect((await sessions.session(NAME)!.status({ stats: false })).status).toBe('RUNNING');
    const again = await actions.start(NAME, 'ui');
    expect(again).toMatchObject({ ok: false, answer: 'START:ERROR_ALREADY_RUNNING', message: 'the PLC was already running', status: 'RUNNING' });
    const stopped = await actions.stop(NAME, 'ui');
    expect(stopped).toMatchObject({ ok: true, answer: 'STOP:OK', status: 'STOPPED' });
    const twice = await actions.stop(NAME, 'ui');
    expect(twice).toMatchObject({ ok: false, answer: 'STOP:ERROR', message: 'the PLC was not running' });
    const started = await actions.start(NAME, 'ui');
    expect(started).toMatchObject({ ok: true, answer: 'START:OK', status: 'RUNNING', message: 'the PLC program was started' });
    const s = await sessions.session(NAME)!.status({ stats: true });
    expect(s.status).toBe('RUNNING');
    expect(s.tasks?.[0]?.name).toBeTruthy();
    expect(s.tasks?.[0]?.scan_count).toBeGreaterThanOrEqual(0);
  });

  it('a failing compile ends FAILED with the compiler\'s log', async () => {
    const r = await actions.upload(NAME, bundle('broken.zip', { 'compile-error.cpp': '// broken' }), 'ui');
    expect(r.state).toBe('FAILED');
    expect(r.logs.join('')).toContain('error');
    expect(compileEvents.at(-1)?.state).toBe('FAILED');
    // A program that did not compile brings no variable map.
    expect(programs.map((p) => p.filename)).not.toContain('broken.zip');
  });

  it('gives the runtime log with the level filter and the limit applied', async () => {
    const all = await actions.logs(NAME, { limit: 1_000 });
    expect(all.length).toBeGreaterThan(3);
    const two = await actions.logs(NAME, { limit: 2 });
    expect(two).toEqual(all.slice(-2));
    const errs = await actions.logs(NAME, { level: 'error', limit: 1_000 });
    expect(errs.every((l) => l.level === 'ERROR')).toBe(true);
    const since = await actions.logs(NAME, { sinceId: all.at(-2)!.id, limit: 1_000 });
    expect(since[0]?.id).toBe(all.at(-2)!.id);
  });

  it('renews the session before the token expires (no 401 across the expiry)', async () => {
    const { session, seen } = recordedSession();
    await session.status({ stats: false });
    await new Promise((r) => setTimeout(r, (TOKEN_TTL_S + 1) * 1000));
    expect((await session.status({ stats: true })).status).toBeTruthy();
    const logins = seen.filter((s) => s.req.path === '/api/login');
    expect(logins.length).toBe(2);
    expect(seen.filter((s) => s.res.status === 401)).toEqual([]);
  });

  it('after the runtime revoked the token (logout), logs in again once and carries on', async () => {
    const { session, seen } = recordedSession();
    await session.status({ stats: false });
    const auth = seen.at(-1)!.req.headers!.Authorization!;
    const client = new RuntimeClient(NAME, endpoint(), pins);
    expect((await client.exchange({ method: 'POST', path: '/api/logout', headers: { Authorization: auth } })).status).toBe(200);
    expect((await session.status({ stats: false })).status).toBe('RUNNING');
    expect(seen.map((s) => `${s.req.path} ${s.res.status}`)).toEqual(['/api/login 200', '/api/status 200', '/api/status 401', '/api/login 200', '/api/status 200']);
  });

  it('a wrong password is auth_failed, and the next call within the backoff sends nothing', async () => {
    const { session, seen } = recordedSession('not-the-password');
    const first = await sessionFailure(session.status({ stats: false }));
    expect(first.kind).toBe('auth_failed');
    expect(first.message).toContain('Wrong username or password');
    const second = await sessionFailure(session.status({ stats: false }));
    expect(second.kind).toBe('auth_failed');
    expect(second.message).toMatch(/next try in [1-5] s/);
    expect(seen.length).toBe(1);
  });

  it('never sends the token to a runtime whose certificate does not match the pin', async () => {
    const good = pins.get(NAME)!;
    const { session } = recordedSession();
    await session.status({ stats: false });
    await pins.set(NAME, Buffer.alloc(32, 7).toString('base64'));
    // The stand-in logs each request when it has answered; let the last line arrive before counting.
    await new Promise((r) => setTimeout(r, 300));
    const requestsBefore = standin.output().split('\n').filter((l) => l.includes('/api/status')).length;
    try {
      const e = await sessionFailure(session.status({ stats: false }));
      expect(e.kind).toBe('refused');
      expect(e.message).toContain('certificate changed');
      await new Promise((r) => setTimeout(r, 300));
      expect(standin.output().split('\n').filter((l) => l.includes('/api/status')).length).toBe(requestsBefore);
    } finally {
      await pins.set(NAME, good);
    }
  });

  it('clears the credentials: the session goes and actions are refused again', async () => {
    const changed: string[] = [];
    sessions.onCredentialsChanged((n) => changed.push(n));
    await actions.clearCredentials(NAME, 'ui');
    expect(changed).toEqual([NAME]);
    expect(sessions.session(NAME)).toBeNull();
    expect(JSON.parse(readFileSync(path.join(dir, CREDENTIALS_FILE), 'utf8'))).toEqual({ version: 1, vplcs: {} });
    expect((await refusal(actions.stop(NAME, 'ui'))).message).toContain('no runtime credentials');
  });

  it('the password is in no log line and no error message', () => {
    expect(logLines.length).toBeGreaterThan(5);
    expect(logLines.join('\n')).not.toContain(PASSWORD);
    for (const e of errors) expect(`${String(e)} ${(e as Error).stack ?? ''}`).not.toContain(PASSWORD);
    // Nor does the stand-in's request log show it (it is only ever in a request body).
    expect(standin.output()).not.toContain(PASSWORD);
  });
});
