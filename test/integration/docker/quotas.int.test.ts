// EXTEND quotas of a vPLC: applied by Docker (visible in `docker inspect`), reported in the consumption answer's
// limit strings (docs/protocol.md §4.8), and kept in the stored desired spec. Runtime: about 10 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-quota`;
let fx: OrchestratorFixture;

beforeAll(async () => {
  fx = await openOrchestrator();
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [], quotas: { cpus: 0.5, memoryMb: 96 } }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
});

afterAll(async () => {
  await fx?.dispose();
});

describe('a vPLC with quotas', () => {
  it('runs with the CPU and memory limits Docker enforces', async () => {
    const hc = (await docker.getContainer(name).inspect()).HostConfig;
    expect(hc.NanoCpus).toBe(500_000_000);
    expect(hc.Memory).toBe(96 * 1024 * 1024);
    expect(hc.MemorySwap).toBe(96 * 1024 * 1024);
  });

  it('reports the limits in get_consumption_device', async () => {
    expect(await fx.orch.consumptionDevice(name, '1h', '1h')).toMatchObject({ device_id: name, cpu: '0.5 vCPU', memory: '96 MB' });
  });

  it('keeps the quotas in the stored desired spec', () => {
    expect(fx.orch.desiredRecord(name)?.spec).toMatchObject({ quotas: { cpus: 0.5, memoryMb: 96 } });
  });
});
