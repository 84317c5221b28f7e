import { describe, expect, it } from 'vitest';
import type { CgroupTarget, ContainerSample, HostCpuCounters } from '../../../../../../electron/workers/orchestrator/metrics/cgroup.js';
import type { IntervalHandle, SamplerClock } from '../../../../../../electron/workers/orchestrator/metrics/clock.js';
import type { HostReading } from '../../../../../../electron/workers/orchestrator/metrics/host.js';
import { UsageRings } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';
import { type HostSample, UsageSampler } from '../../../../../../electron/workers/orchestrator/metrics/sampler.js';

const MIB = 1024 * 1024;

/** A manual clock: `advance(ms)` fires due intervals in order. */
class ManualClock implements SamplerClock {
  nowMs = 1_712_750_000_000;
  private readonly timers = new Map<number, { fn: () => void; ms: number; due: number }>();
  private nextId = 1;
  now(): number {
    return this.nowMs;
  }
  setInterval(fn: () => void, ms: number): IntervalHandle {
    const id = this.nextId++;
    this.timers.set(id, { fn, ms, due: this.nowMs + ms });
    return id;
  }
  clearInterval(handle: IntervalHandle): void {
    this.timers.delete(handle as number);
  }
  get pending(): number {
    return this.timers.size;
  }
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (;;) {
      const next = [...this.timers.values()].filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (next === undefined) break;
      this.nowMs = next.due;
      next.due += next.ms;
      next.fn();
      for (let i = 0; i < 20; i++) await Promise.resolve();
    }
    this.nowMs = target;
  }
}

function reading(over: Partial<HostReading> = {}): HostReading {
  return {
    metrics: { cpu_usage: 12.5, memory_usage: 2.5, memory_total: 15.6, disk_usage: 10.1, disk_total: 100.2, memoryUsedBytes: 2560.7 * MIB },
    cpuTotalJiffies: 1000,
    onlineCpus: 2,
    memoryOk: true,
    ...over,
  };
}

class FakeContainers {
  calls: Array<{ targets: readonly CgroupTarget[]; host: HostCpuCounters | null }> = [];
  result: ContainerSample[] = [];
  async sampleMany(targets: readonly CgroupTarget[], host: HostCpuCounters | null): Promise<ContainerSample[]> {
    this.calls.push({ targets, host });
    return this.result.filter((r) => targets.some((t) => t.name === r.name));
  }
}

function setup(opts: { targets?: CgroupTarget[]; host?: () => Promise<HostReading> } = {}) {
  const clock = new ManualClock();
  const rings = new UsageRings({ capacity: 16 });
  const containers = new FakeContainers();
  const errors: Array<{ error: Error; context: string }> = [];
  const sampler = new UsageSampler({
    rings,
    clock,
    containers,
    host: { read: opts.host ?? (async () => reading()) },
    listTargets: async () => opts.targets ?? [],
    onError: (error, context) => errors.push({ error, context }),
  });
  return { clock, rings, containers, sampler, errors };
}

