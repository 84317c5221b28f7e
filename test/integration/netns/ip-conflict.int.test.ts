// IP conflicts caught before a static vNIC joins the LAN (docs/decisions.md "ARP probe"): a device in a namespace of
// this test really holds an address on the parent's LAN; a create asking for that address is refused naming the
// holder's MAC, a create of a free address goes ahead, and the new vPLC's gratuitous ARP reaches the peer. Boot sync
// probes the addresses of all the vPLCs it starts on a parent in one helper, with the same outcome per vNIC.
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { docker, wireLinks } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 8;
const ns = `vt-${run}-peer`;
const held = lanAddress(slot, LAN, 30);
const free = lanAddress(slot, LAN, 31);
const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8' });
let parent: VethParent;
let fx: OrchestratorFixture;
let peerMac: string;

const spec = (name: string, ip: string): VplcSpec => ({
  name,
  runtimeVersion: 'latest',
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, subnet: lanSubnet(slot, LAN), dns: [] }],
});

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  // The far end of the parent's cable is a device on the LAN that holds `held`, and learns from gratuitous ARP.
  sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'set', parent.peer, 'netns', ns);
  sh('ip', '-n', ns, 'addr', 'add', `${held}/24`, 'dev', parent.peer);
  sh('ip', '-n', ns, 'link', 'set', parent.peer, 'up');
  sh('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv4.conf.${parent.peer}.arp_accept=1`);
  peerMac = /link\/ether ([0-9a-f:]{17})/.exec(sh('ip', '-n', ns, 'link', 'show', parent.peer))?.[1] ?? '';
  // Every probe on a one-shot helper: the boot-sync test counts the probe helpers (docs/decisions.md "ARP probe").
  fx = await openOrchestrator({ probeHelperIdleMs: 0 });
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  parent?.dispose();
  execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
});

