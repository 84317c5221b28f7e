// `orchestrator.gratuitousArp: false` (for switches with dynamic ARP inspection that log them): a new static vPLC sends
// no announcement, so a LAN device that accepts unsolicited ARP learns nothing until it asks; with the setting on
// (test/integration/netns/ip-conflict.int.test.ts) the same device learns the address from the announcement alone.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 11;
const ip = lanAddress(slot, LAN, 60);
const name = `vt-${run}-nogarp`;
let parent: VethParent;
let peer: LanPeer;
let fx: OrchestratorFixture;

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  peer = createLanPeer(run, 'ngp', parent.peer, `${lanAddress(slot, LAN, 20)}/24`);
  execFileSync('ip', ['netns', 'exec', peer.ns, 'sysctl', '-qw', `net.ipv4.conf.${parent.peer}.arp_accept=1`]);
  fx = await openOrchestrator({ gratuitousArp: false });
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  peer?.dispose();
  parent?.dispose();
});

describe('gratuitous ARP turned off', () => {
  it('a new static vPLC is not announced; the device learns it only by asking', async () => {
    expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, subnet: lanSubnet(slot, LAN), dns: [] }] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    // The create settles only after its announcement step, so anything sent has arrived by now.
    expect(peer.neigh(ip)).toBe('');
    await waitFor(() => peer.reaches(ip), (ok) => ok, { timeoutMs: 10_000, what: 'the device to reach the vPLC by asking' });
    expect(peer.neigh(ip)).toContain(`lladdr ${fx.orch.vnicRecords(name)[0]?.mac_address ?? '?'}`);
  });
});
