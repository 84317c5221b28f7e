// Two simulated LANs (namespaces with a bridge, busybox udhcpd and a peer host); a DHCP vPLC leases on LAN A, the host
// parent moves to LAN B (cable moved and host re-addressed), the vPLC follows without a restart and leases on LAN B.
// Runtime: about 60-90 s on 2 cores (real netmon with its 3 s debounce, udhcpc discover timing, stand-in runtime).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import { createLan, readdressHost, type Lan } from '../../support/lan.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const baseA = `198.18.${slot * 16 + 10}`;
const baseB = `198.18.${slot * 16 + 11}`;
let lanA: Lan;
let lanB: Lan;
let parent: VethParent;
let netmon: Netmon;
let fx: OrchestratorFixture;
const reattached: Array<ReattachEvent & { seenAt: number }> = [];
const name = `vt-${run}-dhcp`;
const mac = '02:5a:10:00:00:01';

type Net = { ip_address: string | null; mac_address: string | null; gateway: string | null };
const networksOf = async (): Promise<Record<string, Net>> => ((await fx.orch.status(name)).networks ?? {}) as Record<string, Net>;
const lanIp = (nets: Record<string, Net>, net: string): string | null => nets[net]?.ip_address ?? null;
const netName = (base: string): string => `macvlan_${parent.name}_${base}.0_24`;

/** Waits until the Docker-assigned address is gone from the vNIC on the wire; returns the delay from `since`. */
async function dockerAddressGone(containerId: string, dockerIp: string, since: number): Promise<number> {
  await waitFor(() => wireLinks(containerId, run), (links) => !links.some((l) => l.ipv4.includes(dockerIp)), { timeoutMs: 30_000, intervalMs: 100, what: `Docker's ${dockerIp} gone` });
  return Date.now() - since;
}

/** From the moment Docker shows the new endpoint until its IPAM address is gone from the wire. */
async function watchReconnect(containerId: string): Promise<{ dockerIp: string; delayMs: number }> {
  const info = await waitFor(
    () => docker.getContainer(containerId).inspect(),
    (i) => !!i.NetworkSettings.Networks[netName(baseB)]?.IPAddress,
    { timeoutMs: 60_000, intervalMs: 50, what: 'the endpoint on LAN B' },
  );
  const connectedAt = Date.now();
  const dockerIp = info.NetworkSettings.Networks[netName(baseB)]?.IPAddress ?? '';
  return { dockerIp, delayMs: await dockerAddressGone(containerId, dockerIp, connectedAt) };
}

let reconnectWatch: Promise<{ dockerIp: string; delayMs: number }>;

beforeAll(async () => {
  lanA = createLan(run, 'a', baseA);
  lanB = createLan(run, 'b', baseB);
  parent = createVethParent(run, 10);
  lanA.plug(parent.peer);
  readdressHost(parent.name, null, `${baseA}.254/24`, lanA.router);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({}, { interfaces: netmon.cache, readiness: netmon.cache });
  netmon.cache.onChange((d) => void fx.orch.onNetworkChange(d));
  fx.orch.onReattach((e) => reattached.push({ ...e, seenAt: Date.now() }));
  await netmon.cache.whenReady();
});

afterAll(async () => {
  netmon?.stop();
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
  lanA?.dispose();
  lanB?.dispose();
});

