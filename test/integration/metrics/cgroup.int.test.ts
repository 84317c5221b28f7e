/**
 * Runtime: ~3–5 s (one busybox container, a 1.5 s CPU window). Needs a reachable Docker engine; never skips.
 * Starts a CPU-burning container and reads its CPU % and memory through our cgroup reader (v1 or v2, whichever the
 * host runs), against host CPU time from /proc/stat.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CgroupReader } from '../../../electron/workers/orchestrator/metrics/cgroup.js';
import { HostMetricsReader } from '../../../electron/workers/orchestrator/metrics/host.js';
import { requireDocker } from '../../support/require.js';
import { assertDockerReachable, newRunId, removeRun, runShContainer, type RunningContainer } from './docker-cli.js';

requireDocker();

const runId = newRunId();
let burner: RunningContainer | undefined;

beforeAll(async () => {
  await assertDockerReachable();
  burner = await runShContainer(runId, `vt-${runId}-metrics`, 'while :; do :; done');
});

afterAll(async () => {
  await removeRun(runId);
});

async function hostCounters(host: HostMetricsReader): Promise<{ totalJiffies: number; onlineCpus: number }> {
  const stat = await host.readProcStat();
  if (stat === null) throw new Error('/proc/stat unreadable');
  return { totalJiffies: stat.aggregate.total, onlineCpus: stat.onlineCpus };
}

describe('cgroup reader against a real container', () => {
  it('sees a busy loop burn CPU and use memory', async () => {
    if (burner === undefined) throw new Error('container did not start');
    const reader = new CgroupReader();
    const host = new HostMetricsReader();
    const target = { name: 'burner', containerId: burner.id, pid: burner.pid };

    const first = await reader.sample(target, await hostCounters(host));
    expect(first.cpuPercent).toBeNull();
    await new Promise((r) => setTimeout(r, 1500));
    const second = await reader.sample(target, await hostCounters(host));

    expect(second.cpuPercent).not.toBeNull();
    expect(second.cpuPercent ?? 0).toBeGreaterThan(20);
    expect(second.memoryBytes).toBeGreaterThan(0);
    expect(reader.cachedCount).toBe(1);
  });
});