describe('UsageSampler', () => {
  it('samples every 5 s on its own timer and emits host samples with no listener needed', async () => {
    const { clock, rings, sampler } = setup();
    const seen: HostSample[] = [];
    sampler.onSample((s) => seen.push(s));
    sampler.start();
    sampler.start();
    expect(clock.pending).toBe(1);
    await clock.advance(4999);
    expect(seen).toHaveLength(0);
    await clock.advance(1);
    expect(seen).toHaveLength(1);
    await clock.advance(10_000);
    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({
      ts: 1_712_750_005,
      cpu_usage: 12.5,
      memory_usage: 2.5,
      memory_total: 15.6,
      disk_usage: 10.1,
      disk_total: 100.2,
      memoryUsedBytes: 2560.7 * MIB,
    });
    expect(sampler.latest()?.ts).toBe(1_712_750_015);
    expect(rings.query('orchestrator', 'cpu', 0, 2e9)).toEqual([
      { timestamp: 1_712_750_005, cpu: 12 },
      { timestamp: 1_712_750_010, cpu: 12 },
      { timestamp: 1_712_750_015, cpu: 12 },
    ]);
    // Orchestrator memory is trunc(used_bytes / MiB), not the rounded GiB.
    expect(rings.query('orchestrator', 'memory', 0, 2e9)[0]).toEqual({ timestamp: 1_712_750_005, memory: 2560 });
  });

  it('samples registered running containers only and records them per device', async () => {
    const targets = [
      { name: 'plc1', containerId: 'a'.repeat(64), pid: 10 },
      { name: 'stranger', containerId: 'b'.repeat(64), pid: 11 },
    ];
    const { rings, containers, sampler } = setup({ targets });
    rings.register('plc1');
    containers.result = [{ name: 'plc1', containerId: 'a'.repeat(64), cpuPercent: 37.9, memoryBytes: 143.6 * MIB }];
    const r = await sampler.sampleOnce();
    expect(containers.calls[0]?.targets.map((t) => t.name)).toEqual(['plc1']);
    expect(containers.calls[0]?.host).toEqual({ totalJiffies: 1000, onlineCpus: 2 });
    expect(r.containers).toHaveLength(1);
    expect(rings.query({ device: 'plc1' }, 'cpu', 0, 2e9)).toEqual([{ timestamp: 1_712_750_000, cpu: 37 }]);
    expect(rings.query({ device: 'plc1' }, 'memory', 0, 2e9)).toEqual([{ timestamp: 1_712_750_000, memory: 143 }]);
    expect(rings.query({ device: 'stranger' }, 'cpu', 0, 2e9)).toEqual([]);
  });

  it('records a first container sample (no CPU yet) as memory only', async () => {
    const { rings, containers, sampler } = setup({ targets: [{ name: 'p', containerId: 'c', pid: 1 }] });
    rings.register('p');
    containers.result = [{ name: 'p', containerId: 'c', cpuPercent: null, memoryBytes: 5 * MIB }];
    await sampler.sampleOnce();
    expect(rings.query({ device: 'p' }, 'cpu', 0, 2e9)).toEqual([]);
    expect(rings.query({ device: 'p' }, 'memory', 0, 2e9)).toHaveLength(1);
  });

  it('leaves host CPU and memory absent in the ring when /proc could not be read', async () => {
    const { rings, containers, sampler } = setup({ host: async () => reading({ cpuTotalJiffies: null, memoryOk: false }) });
    await sampler.sampleOnce();
    expect(containers.calls[0]?.host).toBeNull();
    expect(rings.size).toBe(1);
    expect(rings.query('orchestrator', 'cpu', 0, 2e9)).toEqual([]);
    expect(rings.query('orchestrator', 'memory', 0, 2e9)).toEqual([]);
  });

  it('shares an in-flight sample and skips overlapping ticks', async () => {
    let release: (r: HostReading) => void = () => undefined;
    let reads = 0;
    const { clock, sampler } = setup({
      host: () => {
        reads++;
        return new Promise<HostReading>((res) => {
          release = res;
        });
      },
    });
    sampler.start();
    await clock.advance(5000);
    const p = sampler.sampleOnce();
    await clock.advance(5000);
    expect(reads).toBe(1);
    release(reading());
    const r = await p;
    expect(r.host.ts).toBe(1_712_750_005);
    await clock.advance(5000);
    expect(reads).toBe(2);
  });

  it('reports listener and listTargets errors without stopping', async () => {
    const clock = new ManualClock();
    const rings = new UsageRings({ capacity: 4 });
    const errors: string[] = [];
    const sampler = new UsageSampler({
      rings,
      clock,
      containers: new FakeContainers(),
      host: { read: async () => reading() },
      listTargets: async () => {
        throw new Error('docker down');
      },
      onError: (e, ctx) => errors.push(`${ctx}: ${e.message}`),
    });
    const good: number[] = [];
    sampler.onSample(() => {
      throw new Error('boom');
    });
    const off = sampler.onSample((s) => good.push(s.ts));
    await sampler.sampleOnce();
    off();
    await sampler.sampleOnce();
    expect(good).toHaveLength(1);
    expect(errors).toEqual(['listTargets: docker down', 'onSample listener: boom', 'listTargets: docker down', 'onSample listener: boom']);
    expect(rings.size).toBe(2);
  });

  it('reports a failing host read from the timer via onError', async () => {
    const { clock, sampler, errors } = setup({ host: async () => Promise.reject(new Error('no proc')) });
    sampler.start();
    await clock.advance(5000);
    expect(errors.map((e) => `${e.context}: ${e.error.message}`)).toEqual(['sample: no proc']);
  });

  it('stop() clears the timer and listeners and cannot be restarted', async () => {
    const { clock, sampler } = setup();
    const seen: number[] = [];
    sampler.onSample((s) => seen.push(s.ts));
    sampler.onContainerSamples(() => seen.push(-1));
    sampler.start();
    expect(sampler.running).toBe(true);
    sampler.stop();
    expect(sampler.running).toBe(false);
    expect(clock.pending).toBe(0);
    await clock.advance(20_000);
    await sampler.sampleOnce();
    expect(seen).toEqual([]);
    expect(() => sampler.start()).toThrow(/stopped/);
  });

  it('emits container samples to their listeners', async () => {
    const { rings, containers, sampler } = setup({ targets: [{ name: 'p', containerId: 'c', pid: 1 }] });
    rings.register('p');
    containers.result = [{ name: 'p', containerId: 'c', cpuPercent: 1, memoryBytes: 1 }];
    const got: Array<readonly ContainerSample[]> = [];
    sampler.onContainerSamples((c) => got.push(c));
    await sampler.sampleOnce();
    expect(got).toEqual([[{ name: 'p', containerId: 'c', cpuPercent: 1, memoryBytes: 1 }]]);
    expect(sampler.latestContainerSamples()).toEqual(got[0]);
  });
});
