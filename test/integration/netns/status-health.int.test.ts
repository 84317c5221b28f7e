// A DHCP vPLC on a LAN with no DHCP server: the create ends "created with problems" and the vPLC is `degraded` (list,
// status warnings) with the missing lease as the reason; once a server appears on the LAN (busybox udhcpd in a netns)
// the client leases and the vPLC becomes `running`. Runtime: about 40-70 s on 2 cores (udhcpc's discover timing).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeByLabels } from '../../support/docker.js';
import { createLan, readdressHost, type Lan } from '../../support/lan.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const base = `198.18.${workerSlot() * 16 + 12}`;
const name = `vt-${run}-health`;
const RUNTIME_WAIT_MS = 10_000;
let lan: Lan;
let parent: VethParent;
let fx: OrchestratorFixture;

const summary = async () => (await fx.orch.list()).find((v) => v.name === name);

beforeAll(async () => {
  lan = createLan(run, 'h', base, { dhcp: false });
  parent = createVethParent(run, 12);
  lan.plug(parent.peer);
  readdressHost(parent.name, null, `${base}.254/24`, lan.router);
  fx = await openOrchestrator({ runtimeWaitMs: RUNTIME_WAIT_MS });
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
  lan?.dispose();
});

describe('status derived from verified facts', () => {
  it('ends the create "with problems" and shows the vPLC degraded while its vNIC has no lease', async () => {
    const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'dhcp', dns: [] }] }, 'cli');
    expect(ack.status).toBe('creating');
    await fx.orch.settled(name);

    const status = await fx.orch.status(name);
    // The wire keeps Docker's words and `success`; the problems travel as warnings (docs/protocol.md §4.5).
    expect(status).toMatchObject({ status: 'success', container_status: 'running', is_running: true });
    const state = status.orchestrator_state;
    expect(state?.create_problems).toEqual([`no DHCP lease on vNIC 'lan' within ${RUNTIME_WAIT_MS / 1000} s: no DHCP server answered`]);
    expect(state?.health).toBe('degraded');
    expect(state?.health_reasons).toContain("no DHCP lease on vNIC 'lan'");
    expect(state?.warnings).toContain("no DHCP lease on vNIC 'lan'");

    expect(await summary()).toMatchObject({ state: 'running', running: true, health: 'degraded', reasons: expect.arrayContaining(["no DHCP lease on vNIC 'lan'"]) as unknown });
    // The journal records the create with what it could not verify.
    expect(fx.orch.outcomeDetail({ kind: 'changed', name, reason: 'created' })).toBe(state?.create_problems?.join('; '));
    // The figures /metrics renders carry the same word.
    expect((await fx.orch.vplcMetrics()).find((m) => m.name === name)?.health).toBe('degraded');
  });

  it('becomes running once a DHCP server on the LAN gives a lease', async () => {
    await lan.restartDhcp(100, 150);
    const s = await waitFor(summary, (v) => v?.health === 'running', { timeoutMs: 120_000, intervalMs: 500, what: 'the vPLC running with a lease' });
    expect(s?.reasons).toEqual([]);
    expect((await fx.orch.vplcMetrics()).find((m) => m.name === name)?.health).toBe('running');
    const status = await fx.orch.status(name);
    expect(status.orchestrator_state?.health).toBe('running');
    expect(status.orchestrator_state?.warnings).not.toContain("no DHCP lease on vNIC 'lan'");
    expect(Object.values(status.networks ?? {})[0]?.ip_address).toMatch(new RegExp(`^${base.replaceAll('.', '\\.')}\\.1[0-5]\\d$`));
  });
});
