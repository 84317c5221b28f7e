// The shared vPLC status schema against the answers a real orchestrator gives on a real dockerd: every field it sends
// is declared (nothing is dropped on the way to the UI), at each stage of a vPLC's life.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VplcStatus } from '../../../shared/domain/vplc-status.js';
import { droppedPaths } from '../../support/dropped-paths.js';
import { removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
let parent: VethParent;
let fx: OrchestratorFixture;

/** The answer, checked field for field against the shared schema. */
function declared(answer: unknown): VplcStatus {
  const parsed = VplcStatus.parse(answer);
  expect(droppedPaths(answer, parsed)).toEqual([]);
  return parsed;
}

beforeAll(async () => {
  parent = createVethParent(run, 1, `${lanAddress(slot, 1, 254)}/24`);
  fx = await openOrchestrator();
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
});

describe('vplc:status answers of a real orchestrator', () => {
  it('declares every field while creating, once running, after a stop and for an unknown name', async () => {
    const name = `vt-${run}-status`;
    const vnic = { name: 'lan1', parentInterface: parent.name, mode: 'static' as const, ip: lanAddress(slot, 1, 20), subnet: lanSubnet(slot, 1), gateway: lanAddress(slot, 1, 1), dns: [] };
    expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [vnic] }, 'cli')).status).toBe('creating');
    const creating = declared(await fx.orch.status(name));
    expect(['creating', 'success']).toContain(creating.status);
    await fx.orch.settled(name);

    const running = declared(await fx.orch.status(name));
    expect(running).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { managed: 'labelled', desired_state: 'running' } });
    expect(Object.values(running.networks ?? {})).toEqual([{ ip_address: lanAddress(slot, 1, 20), mac_address: expect.any(String), gateway: lanAddress(slot, 1, 1) }]);

    expect((await fx.orch.stop(name, 'cli')).status).toBe('success');
    const stopped = declared(await fx.orch.status(name));
    expect(stopped).toMatchObject({ status: 'success', is_running: false, exit_code: expect.any(Number), orchestrator_state: { desired_state: 'stopped' } });

    expect(declared(await fx.orch.status(`vt-${run}-nobody`))).toEqual({ status: 'not_found', device_id: `vt-${run}-nobody`, message: `Container vt-${run}-nobody does not exist` });
  });
});
