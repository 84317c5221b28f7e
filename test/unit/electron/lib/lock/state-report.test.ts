// What status and the tray say about an agent, from its real lock and its state report.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { agentLine } from '../../../../../electron/cli/status.js';
import { reportBlocked, takeAgentLock, watchForService, type WatchDir } from '../../../../../electron/lib/lock/agent-lock.js';
import { acquireHostLock } from '../../../../../electron/lib/lock/host-lock.js';
import { agentFiles, ensurePrivateDir, UnsafeRunDir, userRunDir } from '../../../../../electron/lib/lock/run-dir.js';
import { readReport, viewAgent, writeReport } from '../../../../../electron/lib/lock/state-report.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = (): ReturnType<typeof agentFiles> => {
  const d = path.join(dir, `case-${++n}`);
  mkdirSync(d, { mode: 0o700 });
  return agentFiles(d, 'agent');
};

describe('viewAgent', () => {
  it('knows nothing about an agent that never ran', async () => {
    expect(await viewAgent(fresh())).toEqual({ running: false, why: null });
  });

  it('says running, with the pid, while the lock is held', async () => {
    const f = fresh();
    const lock = await acquireHostLock(f.lock);
    await writeReport(f.report, { state: 'running' });
    expect(await viewAgent(f)).toEqual({ running: true, pid: process.pid });
    expect(await agentLine('system service', f)).toBe(`system service: running (pid ${process.pid})`);
    await lock?.release();
  });

  it('says the last start failed, and why', async () => {
    const f = fresh();
    await writeReport(f.report, { state: 'blocked', reason: 'port 48750 is held by another process (pid 812)' }, () => new Date('2026-12-04T19:00:00Z'));
    expect(await viewAgent(f)).toEqual({ running: false, why: 'its last start (2026-12-04T19:00:00.000Z) failed: port 48750 is held by another process (pid 812)' });
    // `status` shows the time for a person: local time with its zone, and how long ago.
    expect(await agentLine('system service', f, () => new Date('2026-12-04T21:00:00Z'))).toMatch(
      /^system service: not running — its last start \(\w{3}, \d{1,2} Dec 2026, \d{2}:00 \S+ \(2 hours ago\)\) failed: port 48750 is held by another process \(pid 812\)$/,
    );
  });

  it('tells a crash (report says running, lock is free) from a clean stop', async () => {
    const f = fresh();
    await writeReport(f.report, { state: 'running' });
    expect(await viewAgent(f)).toMatchObject({ running: false, why: expect.stringContaining(`pid ${process.pid} ended without stopping cleanly`) });
    await writeReport(f.report, { state: 'stopped' });
    expect(await viewAgent(f)).toMatchObject({ running: false, why: expect.stringMatching(/^stopped at /) });
  });

  it('ignores a report that does not parse, naming nothing it cannot back', async () => {
    const f = fresh();
    writeFileSync(f.report, '{"pid":"x"}');
    expect(await readReport(f.report)).toBeNull();
    expect(await agentLine('agent of this user', f)).toBeNull();
  });

  it('writes the report readable by every user even under the service’s UMask=0027', async () => {
    const f = fresh();
    const old = process.umask(0o027);
    try {
      await writeReport(f.report, { state: 'starting' });
    } finally {
      process.umask(old);
    }
    expect(statSync(f.report).mode & 0o777).toBe(0o644);
  });
});

describe('reportBlocked', () => {
  it('never overwrites the report of the agent that holds the lock', async () => {
    const f = fresh();
    const lock = await acquireHostLock(f.lock);
    await writeReport(f.report, { state: 'running' });
    await reportBlocked(f, 'another agent already drives Docker');
    expect((await readReport(f.report))?.state).toBe('running');
    await lock?.release();
    await reportBlocked(f, 'settings unreadable: EACCES');
    expect(await readReport(f.report)).toMatchObject({ state: 'blocked', reason: 'settings unreadable: EACCES' });
  });
});

