/** The runtime session: token reuse and renewal (injected clock), one re-login after 401/422, backoff on refusals. */
import { describe, expect, it } from 'vitest';
import type { ExchangeRequest, ExchangeResponse } from '../../../../../../electron/workers/orchestrator/plc/client.js';
import { jwtExpiryMs, RuntimeSession } from '../../../../../../electron/workers/orchestrator/plc/session.js';
import { PlcSessionError } from '../../../../../../electron/workers/orchestrator/plc/types.js';
import { recorded } from './fixtures.js';

const PASSWORD = 's3cret-Pa55';

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}.c2ln`;
}

/** A scripted runtime: logins hand out `tokens()`, every other call answers with `answer(req)`. */
function fakeRuntime(opts: { token?: (n: number) => string; login?: () => ExchangeResponse; answer?: (req: ExchangeRequest, auth: string) => ExchangeResponse } = {}) {
  const requests: ExchangeRequest[] = [];
  let logins = 0;
  const exchange = (req: ExchangeRequest): Promise<ExchangeResponse> => {
    requests.push(req);
    if (req.path === '/api/login') {
      logins += 1;
      const r = opts.login?.() ?? { status: 200, body: { access_token: opts.token?.(logins) ?? `tok${logins}` } };
      return Promise.resolve(r);
    }
    const auth = req.headers?.Authorization ?? '';
    return Promise.resolve(opts.answer?.(req, auth) ?? recorded('status-running'));
  };
  return { exchange, requests, logins: () => logins, calls: () => requests.filter((r) => r.path !== '/api/login').length };
}

const clockAt = (ms: number) => {
  const c = { t: ms, now: () => c.t };
  return c;
};

async function rejection(p: Promise<unknown>): Promise<PlcSessionError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PlcSessionError);
    return err as PlcSessionError;
  }
  throw new Error('expected a rejection');
}

describe('jwtExpiryMs', () => {
  it('reads exp, or null for an opaque token', () => {
    expect(jwtExpiryMs(jwt({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
    expect(jwtExpiryMs('<jwt>')).toBeNull();
    expect(jwtExpiryMs('a.%%%.b')).toBeNull();
    expect(jwtExpiryMs(jwt({ sub: '1' }))).toBeNull();
  });
});

describe('RuntimeSession', () => {
  it('logs in once and sends the token on every call', async () => {
    const rt = fakeRuntime();
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    expect((await s.status({ stats: false })).status).toBe('RUNNING');
    await s.status({ stats: true });
    expect(rt.logins()).toBe(1);
    const login = rt.requests[0]!;
    expect(JSON.parse(login.body!.toString())).toEqual({ username: 'admin', password: PASSWORD });
    expect(login.headers?.['Content-Type']).toBe('application/json');
    expect(rt.requests.slice(1).map((r) => [r.path, r.headers?.Authorization])).toEqual([
      ['/api/status', 'Bearer tok1'],
      ['/api/status?include_stats=true', 'Bearer tok1'],
    ]);
  });

  it('concurrent calls share one login', async () => {
    const rt = fakeRuntime();
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    await Promise.all([s.status({ stats: false }), s.status({ stats: true }), s.startPlc().catch(() => null)]);
    expect(rt.logins()).toBe(1);
  });

  it('logs in again one minute before the token expires', async () => {
    const t0 = 1_800_000_000_000;
    const clock = clockAt(t0);
    const rt = fakeRuntime({ token: (n) => jwt({ exp: Math.floor(clock.t / 1000) + 900, n }) });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    await s.status({ stats: false });
    clock.t = t0 + 839_000;
    await s.status({ stats: false });
    expect(rt.logins()).toBe(1);
    clock.t = t0 + 841_000;
    await s.status({ stats: false });
    expect(rt.logins()).toBe(2);
  });

  it('without exp in the token, assumes 14 minutes of life', async () => {
    const clock = clockAt(0);
    const rt = fakeRuntime();
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    await s.status({ stats: false });
    clock.t = 12 * 60_000;
    await s.status({ stats: false });
    expect(rt.logins()).toBe(1);
    clock.t = 13 * 60_000 + 1;
    await s.status({ stats: false });
    expect(rt.logins()).toBe(2);
  });

  it.each([401, 422])('after a %i it logs in again once and repeats the call', async (code) => {
    let refuse = true;
    const rt = fakeRuntime({
      answer: (_req, auth) => {
        if (auth === 'Bearer tok1' && refuse) return { status: code, body: recorded(code === 401 ? 'revoked-token' : 'bad-token').body };
        return recorded('status-stopped');
      },
    });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    expect((await s.status({ stats: false })).status).toBe('STOPPED');
    expect(rt.logins()).toBe(2);
    expect(rt.calls()).toBe(2);
    refuse = false;
  });

  it('a refusal right after a new login is auth_failed, with backoff', async () => {
    const clock = clockAt(0);
    const rt = fakeRuntime({ answer: () => ({ status: 401, body: recorded('revoked-token').body }) });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    expect((await rejection(s.status({ stats: false }))).kind).toBe('auth_failed');
    expect(rt.requests.length).toBe(4);
    expect((await rejection(s.status({ stats: false }))).kind).toBe('auth_failed');
    expect(rt.requests.length).toBe(4);
  });

  it('refused credentials back off 5 s doubling to 5 min, without a request in between', async () => {
    const clock = clockAt(0);
    const rt = fakeRuntime({ login: () => recorded('login-wrong') });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    const first = await rejection(s.status({ stats: false }));
    expect(first.kind).toBe('auth_failed');
    expect(first.message).toContain('Wrong username or password');
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const before = rt.requests.length;
      let waited = 0;
      // Every call inside the window is refused at once, without a request to the runtime.
      while (rt.requests.length === before) {
        clock.t += 1_000;
        waited += 1_000;
        expect((await rejection(s.status({ stats: false }))).kind).toBe('auth_failed');
      }
      expect(rt.requests.length).toBe(before + 1);
      waits.push(waited);
    }
    expect(waits).toEqual([5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  });

  it('a good login ends the backoff', async () => {
    const clock = clockAt(0);
    let right = false;
    const rt = fakeRuntime({ login: () => (right ? { status: 200, body: { access_token: 'ok' } } : recorded('login-wrong')) });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    await rejection(s.status({ stats: false }));
    right = true;
    await rejection(s.status({ stats: false }));
    clock.t += 5_000;
    expect((await s.status({ stats: false })).status).toBe('RUNNING');
  });

  it('verify logs in at once, whatever the backoff', async () => {
    const clock = clockAt(0);
    const rt = fakeRuntime({ login: () => recorded('login-wrong') });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clock);
    await rejection(s.status({ stats: false }));
    await rejection(s.verify());
    expect(rt.logins()).toBe(2);
  });

  it('the password never appears in an error, even when the runtime echoes it', async () => {
    const rt = fakeRuntime({ login: () => ({ status: 401, body: { msg: `bad password ${PASSWORD}` } }) });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    const e1 = await rejection(s.status({ stats: false }));
    const e2 = await rejection(s.status({ stats: false }));
    const rt2 = fakeRuntime({ login: () => ({ status: 500, body: PASSWORD }) });
    const e3 = await rejection(new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt2.exchange, clockAt(0)).status({ stats: false }));
    for (const e of [e1, e2, e3]) expect(`${e.message} ${e.stack ?? ''}`).not.toContain(PASSWORD);
  });

  it('a non-200 answer to a call is bad_answer with the runtime\'s words', async () => {
    const rt = fakeRuntime({ answer: () => ({ status: 500, body: recorded('login-json-string-body').body }) });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    const e = await rejection(s.stopPlc());
    expect(e.kind).toBe('bad_answer');
    expect(e.message).toContain('HTTP 500');
  });

  it('asks for runtime logs with id and level', async () => {
    const rt = fakeRuntime({ answer: () => recorded('runtime-logs-level-error') });
    const s = new RuntimeSession('v1', { username: 'admin', password: PASSWORD }, rt.exchange, clockAt(0));
    const lines = await s.runtimeLogs({ sinceId: 10, level: 'ERROR' });
    expect(lines.every((l) => l.level === 'ERROR')).toBe(true);
    expect(rt.requests.at(-1)?.path).toBe('/api/runtime-logs?id=10&level=ERROR');
  });
});