describe('DHCP vPLC across a move between two LANs', () => {
  it('leases on LAN A through the helper, with the lease in status, the lease file and resolv.conf', async () => {
    const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'dhcp', dns: [], mac }] }, 'cli');
    expect(ack.status).toBe('creating');
    await fx.orch.settled(name);
    const nets = await waitFor(networksOf, (n) => (lanIp(n, netName(baseA)) ?? '').startsWith(`${baseA}.1`), { timeoutMs: 60_000, what: 'a lease on LAN A' });
    expect(nets[netName(baseA)]).toMatchObject({ mac_address: mac, gateway: lanA.router });
    // The status follows the lease at once; its file is written right after, so it is waited for, not assumed.
    const leaseFile = path.join(fx.dataDir, 'dhcp', `${name}_lan.lease`);
    const lease = await waitFor(() => (existsSync(leaseFile) ? (JSON.parse(readFileSync(leaseFile, 'utf8')) as Record<string, unknown>) : null), (l) => l !== null, { timeoutMs: 10_000, what: 'the lease file' });
    expect(lease).toMatchObject({ ip: lanIp(nets, netName(baseA)), router: lanA.router, dns: lanA.router, prefix: 24, event: 'bound' });
    const resolv = await waitFor(
      async () => execFileSync('docker', ['exec', name, 'cat', '/etc/resolv.conf'], { encoding: 'utf8' }),
      (s) => s.includes(`nameserver ${lanA.router}`),
      { timeoutMs: 10_000, what: 'resolv.conf from the lease' },
    );
    expect(resolv).toContain('search lan.test');
    // The DHCP client runs from the image the agent built itself from the host's busybox (nothing pulled).
    const [helper] = await docker.listContainers({ filters: { label: [`io.vplc-orchestrator.vplc=${name}`, 'io.vplc-orchestrator.role=dhcp'] } });
    expect(helper?.Image).toMatch(/^vplc-orchestrator\/helper:[0-9a-f]{16}$/);
    const image = await docker.getImage(helper?.Image ?? '').inspect();
    expect(image.Config.Labels).toMatchObject({ 'io.vplc-orchestrator.managed': 'true', 'io.vplc-orchestrator.role': 'helper-image' });
  });

  it('removes the Docker-assigned address once the lease is applied', async () => {
    const info = await docker.getContainer(name).inspect();
    const dockerIp = info.NetworkSettings.Networks[netName(baseA)]?.IPAddress ?? '';
    expect(dockerIp).not.toBe('');
    const links = await wireLinks(info.Id, run);
    const lan = links.find((l) => l.mac === mac);
    expect(lan?.ipv4).toEqual([lanIp(await networksOf(), netName(baseA))]);
    expect(lan?.ipv4).not.toContain(dockerIp);
  });

  it('follows the host to LAN B without a restart, leases there and answers the LAN B peer', async () => {
    const before = await docker.getContainer(name).inspect();
    const t0 = Date.now();
    reconnectWatch = watchReconnect(before.Id);
    lanB.plug(parent.peer, lanA.ns);
    readdressHost(parent.name, `${baseA}.254/24`, `${baseB}.254/24`, lanB.router);

    const nets = await waitFor(networksOf, (n) => (lanIp(n, netName(baseB)) ?? '').startsWith(`${baseB}.1`), { timeoutMs: 90_000, what: 'a lease on LAN B' });
    const leased = Date.now() - t0;
    const ev = reattached.find((e) => e.vplc === name && e.result === 'reattached' && e.network === netName(baseB));
    expect(ev).toBeDefined();
    console.log(`[dhcp-move] address change -> re-attached ${(ev as { seenAt: number }).seenAt - t0} ms, -> lease on LAN B ${leased} ms (includes the 3 s debounce)`);
    expect(Object.keys(nets)).toEqual([netName(baseB)]);
    const leaseIp = lanIp(nets, netName(baseB)) as string;
    await waitFor(() => lanB.peerRun('/bin/busybox', 'ping', '-c', '1', '-W', '1', leaseIp), (s) => s === 0, { timeoutMs: 20_000, what: `peer on LAN B pings ${leaseIp}` });
    const page = execFileSync('docker', ['exec', name, 'sh', '-c', `wget -q -O - http://${lanB.peer}/ 2>/dev/null || echo unreachable`], { encoding: 'utf8' });
    if (!page.includes('unreachable')) expect(page).toContain('peer of b');

    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    expect(after.State.Running).toBe(true);
  });

  it('removes the Docker-assigned address again after the reconnect and after a restart, printing the delay', async () => {
    const { dockerIp, delayMs } = await reconnectWatch;
    console.log(`[dhcp-move] Docker-assigned ${dockerIp} gone ${delayMs} ms after the endpoint was reconnected (wire probe resolution ~0.3 s)`);

    expect((await fx.orch.restart(name, 'cli')).status).toBe('success');
    const restarted = await docker.getContainer(name).inspect();
    const ip2 = restarted.NetworkSettings.Networks[netName(baseB)]?.IPAddress ?? '';
    const afterRestart = await dockerAddressGone(restarted.Id, ip2, Date.parse(restarted.State.StartedAt));
    console.log(`[dhcp-move] Docker-assigned ${ip2} gone after the restart: ${afterRestart} ms after StartedAt (includes the wire probe)`);
    await waitFor(networksOf, (n) => (lanIp(n, netName(baseB)) ?? '').startsWith(`${baseB}.1`), { timeoutMs: 60_000, what: 'a lease after the restart' });
  });
});
