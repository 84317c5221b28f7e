// The usage service keeps the host chart's history across a restart of the service, through a real file in its data
// dir, and sets a corrupt file aside (reported in the log) instead of failing to start.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { Label } from '../../../../../../electron/workers/orchestrator/docker/labels.js';
import { UsageRings } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';
import type { SampleResult } from '../../../../../../electron/workers/orchestrator/metrics/sampler.js';
import { UsageService } from '../../../../../../electron/workers/orchestrator/metrics/usage-service.js';

let dir: string;
const warnings: string[] = [];
const services: UsageService[] = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'usage-service-'));
  warnings.length = 0;
});
afterEach(async () => {
  for (const s of services.splice(0)) {
    s.stop();
    await s.flush();
  }
  await rm(dir, { recursive: true, force: true });
});

function service(rings: UsageRings): UsageService {
  const noop = (): void => undefined;
  const ctx = {
    settings: { dataDir: dir },
    log: { debug: noop, info: noop, error: noop, warn: (m: string) => void warnings.push(m) },
    store: { installationId: 'test' },
    engine: { docker: { listContainers: () => Promise.resolve([]) } },
  } as unknown as OrchestratorContext;
  const s = new UsageService(ctx, rings);
  services.push(s);
  return s;
}

describe('UsageService host history', () => {
  it('survives a restart of the service, with a real file', async () => {
    const before = new UsageRings({ capacity: 64 });
    const earlier = Math.floor(Date.now() / 1000) - 600;
    before.append({ ts: earlier, orchestrator: { cpu: 42, memory: 1234 } });
    const first = service(before);
    first.start();
    await first.sampleOnce();
    first.stop();
    await first.flush();
    const saved = JSON.parse(await readFile(path.join(dir, 'usage', 'host.json'), 'utf8')) as { ticks: Array<[number, number | null, number | null]> };
    expect(saved.ticks[0]).toEqual([earlier, 42, 1234]);
    expect(saved.ticks.length).toBe(before.size);

    const after = new UsageRings({ capacity: 64 });
    const second = service(after);
    second.start();
    second.stop();
    // The final save waits for the history to be back in the rings, so it is there once this resolves.
    await second.flush();
    expect(after.query('orchestrator', 'memory', earlier, earlier)).toEqual([{ timestamp: earlier, memory: 1234 }]);
    expect(warnings).toEqual([]);
  });

  it('starts with an empty chart when the file is corrupt, and sets the file aside', async () => {
    await mkdir(path.join(dir, 'usage'), { recursive: true });
    await writeFile(path.join(dir, 'usage', 'host.json'), '{"version":2}');
    const rings = new UsageRings({ capacity: 8 });
    const s = service(rings);
    s.start();
    s.stop();
    await s.flush();
    expect(warnings).toEqual(['host usage history is corrupt and was set aside; the host chart starts empty']);
    const names = await readdir(path.join(dir, 'usage'));
    expect(names.filter((n) => n.startsWith('host.json.corrupt-'))).toHaveLength(1);
    // The new run writes its own history in its place.
    expect(names).toContain('host.json');
  });
});

describe('UsageService container list', () => {
  function listing(): { s: UsageService; calls: () => number; hold: () => () => void } {
    let calls = 0;
    let gate: Promise<void> | null = null;
    const noop = (): void => undefined;
    const ctx = {
      settings: { dataDir: dir },
      log: { debug: noop, info: noop, error: noop, warn: noop },
      store: { installationId: 'test' },
      engine: {
        docker: {
          listContainers: async () => {
            calls += 1;
            if (gate) await gate;
            return [{ Id: 'c1', Labels: { [Label.vplc]: 'not-sampled' } }];
          },
        },
      },
    } as unknown as OrchestratorContext;
    const s = new UsageService(ctx, new UsageRings({ capacity: 8 }));
    services.push(s);
    return {
      s,
      calls: () => calls,
      hold: () => {
        let open = noop;
        gate = new Promise<void>((r) => (open = r));
        return () => {
          gate = null;
          open();
        };
      },
    };
  }

  it('lists the running vPLCs once, not per sample, until a container event says they changed', async () => {
    const { s, calls } = listing();
    await s.sampleOnce();
    await s.sampleOnce();
    await s.sampleOnce();
    expect(calls()).toBe(1);
    s.forget('c1');
    await s.sampleOnce();
    await s.sampleOnce();
    expect(calls()).toBe(2);
  });

  it('lists again after an event that came while a list was in flight', async () => {
    const { s, calls, hold } = listing();
    const release = hold();
    const first = s.sampleOnce();
    await new Promise((r) => setImmediate(r));
    s.forget('c1');
    release();
    await first;
    await s.sampleOnce();
    expect(calls()).toBe(2);
    await s.sampleOnce();
    expect(calls()).toBe(2);
  });
});

describe('UsageService PID cache', () => {
  /** One running vPLC `plc1` (container c1) whose inspect answers the given PIDs in turn. */
  function inspecting(pids: number[]): { s: UsageService; inspects: () => number } {
    let inspects = 0;
    const noop = (): void => undefined;
    const ctx = {
      settings: { dataDir: dir },
      log: { debug: noop, info: noop, error: noop, warn: noop },
      store: { installationId: 'test' },
      engine: {
        docker: { listContainers: () => Promise.resolve([{ Id: 'c1', Labels: { [Label.vplc]: 'plc1' } }]) },
        inspectContainer: () => {
          inspects += 1;
          return Promise.resolve({ State: { Running: true, Pid: pids[Math.min(inspects, pids.length) - 1] } });
        },
      },
    } as unknown as OrchestratorContext;
    const rings = new UsageRings({ capacity: 8 });
    rings.register('plc1');
    const s = new UsageService(ctx, rings);
    services.push(s);
    return { s, inspects: () => inspects };
  }
  // A process that has exited: its PID stands for a container restarted without its events reaching the agent.
  const deadPid = (): number => spawnSync('true').pid;

  it('inspects a container again after its sample failed on a stale PID, and samples the new one', async () => {
    const { s, inspects } = inspecting([deadPid(), process.pid]);
    const first = (await s.sampleOnce()) as SampleResult;
    expect(first.containers).toEqual([]);
    const second = (await s.sampleOnce()) as SampleResult;
    expect(inspects()).toBe(2);
    expect(second.containers.map((c) => c.name)).toEqual(['plc1']);
    await s.sampleOnce();
    expect(inspects()).toBe(2);
  });

  it('reads every PID again after forgetAll (the event stream was resubscribed)', async () => {
    const { s, inspects } = inspecting([process.pid]);
    await s.sampleOnce();
    await s.sampleOnce();
    expect(inspects()).toBe(1);
    s.forgetAll();
    await s.sampleOnce();
    expect(inspects()).toBe(2);
  });
});
