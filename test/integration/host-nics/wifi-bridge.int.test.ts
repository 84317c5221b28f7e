// A static WiFi vNIC through the host's proxy-ARP bridge, beside a MACVLAN vNIC on one vPLC: a device on each LAN
// reaches the runtime over HTTPS (on the WiFi side through the host, which answers ARP with the WiFi NIC's MAC); the
// bridge survives a stop/start and an agent restart without being duplicated; a delete leaves the host as it found it,
// including a neighbour proxy we did not make.
// Runtime: about 40-60 s on 2 cores (stand-in runtime, one vPLC, several host helpers per bridge).
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, testSettings, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';
import { hostVethName } from '../../../electron/workers/orchestrator/wifi/naming.js';
import { createWifiParent, hostSnapshot, httpFromPeer, type HostSnapshot, type WifiParent } from '../../support/wifi-parent.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const W = 5;
const E = 6;
const wifiIp = lanAddress(slot, W, 50);
const wiredIp = lanAddress(slot, E, 50);
const foreignProxy = lanAddress(slot, W, 77);
const movedIp = lanAddress(slot, W, 51);
const name = `vt-${run}-wf`;
/** The host ends of this file's bridges (one WiFi vNIC per vPLC). */
const ours = [name, `${name}2`, `${name}f`, `${name}p`].map((n) => hostVethName(n, 'wifi', 1));
let wlx: WifiParent;
let wired: VethParent;
let wifiPeer: LanPeer;
let wiredPeer: LanPeer;
let fx: OrchestratorFixture;
let orch: Orchestrator;
let before: HostSnapshot;

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
const inVplc = async (...args: string[]): Promise<string> => {
  const pid = (await docker.getContainer(name).inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', ...args], { encoding: 'utf8' });
};
const reachable = (): Promise<number> => waitFor(() => httpFromPeer(wifiPeer.ns, wifiIp), (c) => c > 0, { timeoutMs: 15_000, what: `HTTPS to ${wifiIp} from the WiFi LAN` });

beforeAll(async () => {
  wlx = createWifiParent(run, W, `${lanAddress(slot, W, 254)}/24`);
  wired = createVethParent(run, E, `${lanAddress(slot, E, 254)}/24`);
  wifiPeer = createLanPeer(run, 'wp', wlx.peer, `${lanAddress(slot, W, 20)}/24`);
  wiredPeer = createLanPeer(run, 'ep', wired.peer, `${lanAddress(slot, E, 20)}/24`);
  // Someone else's neighbour proxy on the WiFi parent: it must survive every teardown of ours.
  ip('neigh', 'add', 'proxy', foreignProxy, 'dev', wlx.name);
  before = hostSnapshot(wlx.name, wifiIp, ours);
  fx = await openOrchestrator({ parentPolicy: { allow: ['vt*', `wlx${run}*`] } });
  orch = fx.orch;
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  wifiPeer?.dispose();
  wiredPeer?.dispose();
  wlx?.dispose();
  wired?.dispose();
});

describe('WiFi vNIC through a proxy-ARP bridge', () => {
  it('refuses a static WiFi vNIC without a gateway, or with an address outside the parent subnet, naming the field', async () => {
    const noGw = await orch.create({ name: `${name}x`, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: wifiIp, dns: [] }] }, 'cli');
    expect(noGw).toMatchObject({ status: 'error', error: expect.stringContaining('vnics[0].gateway: a static WiFi vNIC needs a gateway') });
    const outside = lanAddress(slot, E, 60);
    const off = await orch.create({ name: `${name}x`, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: outside, gateway: lanAddress(slot, W, 1), dns: [] }] }, 'cli');
    expect(off).toMatchObject({ status: 'error', error: expect.stringContaining(`vnics[0].ip: ${outside} is outside ${wlx.name}'s subnet`) });
    const gwOff = await orch.create({ name: `${name}x`, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: wifiIp, gateway: lanAddress(slot, E, 1), dns: [] }] }, 'cli');
    expect(gwOff).toMatchObject({ status: 'error', error: expect.stringContaining('vnics[0].gateway:') });
  });

  it('probes the address on the WiFi parent first: one a device holds refuses the create, naming the field', async () => {
    const held = lanAddress(slot, W, 66);
    wifiPeer.hold(`${held}/24`);
    try {
      const probe = `${name}p`;
      const ack = await orch.create({ name: probe, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: held, gateway: lanAddress(slot, W, 1), dns: [] }] }, 'cli');
      expect(ack.status).toBe('creating');
      await orch.settled(probe);
      expect(await orch.status(probe)).toMatchObject({ status: 'error', error: `vnics[0].ip: IP ${held} is already in use on ${wlx.name} by the device with MAC ${wifiPeer.mac}; choose a free address or free that one` });
      expect(hostSnapshot(wlx.name, held, ours).routes).toEqual([]);
    } finally {
      wifiPeer.release(`${held}/24`);
    }
  });

  it("does not claim a neighbour proxy someone else made for the address: the vPLC runs degraded, the entry stays", async () => {
    const other = `${name}f`;
    const ack = await orch.create({ name: other, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: foreignProxy, gateway: lanAddress(slot, W, 1), dns: [] }] }, 'cli');
    expect(ack.status).toBe('creating');
    await orch.settled(other);
    const status = await orch.status(other);
    expect(status).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { health: 'degraded' } });
    expect((status.orchestrator_state as { warnings: string[] }).warnings.join('\n')).toContain(`${foreignProxy} is already proxied on ${wlx.name} by something other than this agent`);
    expect((await readVnics(other)).find((x) => x.name === 'wifi')?._proxy_arp_config).toBeUndefined();
    await orch.delete(other, 'cli');
    await orch.settled(other);
    expect(ip('neigh', 'show', 'proxy', 'dev', wlx.name)).toContain(foreignProxy);
    expect(hostSnapshot(wlx.name, foreignProxy, ours).links).toEqual([]);
  });

  it('reaches the runtime from both LANs: WiFi through the host (proxy ARP), wired through MACVLAN', async () => {
    const ack = await orch.create(
      {
        name,
        runtimeVersion: 'latest',
        vnics: [
          { name: 'wired', parentInterface: wired.name, mode: 'static', ip: wiredIp, dns: [] },
          { name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: wifiIp, gateway: lanAddress(slot, W, 1), dns: [] },
        ],
      },
      'cli',
    );
    expect(ack.status).toBe('creating');
    await orch.settled(name);
    const status = await orch.status(name);
    expect(status).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { health: 'running' } });
    expect(status.networks?.[`wifi_${wlx.name}_wifi`]).toEqual({ ip_address: wifiIp, mac_address: null, gateway: lanAddress(slot, W, 1) });
    expect(status.vnic_modes).toEqual([
      { name: 'wired', parent_interface: wired.name, method: 'macvlan', reason: `parent ${wired.name} is wired Ethernet: MACVLAN` },
      expect.objectContaining({ name: 'wifi', parent_interface: wlx.name, method: 'proxy_arp', veth_host: expect.stringMatching(/^veth-[0-9a-f]{10}$/) }),
    ]);
    expect((await orch.list()).find((v) => v.name === name)?.vnic_modes.map((m) => m.method)).toEqual(['macvlan', 'proxy_arp']);
    expect(await reachable()).toBeGreaterThan(0);
    expect(wifiPeer.neigh(wifiIp)).toContain(`lladdr ${wlx.mac}`);
    expect(await waitFor(() => httpFromPeer(wiredPeer.ns, wiredIp), (c) => c > 0, { timeoutMs: 15_000, what: 'HTTPS on the wired LAN' })).toBeGreaterThan(0);
    const v = (await readVnics()).find((x) => x.name === 'wifi');
    expect(v).toMatchObject({ _interface_type: 'wifi', _is_wifi: true, _network_method: 'proxy_arp', _proxy_arp_config: { ip_address: wifiIp, parent_interface: wlx.name, veth_container: 'wl0' } });
    expect(v?.docker_network_name).toBeUndefined();
    // A MACVLAN vNIC without a gateway: the WiFi vNIC carries the default route.
    expect(await inVplc('-4', 'route', 'show', 'default')).toContain(`via ${lanAddress(slot, W, 1)} dev wl0`);
    expect(hostSnapshot(wlx.name, wifiIp, ours).forward).toHaveLength(2);
  });

  it('rebuilds the bridge after a stop and a start', async () => {
    expect((await orch.stop(name, 'cli')).status).not.toBe('error');
    expect(httpFromPeer(wifiPeer.ns, wifiIp)).toBe(0);
    expect((await orch.start(name, 'cli')).status).not.toBe('error');
    await orch.settled(name);
    wifiPeer.forget(wifiIp);
    expect(await reachable()).toBeGreaterThan(0);
    const snap = hostSnapshot(wlx.name, wifiIp, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.links).toHaveLength(1);
  });

  it('keeps the bridge through an agent restart, never duplicated', async () => {
    const vethBefore = ip('-o', 'link', 'show').split('\n').filter((l) => ours.some((v) => l.includes(`: ${v}@`)));
    expect(vethBefore).toHaveLength(1);
    await orch.close({ graceMs: 5_000 });
    orch = await fx.reopen();
    await orch.startLifecycle({ sampleUsage: false });
    await orch.restoredAtStart();
    const snap = hostSnapshot(wlx.name, wifiIp, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.proxies.filter((l) => l.startsWith(`${wifiIp} `))).toHaveLength(1);
    // Same link (same index): kept, not made again.
    expect(ip('-o', 'link', 'show').split('\n').filter((l) => ours.some((v) => l.includes(`: ${v}@`)))).toEqual(vethBefore);
    wifiPeer.forget(wifiIp);
    expect(await reachable()).toBeGreaterThan(0);
  });

  it('holds an address edit of a running WiFi vNIC while the change window is closed: the bridge is untouched', async () => {
    const spec = (ip4: string, plcAware?: boolean) => ({
      name,
      runtimeVersion: 'latest',
      ...(plcAware === undefined ? {} : { plcAwareChanges: plcAware }),
      vnics: [
        { name: 'wired', parentInterface: wired.name, mode: 'static' as const, ip: wiredIp, dns: [] },
        { name: 'wifi', parentInterface: wlx.name, mode: 'static' as const, ip: ip4, gateway: lanAddress(slot, W, 1), dns: [] },
      ],
    });
    const links = ip('-o', 'link', 'show').split('\n').filter((l) => ours.some((v) => l.includes(`: ${v}@`)));
    // PLC-aware changes off (a policy-only edit) and no confirmation: the window is closed while the vPLC runs.
    expect(await orch.edit(name, spec(wifiIp, false), 'ui')).toMatchObject({ status: 'saved', path: 'none' });
    const ack = await orch.edit(name, spec(movedIp, false), 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate' });
    const snap = hostSnapshot(wlx.name, wifiIp, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.proxies.filter((l) => l.startsWith(`${wifiIp} `))).toHaveLength(1);
    expect(ip('-o', 'link', 'show').split('\n').filter((l) => ours.some((v) => l.includes(`: ${v}@`)))).toEqual(links);
    expect((await readVnics()).find((x) => x.name === 'wifi')).toMatchObject({ ip: wifiIp, _proxy_arp_config: { ip_address: wifiIp } });
    expect(await inVplc('-4', '-o', 'addr', 'show', 'dev', 'wl0')).toContain(`${wifiIp}/24`);
    // The pending change is withdrawn: the stored spec is the running one again.
    expect(await orch.edit(name, spec(wifiIp), 'ui')).toMatchObject({ status: 'saved' });
    wifiPeer.forget(wifiIp);
    expect(await reachable()).toBeGreaterThan(0);
  });

  it('drops the bridge when the vPLC dies without the agent, and builds it again at the next start', async () => {
    // Restarts held off (the watchdog waits a minute, no reconcile), so what a kill leaves on the host can be looked at.
    await orch.close({ graceMs: 5_000 });
    orch = await fx.reopen({ settings: testSettings(fx.dataDir, { parentPolicy: { allow: ['vt*', `wlx${run}*`] }, watchdog: { delayMs: 60_000 } }) });
    await orch.startLifecycle({ sampleUsage: false, reconcile: false });
    await orch.restoredAtStart();
    expect(hostSnapshot(wlx.name, wifiIp, ours).forward).toHaveLength(2);
    await docker.getContainer(name).kill();
    const gone = await waitFor(
      () => hostSnapshot(wlx.name, wifiIp, ours),
      (snap) => snap.forward.length === 0 && snap.routes.length === 0 && !snap.proxies.some((l) => l.startsWith(`${wifiIp} `)),
      { timeoutMs: 20_000, intervalMs: 200, what: 'the proxy entry, route and FORWARD rules gone after the kill' },
    );
    expect(gone.proxies.some((l) => l.startsWith(`${foreignProxy} `))).toBe(true);
    expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
    expect((await orch.start(name, 'cli')).status).not.toBe('error');
    await orch.settled(name);
    const snap = hostSnapshot(wlx.name, wifiIp, ours);
    expect(snap.forward).toHaveLength(2);
    expect(snap.routes).toHaveLength(1);
    expect(snap.proxies.filter((l) => l.startsWith(`${wifiIp} `))).toHaveLength(1);
    wifiPeer.forget(wifiIp);
    expect(await reachable()).toBeGreaterThan(0);
  }, 60_000);

  it('takes an edited address on the same container: the next start bridges the new one, nothing of the old stays', async () => {
    expect(await orch.stop(name, 'ui')).toMatchObject({ status: 'success' });
    const id = (await docker.getContainer(name).inspect()).Id;
    const vnics = (ip4: string) => [
      { name: 'wired', parentInterface: wired.name, mode: 'static' as const, ip: wiredIp, dns: [] },
      { name: 'wifi', parentInterface: wlx.name, mode: 'static' as const, ip: ip4, gateway: lanAddress(slot, W, 1), dns: [] },
    ];
    const ack = await orch.edit(name, { name, runtimeVersion: 'latest', vnics: vnics(movedIp) }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', path: 'same-container' });
    expect(await orch.start(name, 'ui')).toMatchObject({ status: 'success' });
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(id);
    // Still no Docker network on the WiFi parent: the edit changed the bridge, not an endpoint.
    expect(Object.keys(after.NetworkSettings.Networks).filter((n) => n.includes(wlx.name))).toEqual([]);
    expect(await waitFor(() => httpFromPeer(wifiPeer.ns, movedIp), (c) => c > 0, { timeoutMs: 15_000, what: `HTTPS to ${movedIp}` })).toBeGreaterThan(0);
    expect(hostSnapshot(wlx.name, wifiIp, ours).routes).toEqual([]);
    expect(hostSnapshot(wlx.name, wifiIp, ours).proxies.filter((l) => l.startsWith(`${wifiIp} `))).toEqual([]);
    const rec = (await readVnics()).find((x) => x.name === 'wifi');
    expect(rec).toMatchObject({ ip: movedIp, _proxy_arp_config: { ip_address: movedIp } });
    expect(rec?.docker_network_name).toBeUndefined();
  });

  it('leaves the host as it was after a delete, our foreign neighbour proxy included', async () => {
    expect(hostSnapshot(wlx.name, wifiIp, ours).proxyArp).toBe('1');
    await orch.delete(name, 'cli');
    await orch.settled(name);
    expect(hostSnapshot(wlx.name, wifiIp, ours)).toEqual(before);
    expect(ip('neigh', 'show', 'proxy', 'dev', wlx.name)).toContain(foreignProxy);
  });

  it('self-destruct removes the bridges too (cleaning_proxy_arp) and puts the sysctls back', async () => {
    const again = `${name}2`;
    expect((await orch.create({ name: again, runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: wlx.name, mode: 'static', ip: wifiIp, gateway: lanAddress(slot, W, 1), dns: [] }] }, 'cli')).status).toBe('creating');
    await orch.settled(again);
    expect(await reachable()).toBeGreaterThan(0);
    expect(existsSync(path.join(fx.dataDir, 'wifi_sysctls.json'))).toBe(true);
    expect(orch.selfDestruct(async () => undefined).status).toBe('accepted');
    await orch.settled();
    expect(hostSnapshot(wlx.name, wifiIp, ours)).toEqual(before);
    expect(existsSync(path.join(fx.dataDir, 'wifi_sysctls.json'))).toBe(false);
  });

  it('self-destruct removes wifi_sysctls.json even when no bridge is left to tear down', async () => {
    // A value remembered by a build cut short (no bridge recorded): nothing of ours is on the host, so nothing is kept.
    const file = path.join(fx.dataDir, 'wifi_sysctls.json');
    await orch.close({ graceMs: 5_000 });
    writeFileSync(file, JSON.stringify({ [`proxy_arp:${wlx.name}`]: { before: before.proxyArp } }));
    orch = await fx.reopen();
    expect(orch.selfDestruct(async () => undefined).status).toBe('accepted');
    await orch.settled();
    expect(existsSync(file)).toBe(false);
    expect(hostSnapshot(wlx.name, wifiIp, ours)).toEqual(before);
  });
});

async function readVnics(vplc = name): Promise<Array<Record<string, unknown> & { name: string }>> {
  const { readFile } = await import('node:fs/promises');
  const file = JSON.parse(await readFile(`${fx.dataDir}/runtime_vnics.json`, 'utf8')) as Record<string, Array<Record<string, unknown> & { name: string }>>;
  return file[vplc] ?? [];
}