describe('a static vNIC whose address another device holds', () => {
  it('is refused before it joins the LAN, naming the field, the address and the MAC that holds it', async () => {
    const name = `vt-${run}-taken`;
    expect((await fx.orch.create(spec(name, held), 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    const s = await fx.orch.status(name);
    expect(s).toMatchObject({ status: 'error', operation: 'create' });
    expect(String(s.error)).toBe(`vnics[0].ip: IP ${held} is already in use on ${parent.name} by the device with MAC ${peerMac}; choose a free address or free that one`);
    // Rolled back: no container, nothing on the LAN.
    expect(sh('docker', 'ps', '-aq', '--filter', `name=^${name}$`)).toBe('');
  });

  it('a free address is created, and its gratuitous ARP tells the peer where it lives', async () => {
    const name = `vt-${run}-free`;
    expect(sh('ip', '-n', ns, 'neigh', 'show', free)).toBe('');
    expect((await fx.orch.create(spec(name, free), 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    const mac = fx.orch.vnicRecords(name)[0]?.mac_address ?? '';
    expect(mac).toMatch(/^[0-9a-f:]{17}$/);
    // Learnt from the announcement alone: the peer never asked for it.
    const neigh = await waitFor(() => sh('ip', '-n', ns, 'neigh', 'show', free), (n) => n.includes('lladdr'), { timeoutMs: 10_000, what: 'the peer to learn the address' });
    expect(neigh).toContain(`lladdr ${mac}`);
  });

  it('a device that takes the address while the vPLC is stopped keeps that vNIC off the LAN at start, in error; the rest starts', async () => {
    const name = `vt-${run}-free`;
    const lanNet = fx.orch.vnicRecords(name)[0]?.docker_network_name ?? '';
    expect(lanNet).not.toBe('');
    expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    sh('ip', '-n', ns, 'addr', 'add', `${free}/24`, 'dev', parent.peer);
    expect(await fx.orch.start(name, 'cli')).toMatchObject({ status: 'success' });
    const s = await fx.orch.status(name);
    expect(s).toMatchObject({ status: 'success', is_running: true });
    const warnings = (s.orchestrator_state as { warnings: string[] }).warnings;
    expect(warnings).toContain(`vNIC 'lan' left off the LAN: IP ${free} is already in use on ${parent.name} by the device with MAC ${peerMac}; choose a free address or free that one; then start the vPLC again`);
    expect(Object.keys((await docker.getContainer(name).inspect()).NetworkSettings.Networks)).not.toContain(lanNet);

    // The device gives the address back: the next start puts the vNIC on the LAN again, with its MAC and address.
    sh('ip', '-n', ns, 'addr', 'del', `${free}/24`, 'dev', parent.peer);
    expect(await fx.orch.restart(name, 'cli')).toMatchObject({ status: 'success' });
    const after = await fx.orch.status(name);
    expect((after.orchestrator_state as { warnings: string[] }).warnings.filter((w) => w.includes('left off the LAN'))).toEqual([]);
    const ep = (await docker.getContainer(name).inspect()).NetworkSettings.Networks[lanNet];
    expect(ep?.IPAddress).toBe(free);
    const mac = fx.orch.vnicRecords(name)[0]?.mac_address;
    const links = await wireLinks((await docker.getContainer(name).inspect()).Id, run);
    expect(links.find((l) => l.ipv4.includes(free))?.mac).toBe(mac);
  });
});

describe('boot sync after the vPLCs were stopped (a host restart)', () => {
  it('probes every address on the parent in one helper: a taken one stays off the LAN, the others start on it', async () => {
    const taken = lanAddress(slot, LAN, 32);
    const kept = lanAddress(slot, LAN, 33);
    const [a, b] = [`vt-${run}-boot-a`, `vt-${run}-boot-b`];
    for (const [n, ip] of [[a, kept], [b, taken]] as const) expect((await fx.orch.create(spec(n, ip), 'cli')).status).toBe('creating');
    await fx.orch.settled();
    const lanNet = fx.orch.vnicRecords(b)[0]?.docker_network_name ?? '';
    expect(lanNet).not.toBe('');
    // Every vPLC of this installation is stopped while no agent runs; then a device takes b's address.
    await fx.orch.close({ graceMs: 5_000 });
    const ours = await docker.listContainers({ filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=vplc`] } });
    await Promise.all(ours.map((c) => docker.getContainer(c.Id).stop({ t: 1 })));
    sh('ip', '-n', ns, 'addr', 'add', `${taken}/24`, 'dev', parent.peer);

    const since = Math.floor(Date.now() / 1000) - 1;
    let agent: Orchestrator | null = null;
    try {
      agent = await fx.reopen();
      await agent.startLifecycle({ sampleUsage: false, reconcile: false });
      const running = await Promise.all([a, b].map(async (n) => (await docker.getContainer(n).inspect()).State.Running));
      expect(running).toEqual([true, true]);
      expect((await agent.status(b)).orchestrator_state).toMatchObject({
        warnings: expect.arrayContaining([`vNIC 'lan' left off the LAN: IP ${taken} is already in use on ${parent.name} by the device with MAC ${peerMac}; choose a free address or free that one; then start the vPLC again`]),
      });
      expect(Object.keys((await docker.getContainer(b).inspect()).NetworkSettings.Networks)).not.toContain(lanNet);
      expect((await docker.getContainer(a).inspect()).NetworkSettings.Networks[lanNet]?.IPAddress).toBe(kept);
      expect(((await agent.status(a)).orchestrator_state as { warnings: string[] }).warnings.filter((w) => w.includes('IP'))).toEqual([]);

      // One probe helper for the parent: its label names the parent, not a vPLC.
      const stream = (await docker.getEvents({
        since,
        until: Math.ceil(Date.now() / 1000),
        filters: { type: ['container'], event: ['create'], label: [`${Label.instance}=${agent.installationId}`, `${Label.role}=helper`, `${Label.parent}=${parent.name}`] },
      })) as unknown as Readable;
      let text = '';
      for await (const chunk of stream) text += String(chunk);
      expect(text.split('\n').filter((l) => l.trim()).length).toBe(1);
    } finally {
      sh('ip', '-n', ns, 'addr', 'del', `${taken}/24`, 'dev', parent.peer);
      await agent?.close({ graceMs: 5_000 });
    }
  });
});
