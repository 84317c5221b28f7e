/**
 * P4 — cost of one per-vPLC usage sample: our cgroup-file reader versus Docker's stats API.
 * Starts N busybox containers (idle), then measures
 *   - the cgroup reader: one sampling tick (/proc/stat + `sampleMany` over all N, cached directories), many ticks;
 *   - Docker: `GET /containers/<id>/stats?stream=false` via dockerode, a few calls per container, one after another
 *     (what the reference agent does).
 * Run alone: `npx tsx bench/p4-usage-sample.ts`. Containers are removed afterwards (by run label).
 */
import Docker from 'dockerode';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { CgroupReader } from '../electron/workers/orchestrator/metrics/cgroup.js';
import { HostMetricsReader } from '../electron/workers/orchestrator/metrics/host.js';
import {
  assertDockerReachable,
  newRunId,
  removeRun,
  runShContainer,
  type RunningContainer,
} from '../test/integration/metrics/docker-cli.js';
import { formatBenchResult, type BenchResult } from './types.js';

const N = 5;
const CGROUP_TICKS = 2000;
const DOCKER_CALLS_PER_CONTAINER = 2;

interface CgroupFigures {
  perVplcMs: number;
  perVplcCpuMs: number;
  perTickMs: number;
  samples: number;
}

async function measureCgroup(containers: readonly RunningContainer[], reader: CgroupReader): Promise<CgroupFigures> {
  const host = new HostMetricsReader();
  const targets = containers.map((c) => ({ name: c.name, containerId: c.id, pid: c.pid }));
  const tick = async (): Promise<number> => {
    const stat = await host.readProcStat();
    const counters = stat === null ? null : { totalJiffies: stat.aggregate.total, onlineCpus: stat.onlineCpus };
    const out = await reader.sampleMany(targets, counters, (t, e) => {
      throw new Error(`cgroup sample of ${t.name} failed: ${e.message}`);
    });
    return out.length;
  };
  try {
    // Warm-up: resolves and caches the cgroup directories, as the sampler does at each container start.
    for (let i = 0; i < 50; i++) await tick();
    let samples = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < CGROUP_TICKS; i++) samples += await tick();
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    if (samples !== CGROUP_TICKS * containers.length) throw new Error(`expected ${CGROUP_TICKS * containers.length} samples, got ${samples}`);
    return {
      perVplcMs: elapsed / samples,
      perVplcCpuMs: (cpu.user + cpu.system) / 1000 / samples,
      perTickMs: elapsed / CGROUP_TICKS,
      samples,
    };
  } finally {
    await Promise.all([host.close(), reader.close()]);
  }
}

async function measureHost(): Promise<{ perSampleMs: number; perSampleCpuMs: number }> {
  const host = new HostMetricsReader();
  const n = 1000;
  try {
    for (let i = 0; i < 20; i++) await host.read();
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await host.read();
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    return { perSampleMs: elapsed / n, perSampleCpuMs: (cpu.user + cpu.system) / 1000 / n };
  } finally {
    await host.close();
  }
}

async function measureDocker(containers: readonly RunningContainer[]): Promise<{ perVplcMs: number; calls: number; maxMs: number }> {
  const docker = new Docker();
  let calls = 0;
  let total = 0;
  let maxMs = 0;
  for (let i = 0; i < DOCKER_CALLS_PER_CONTAINER; i++) {
    for (const c of containers) {
      const t0 = performance.now();
      const stats = await docker.getContainer(c.id).stats({ stream: false });
      const ms = performance.now() - t0;
      if (typeof stats.memory_stats.usage !== 'number') throw new Error('stats without memory usage');
      calls++;
      total += ms;
      maxMs = Math.max(maxMs, ms);
    }
  }
  return { perVplcMs: total / calls, calls, maxMs };
}

export async function run(): Promise<BenchResult> {
  await assertDockerReachable();
  const runId = newRunId();
  try {
    const containers = await Promise.all(
      Array.from({ length: N }, (_, i) => runShContainer(runId, `vt-${runId}-metrics-${i}`, 'sleep 3600')),
    );
    const cg = await measureCgroup(containers, new CgroupReader());
    const naive = await measureCgroup(containers, new CgroupReader({ readText: (f) => readFile(f, 'utf8') }));
    const hostFig = await measureHost();
    const dk = await measureDocker(containers);
    return {
      id: 'p4-usage-sample',
      title: `Per-vPLC usage sample cost, ${N} running containers`,
      rows: [
        { label: 'cgroup reader, per vPLC', value: cg.perVplcMs, unit: 'ms', baseline: dk.perVplcMs, ratio: cg.perVplcMs / dk.perVplcMs },
        { label: 'cgroup reader, CPU time per vPLC', value: cg.perVplcCpuMs, unit: 'ms' },
        { label: `cgroup reader, one tick of ${N} (+ /proc/stat)`, value: cg.perTickMs, unit: 'ms' },
        {
          label: 'cgroup reader via readFile (no kept-open files), per vPLC',
          value: naive.perVplcMs,
          unit: 'ms',
          baseline: cg.perVplcMs,
          ratio: naive.perVplcMs / cg.perVplcMs,
        },
        { label: 'host sample (/proc/stat, meminfo, mounts + statfs)', value: hostFig.perSampleMs, unit: 'ms' },
        { label: 'host sample, CPU time', value: hostFig.perSampleCpuMs, unit: 'ms' },
        { label: 'Docker stats API (stream=false), per vPLC', value: dk.perVplcMs, unit: 'ms' },
        { label: 'Docker stats API, slowest call', value: dk.maxMs, unit: 'ms' },
        { label: 'speed-up (Docker / cgroup)', value: dk.perVplcMs / cg.perVplcMs, unit: '×' },
      ],
      notes: [
        `cgroup: ${cg.samples} samples over ${CGROUP_TICKS} ticks after a warm-up (directories cached, bounded concurrency 8).`,
        `Docker: ${dk.calls} sequential calls (${DOCKER_CALLS_PER_CONTAINER} per container), as the reference agent samples.`,
        'ratio = value / baseline; wall times include thread-pool hops, CPU time is this process (user + system).',
      ],
    };
  } finally {
    await removeRun(runId);
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  run().then(
    (r) => console.log(formatBenchResult(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