describe('lock directories', () => {
  it('prefers XDG_RUNTIME_DIR, and falls back to a directory of the user, never a shared one', () => {
    expect(userRunDir({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toBe('/run/user/1000/vplc-orchestrator');
    expect(userRunDir({ HOME: '/home/u' }, 4242)).toBe('/home/u/.local/state/vplc-orchestrator/run');
    expect(userRunDir({ HOME: '/home/u', XDG_STATE_HOME: '/st' }, 4242)).toBe('/st/vplc-orchestrator/run');
  });

  it('refuses a lock name that could leave its directory', () => {
    expect(() => agentFiles('/run/user/1000/vplc-orchestrator', '../../etc/x')).toThrow(UnsafeRunDir);
    expect(() => agentFiles('/run/user/1000/vplc-orchestrator', '')).toThrow(/agent\.lockName/);
    expect(agentFiles('/d', 'vt-1a2b3c-squat')).toEqual({ dir: '/d', lock: '/d/vt-1a2b3c-squat.lock', report: '/d/vt-1a2b3c-squat.json' });
  });

  it('refuses a directory others may write, or that belongs to another uid', async () => {
    const open = path.join(dir, 'world-writable');
    mkdirSync(open);
    chmodSync(open, 0o777);
    await expect(ensurePrivateDir(open)).rejects.toBeInstanceOf(UnsafeRunDir);
    await expect(ensurePrivateDir(open, 4242)).rejects.toThrow(/belongs to uid \d+, not to this agent \(uid 4242\)/);
    const mine = path.join(dir, 'mine', 'vplc-orchestrator');
    await ensurePrivateDir(mine);
    expect(statSync(mine).mode & 0o777).toBe(0o700);
  });
});

describe('the service and a per-user agent', () => {
  const setup = (): { env: NodeJS.ProcessEnv; service: ReturnType<typeof agentFiles> } => {
    const base = path.join(dir, `host-${++n}`);
    mkdirSync(path.join(base, 'svc'), { recursive: true, mode: 0o755 });
    mkdirSync(path.join(base, 'user'), { recursive: true, mode: 0o700 });
    return { env: { VPLC_SERVICE_RUN_DIR: path.join(base, 'svc'), XDG_RUNTIME_DIR: path.join(base, 'user') }, service: agentFiles(path.join(base, 'svc'), 'agent') };
  };

  it('a per-user agent does not start while the service holds its lock, and keeps nothing locked', async () => {
    const { env, service } = setup();
    const svc = await takeAgentLock({ ...env, VPLC_SERVICE: '1' }, 'ignored');
    expect(svc).toMatchObject({ ok: true, files: { lock: service.lock } });
    const user = await takeAgentLock(env, 'vt-user');
    expect(user).toMatchObject({ ok: false, reason: expect.stringContaining(`the system service already drives Docker on this host (pid ${process.pid})`) });
    if (svc.ok) await svc.lock.release();
    const again = await takeAgentLock(env, 'vt-user');
    expect(again.ok).toBe(true);
    if (again.ok) await again.lock.release();
  });

  it('a running per-user agent hears once when the service takes the host', async () => {
    const { env } = setup();
    let tick: () => Promise<void> = () => Promise.resolve();
    const seen: Array<number | null> = [];
    let every = 0;
    // No watch here: this case is the poll the agent falls back to.
    const timers = { setInterval: (cb: () => Promise<void>, ms: number) => ((tick = cb), (every = ms)), clearInterval: () => undefined };
    const stop = watchForService(env, (pid) => seen.push(pid), { timers, watchDir: () => null });
    expect(every).toBe(2_000);
    await tick();
    expect(seen).toEqual([]);
    const svc = await takeAgentLock({ ...env, VPLC_SERVICE: '1' }, 'ignored');
    await tick();
    await tick();
    expect(seen).toEqual([process.pid]);
    stop();
    if (svc.ok) await svc.lock.release();
  });

  /** Timers whose poll never fires: only the directory watch can wake the agent. */
  const noPoll = (): { timers: { setInterval: (cb: () => Promise<void>, ms: number) => number; clearInterval: () => void }; every: () => number } => {
    let ms = 0;
    return { timers: { setInterval: (_cb, every) => (ms = every), clearInterval: () => undefined }, every: () => ms };
  };
  const until = async (check: () => boolean, what: string): Promise<void> => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
    if (!check()) throw new Error(`never saw ${what}`);
  };

  it('hears the service start through a watch on its directory, with only a slow safety poll', async () => {
    const { env, service } = setup();
    const seen: Array<number | null> = [];
    const poll = noPoll();
    const stop = watchForService(env, (pid) => seen.push(pid), { timers: poll.timers });
    expect(poll.every()).toBe(60_000);
    const svc = await takeAgentLock({ ...env, VPLC_SERVICE: '1' }, 'ignored');
    // What the service does right after it took the lock.
    await writeReport(service.report, { state: 'starting' });
    await until(() => seen.length > 0, 'the service');
    expect(seen).toEqual([process.pid]);
    stop();
    if (svc.ok) await svc.lock.release();
  });

  it('hears a service whose runtime directory appears only when it starts', async () => {
    const base = path.join(dir, `host-${++n}`);
    mkdirSync(path.join(base, 'user'), { recursive: true, mode: 0o700 });
    const env = { VPLC_SERVICE_RUN_DIR: path.join(base, 'svc'), XDG_RUNTIME_DIR: path.join(base, 'user') };
    const seen: Array<number | null> = [];
    const stop = watchForService(env, (pid) => seen.push(pid), { timers: noPoll().timers });
    mkdirSync(env.VPLC_SERVICE_RUN_DIR, { mode: 0o755 });
    const svc = await takeAgentLock({ ...env, VPLC_SERVICE: '1' }, 'ignored');
    await writeReport(agentFiles(env.VPLC_SERVICE_RUN_DIR, 'agent').report, { state: 'starting' });
    await until(() => seen.length > 0, 'the service');
    expect(seen).toEqual([process.pid]);
    stop();
    if (svc.ok) await svc.lock.release();
  });

  it('says nothing while the directory changes but the lock is free', async () => {
    const { env, service } = setup();
    const seen: Array<number | null> = [];
    const stop = watchForService(env, (pid) => seen.push(pid), { timers: noPoll().timers });
    await writeReport(service.report, { state: 'stopped' });
    const lock = await acquireHostLock(path.join(env.VPLC_SERVICE_RUN_DIR as string, 'other.lock'));
    await new Promise((r) => setTimeout(r, 200));
    expect(seen).toEqual([]);
    await lock?.release();
    stop();
  });

  /** Watches by hand: which directories are watched now, and a way to fire their changes and failures. */
  const handWatches = (): { watchDir: WatchDir; opened: string[]; fire: (dir: string, filename: string | null) => void; fail: (dir: string) => void } => {
    const live = new Map<string, { change: (f: string | null) => void; error: () => void }>();
    const opened: string[] = [];
    return {
      opened,
      watchDir: (d, change, error) => {
        opened.push(d);
        live.set(d, { change, error });
        return () => live.delete(d);
      },
      fire: (d, f) => live.get(d)?.change(f),
      fail: (d) => {
        const w = live.get(d);
        live.delete(d);
        w?.error();
      },
    };
  };

  it('ignores changes in the parent directory other than the service directory itself', () => {
    const { env } = setup();
    const runDir = env.VPLC_SERVICE_RUN_DIR as string;
    const w = handWatches();
    const stop = watchForService(env, () => undefined, { timers: noPoll().timers, watchDir: w.watchDir });
    expect(w.opened).toEqual([runDir, path.dirname(runDir)]);
    w.fire(path.dirname(runDir), 'some-other-service');
    w.fire(path.dirname(runDir), 'utmp');
    expect(w.opened.filter((d) => d === runDir)).toHaveLength(1);
    w.fire(path.dirname(runDir), path.basename(runDir));
    w.fire(path.dirname(runDir), null);
    expect(w.opened.filter((d) => d === runDir)).toHaveLength(3);
    stop();
  });

  it('falls back to the fast poll when a watch fails after it started', () => {
    const { env } = setup();
    const runDir = env.VPLC_SERVICE_RUN_DIR as string;
    const w = handWatches();
    const intervals: number[] = [];
    const timers = { setInterval: (_cb: () => Promise<void>, ms: number) => intervals.push(ms), clearInterval: () => undefined };
    const stop = watchForService(env, () => undefined, { timers, watchDir: w.watchDir });
    expect(intervals).toEqual([60_000]);
    // The service directory going away ends its watch; the parent's watch still covers its return.
    w.fail(runDir);
    expect(intervals).toEqual([60_000]);
    w.fail(path.dirname(runDir));
    expect(intervals).toEqual([60_000, 2_000]);
    stop();
  });
});