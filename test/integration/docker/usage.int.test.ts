// Per-vPLC usage from cgroup files while a CPU-burning stand-in runs; consumption answers in the docs/protocol.md §4.8/4.9 shapes.
// Runtime: about 15 s on 2 cores.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-burn`;
let fx: OrchestratorFixture;

beforeAll(async () => {
  fx = await openOrchestrator({}, { ringCapacity: 64 });
  expect((await fx.orch.create({ name, runtimeVersion: 'burn', vnics: [] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success' });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('usage of a CPU-burning vPLC', () => {
  it('records non-zero CPU and memory samples readable through get_consumption_device', async () => {
    await fx.orch.sampleUsageOnce();
    await new Promise((r) => setTimeout(r, 1_500));
    await fx.orch.sampleUsageOnce();
    const c = (await fx.orch.consumptionDevice(name, '1h', '1h')) as { cpu_usage: Array<{ cpu: number }>; memory_usage: Array<{ memory: number }>; memory: string; cpu: string };
    expect(c).toMatchObject({ device_id: name, memory: 'unlimited', cpu: 'unlimited' });
    expect(c.cpu_usage.at(-1)?.cpu).toBeGreaterThan(20);
    expect(c.memory_usage.at(-1)?.memory).toBeGreaterThan(0);
  });

  it('answers get_consumption_orchestrator with host facts and the host series', async () => {
    const o = (await fx.orch.consumptionOrchestrator()) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(['ip_addresses', 'memory', 'cpu', 'os', 'kernel', 'disk', 'cpu_usage', 'memory_usage']);
    expect(o.cpu).toBeGreaterThan(0);
    expect((o.memory_usage as unknown[]).length).toBeGreaterThan(0);
  });

  it('answers an unknown device with the error the protocol defines', async () => {
    expect(await fx.orch.consumptionDevice(`vt-${run}-none`)).toEqual({ status: 'error', error: `Device vt-${run}-none not found` });
  });
});
