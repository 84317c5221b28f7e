import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { EngineHealth, isEngineUnavailable, type EngineOutage, type EngineState } from '../../../../../../electron/workers/orchestrator/docker/engine-health.js';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** A Docker stand-in whose ping and info answer as the test says: the state machine is what is tested here. */
function fakeEngine(): { docker: Docker; up: boolean } {
  const f = {
    up: true,
    docker: {
      ping: () => (f.up ? Promise.resolve('OK') : Promise.reject(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }))),
      info: () => (f.up ? Promise.resolve({}) : Promise.reject(new Error('down'))),
    } as unknown as Docker,
  };
  return f;
}

const clock = { now: () => Date.now(), monotonic: () => performance.now() };
const until = async (ok: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(ok()).toBe(true);
};

describe('EngineHealth', () => {
  it('goes down when a check finds no engine, and reports the outage once when it answers again', async () => {
    const f = fakeEngine();
    const h = new EngineHealth(f.docker, clock, silent, { probeMs: 10, pingTimeoutMs: 100, shutdownGraceMs: 1_000 });
    const seen: Array<{ s: EngineState['kind']; ended?: EngineOutage }> = [];
    h.onChange((s, ended) => seen.push({ s: s.kind, ...(ended ? { ended } : {}) }));
    expect(await h.check('stream closed')).toBe(true);
    expect(h.isUp()).toBe(true);
    f.up = false;
    expect(await h.check('stream closed')).toBe(false);
    expect(h.outage()?.reason).toBe('stream closed');
    const back = h.whenUp();
    f.up = true;
    await back;
    expect(seen.map((x) => x.s)).toEqual(['down', 'up']);
    expect(seen[1]?.ended?.endedAt).toBeGreaterThanOrEqual(seen[1]?.ended?.startedAt ?? Infinity);
    h.close();
  });

  it('holds restarts after external stops, and lifts the hold when the engine keeps answering', async () => {
    const f = fakeEngine();
    const h = new EngineHealth(f.docker, clock, silent, { probeMs: 10, pingTimeoutMs: 100, shutdownGraceMs: 50 });
    const kinds: string[] = [];
    h.onChange((s) => kinds.push(s.kind));
    h.suspect('vPLC a was stopped outside the agent');
    h.suspect('vPLC b was stopped outside the agent');
    expect(h.isUp()).toBe(false);
    await until(() => h.isUp());
    expect(kinds).toEqual(['suspect', 'up']);
    h.close();
  });

  it('dates an outage from the burst of stops that announced it', async () => {
    const f = fakeEngine();
    let mono = 1_000;
    let wall = 5_000_000;
    const h = new EngineHealth(f.docker, { now: () => wall, monotonic: () => mono }, silent, { probeMs: 10, pingTimeoutMs: 100, shutdownGraceMs: 60_000 });
    h.suspect('stops');
    mono += 4_000;
    wall += 4_000;
    f.up = false;
    expect(await h.check('stream closed')).toBe(false);
    expect(h.outage()).toMatchObject({ startedMono: 1_000, startedAt: 5_000_000 });
    h.close();
  });

  it('knows the errors of an engine that is gone or shutting down from those of a refused request', () => {
    expect(isEngineUnavailable(Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' }))).toBe(true);
    expect(isEngineUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(true);
    expect(isEngineUnavailable({ statusCode: 500, json: { message: 'failed to update store for object type *libnetwork.endpoint: open : no such file or directory' } })).toBe(true);
    expect(isEngineUnavailable({ statusCode: 404, json: { message: 'No such container: x' } })).toBe(false);
    expect(isEngineUnavailable({ statusCode: 500, json: { message: 'error setting rlimit type 8: operation not permitted' } })).toBe(false);
  });
});
