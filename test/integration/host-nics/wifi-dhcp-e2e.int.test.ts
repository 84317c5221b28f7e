// A DHCP WiFi vNIC end to end through the orchestrator (docs/host-nics.md "WiFi DHCP"): a veth pair whose host end is
// named like a USB WiFi NIC (`wlx…`) stands in for the WiFi interface; its far end is a LAN device running dnsmasq,
// which reserves a FIXED address (outside its pool) only for the client-id "<container>:<vnic>". The create must lease
// exactly that address on the host, build the real proxy-ARP bridge for it, and the device must reach the runtime over
// HTTPS on it. Every way the vPLC's namespace is made again (stop/start, restart, crash and watchdog, a restart while
// no agent ran, a recreate) leases and bridges it again without duplicating anything; an agent restart and a renewal
// keep the bridge; a delete leaves the host as it found it. Also: a MACVLAN DHCP vNIC (busybox udhcpd on a plant LAN)
// beside a WiFi DHCP vNIC on one vPLC, both leased and reachable; a WiFi vNIC edited between DHCP and static.
// Runtime: about 70-90 s on 2 cores (stand-in runtime, udhcpc discover timing, the watchdog's hold after a kill).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invoke } from '../../../shared/api/contract.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { hostVethName } from '../../../electron/workers/orchestrator/wifi/naming.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { createLan, readdressHost, type Lan } from '../../support/lan.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';
import { createWifiParent, hostSnapshot, httpFromPeer, type HostSnapshot, type WifiParent } from '../../support/wifi-parent.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const W = 3;
const M = 4;
const name = `vt-${run}-we`;
const both = `${name}2`;
const edited = `${name}3`;
const vnic = 'wlan';
const server = lanAddress(slot, W, 1);
const fixed = lanAddress(slot, W, 77);
const fixedBoth = lanAddress(slot, W, 78);
const fixedEdited = lanAddress(slot, W, 79);
const staticEdited = lanAddress(slot, W, 60);
const dir = mkdtempSync(path.join(tmpdir(), 'vt-wifi-e2e-'));
/** The client-id dnsmasq sees: the bytes of "<container>:<vnic>", colon-separated hex (docs/host-nics.md). */
const clientId = (container: string, v: string): string => Buffer.from(`${container}:${v}`).toString('hex').match(/../g)?.join(':') ?? '';
/** The host ends this file's bridges would have (one WiFi vNIC per vPLC). */
const ours = [name, both, edited].map((n) => hostVethName(n, vnic, 1));

let wlx: WifiParent;
let peer: LanPeer;
let wired: VethParent;
let plant: Lan;
let fx: OrchestratorFixture;
let orch: Orchestrator;
let before: HostSnapshot;
let dnsmasq: ChildProcess | null = null;

const leaseFile = (vplc: string, v = vnic): string => path.join(fx.dataDir, 'dhcp', `${vplc}_${v}.lease`);
const readLease = (vplc: string): Record<string, unknown> | null => (existsSync(leaseFile(vplc)) ? (JSON.parse(readFileSync(leaseFile(vplc), 'utf8')) as Record<string, unknown>) : null);
const wifiClients = async (vplc: string): Promise<string[]> =>
  (await docker.listContainers({ all: true, filters: { label: [`${Label.role}=wifi-dhcp`, `${Label.vplc}=${vplc}`] } })).map((c) => c.Id);
const reachable = (ip: string, ns = peer.ns): Promise<number> => waitFor(() => httpFromPeer(ns, ip), (c) => c > 0, { timeoutMs: 20_000, what: `HTTPS to ${ip} from ${ns}` });
const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8' });
/** Exactly one of everything a bridge puts on the host for `fixed`: never duplicated by a rebuild. */
const expectOneBridge = (): void => {
  const snap = hostSnapshot(wlx.name, fixed, ours);
  expect(snap.routes).toHaveLength(1);
  expect(snap.forward).toHaveLength(2);
  expect(snap.proxies.filter((l) => l.startsWith(`${fixed} `))).toHaveLength(1);
  expect(snap.links).toEqual([hostVethName(name, vnic, 1)]);
};
const inVplc = async (vplc: string, ...args: string[]): Promise<string> => {
  const pid = (await docker.getContainer(vplc).inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', ...args], { encoding: 'utf8' });
};
const status = async (vplc: string) => invoke['vplc:status'].output.parse(await orch.status(vplc));

beforeAll(async () => {
  wlx = createWifiParent(run, W, `${lanAddress(slot, W, 254)}/24`);
  peer = createLanPeer(run, 'wep', wlx.peer, `${server}/24`);
  // The LAN's DHCP server, only inside the peer's namespace: reservations by client-id, a small pool for the rest.
  dnsmasq = spawn('ip', ['netns', 'exec', peer.ns, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', `--interface=${wlx.peer}`, '--bind-interfaces', '--port=0',
    '--dhcp-authoritative', `--dhcp-range=${lanAddress(slot, W, 100)},${lanAddress(slot, W, 150)},255.255.255.0,10m`, `--dhcp-option=3,${server}`, `--dhcp-option=6,${server}`,
    `--dhcp-host=id:${clientId(name, vnic)},${fixed}`, `--dhcp-host=id:${clientId(both, vnic)},${fixedBoth}`,
    `--dhcp-host=id:${clientId(edited, vnic)},${fixedEdited}`,
    `--dhcp-leasefile=${path.join(dir, 'leases')}`, `--pid-file=${path.join(dir, 'dnsmasq.pid')}`], { stdio: 'ignore' });
  plant = createLan(run, 'wm', `198.18.${slot * 16 + M}`);
  wired = createVethParent(run, M);
  plant.plug(wired.peer);
  readdressHost(wired.name, null, `${plant.base}.254/24`, null);
  before = hostSnapshot(wlx.name, fixed, ours);
  fx = await openOrchestrator({ parentPolicy: { allow: ['vt*', `wlx${run}*`] } });
  orch = fx.orch;
});

afterAll(async () => {
  // A test that failed midway leaves a vPLC: delete it through the agent, so its bridge's FORWARD rules go too (a
  // forced container removal would leave them on the host).
  for (const vplc of [name, both, edited]) {
    if (!orch || !(await docker.getContainer(vplc).inspect().catch(() => null))) continue;
    await orch
      .delete(vplc, 'cli')
      .then(() => orch.settled(vplc))
      .catch(() => undefined); // a closed agent: the forced removal below is all that is left
  }
  await removeByLabels({ run });
  await fx?.dispose();
  if (dnsmasq?.pid && dnsmasq.exitCode === null) {
    const exited = new Promise((r) => dnsmasq?.once('exit', r));
    process.kill(dnsmasq.pid, 'SIGTERM');
    await exited;
  }
  peer?.dispose();
  wlx?.dispose();
  wired?.dispose();
  plant?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a DHCP WiFi vNIC through the orchestrator', () => {
  it('leases the address reserved for "<container>:<vnic>" on the host, bridges it, and the LAN reaches the runtime on it', async () => {
    const ack = await orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: vnic, parentInterface: wlx.name, mode: 'dhcp', dns: [] }] }, 'cli');
    expect(ack.status).toBe('creating');
    await orch.settled(name);

    const s = await status(name);
    expect(s).toMatchObject({ status: 'success', is_running: true, orchestrator_state: { health: 'running' } });
    expect(s.networks?.[`wifi_${wlx.name}_${vnic}`]).toMatchObject({ ip_address: fixed, mac_address: null });
    expect(s.vnic_modes).toEqual([expect.objectContaining({ name: vnic, parent_interface: wlx.name, method: 'proxy_arp', veth_host: hostVethName(name, vnic, 1) })]);
    expect(orch.vnicRecords(name).find((v) => v.name === vnic)).toMatchObject({
      dhcp_ip: fixed,
      dhcp_gateway: server,
      _network_method: 'proxy_arp',
      _proxy_arp_config: { ip_address: fixed, gateway: server, parent_interface: wlx.name, veth_host: hostVethName(name, vnic, 1), veth_container: 'eth1' },
    });

    const lease = await waitFor(() => readLease(name), (f) => f?.proxy_arp_config !== undefined, { timeoutMs: 10_000, what: 'the lease file with the bridge' });
    expect(lease).toMatchObject({ interface: wlx.name, ip: fixed, prefix: 24, router: server, dns: server, event: 'bound', mac_address: null, proxy_arp_config: { ip_address: fixed, gateway: server, parent_interface: wlx.name } });
    // docs/protocol.md §5.13: every key of the MACVLAN lease file, `prefix` a number and the rest strings.
    for (const key of ['interface', 'ip', 'subnet', 'mask', 'broadcast', 'router', 'dns', 'domain', 'mtu', 'hostname', 'ntpsrv', 'lease', 'serverid', 'timestamp', 'event']) {
      expect(typeof lease?.[key], key).toBe('string');
    }
    expect(lease).toMatchObject({ subnet: '255.255.255.0', mask: '24', serverid: server }); // as udhcpc names them
    // The server saw exactly the bytes of "<container>:<vnic>" as the client-id, and leased from the host's WiFi MAC.
    expect(readFileSync(path.join(dir, 'leases'), 'utf8')).toContain(`${wlx.mac} ${fixed} * ${clientId(name, vnic)}`);
    expect(await wifiClients(name)).toHaveLength(1);
    // Inside the vPLC: the leased address with its prefix, and (no MACVLAN vNIC) the lease's router as the default route.
    expect(await inVplc(name, '-4', 'addr', 'show', 'dev', 'eth1')).toContain(`inet ${fixed}/24`);
    expect(await inVplc(name, '-4', 'route', 'show', 'default')).toContain(`via ${server} dev eth1`);
    // The lease's DNS server is the vPLC's resolver, as for a MACVLAN DHCP vNIC.
    const resolv = await waitFor(() => execFileSync('docker', ['exec', name, 'cat', '/etc/resolv.conf'], { encoding: 'utf8' }), (t) => t.includes(`nameserver ${server}`), { timeoutMs: 10_000, what: 'the lease DNS in resolv.conf' });
    expect(resolv).toContain(`nameserver ${server}`);

    expect(await reachable(fixed)).toBeGreaterThan(0);
    // The device learnt the host's WiFi MAC for the vPLC's address: proxy ARP, not a MAC the access point never saw.
    expect(peer.neigh(fixed)).toContain(`lladdr ${wlx.mac}`);
    const snap = hostSnapshot(wlx.name, fixed, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.links).toEqual([hostVethName(name, vnic, 1)]);
  });

  it('leases the same address again after a stop and a start through the orchestrator, and is reachable again', async () => {
    const [oldClient] = await wifiClients(name);
    expect(await orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    expect(await wifiClients(name)).toEqual([]);
    expect(existsSync(leaseFile(name))).toBe(false);
    expect(httpFromPeer(peer.ns, fixed)).toBe(0);
    expect(hostSnapshot(wlx.name, fixed, ours)).toEqual(before);

    expect(await orch.start(name, 'cli')).toMatchObject({ status: 'success' });
    await orch.settled(name);
    const lease = await waitFor(() => readLease(name), (f) => f?.ip === fixed && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease after the start' });
    expect(lease).toMatchObject({ event: 'bound', proxy_arp_config: { ip_address: fixed } });
    const clients = await wifiClients(name);
    expect(clients).toHaveLength(1);
    expect(clients[0]).not.toBe(oldClient);
    expect((await status(name)).networks?.[`wifi_${wlx.name}_${vnic}`]).toMatchObject({ ip_address: fixed, mac_address: null });
    peer.forget(fixed);
    expect(await reachable(fixed)).toBeGreaterThan(0);
    const snap = hostSnapshot(wlx.name, fixed, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.proxies.filter((l) => l.startsWith(`${fixed} `))).toHaveLength(1);
  });

  it('keeps the lease, the client and the bridge through an agent restart, and a renewal there rebuilds nothing', async () => {
    const [client] = await wifiClients(name);
    const links = (): string[] => ip('-o', 'link', 'show').split('\n').filter((l) => ours.some((v) => l.includes(`: ${v}@`)));
    const vethBefore = links();
    expect(vethBefore).toHaveLength(1);
    await orch.close({ graceMs: 5_000 });
    orch = await fx.reopen();
    await orch.startLifecycle({ sampleUsage: false });
    await orch.restoredAtStart();
    expect(await wifiClients(name)).toEqual([client]);
    expect(links()).toEqual(vethBefore);
    expect(orch.vnicRecords(name).find((v) => v.name === vnic)).toMatchObject({ dhcp_ip: fixed, _proxy_arp_config: { ip_address: fixed } });

    // A renewal (udhcpc's SIGUSR1) followed by the new agent: the lease file is rewritten, the bridge left as it is.
    const stamp = readLease(name)?.timestamp;
    execFileSync('docker', ['kill', '--signal', 'USR1', client as string], { stdio: 'ignore' });
    await waitFor(() => readLease(name), (f) => f?.event === 'renew' && f.timestamp !== stamp, { timeoutMs: 30_000, what: 'the renewal written by the new agent' });
    expect(readLease(name)).toMatchObject({ ip: fixed, proxy_arp_config: { ip_address: fixed } });
    expect(links()).toEqual(vethBefore);
    const snap = hostSnapshot(wlx.name, fixed, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.proxies.filter((l) => l.startsWith(`${fixed} `))).toHaveLength(1);
    peer.forget(fixed);
    expect(await reachable(fixed)).toBeGreaterThan(0);
  });

  it('leases and bridges again after a restart through the orchestrator', async () => {
    const [oldClient] = await wifiClients(name);
    const stamp = readLease(name)?.timestamp;
    expect(await orch.restart(name, 'cli')).toMatchObject({ status: 'success' });
    await orch.settled(name);
    await waitFor(() => readLease(name), (f) => f?.ip === fixed && f.timestamp !== stamp && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease after the restart' });
    const clients = await wifiClients(name);
    expect(clients).toHaveLength(1);
    expect(clients[0]).not.toBe(oldClient);
    peer.forget(fixed);
    expect(await reachable(fixed)).toBeGreaterThan(0);
    expectOneBridge();
  });

  it('leases and bridges again after a crash and the watchdog restart (the old veth died with the namespace)', async () => {
    const [oldClient] = await wifiClients(name);
    const stamp = readLease(name)?.timestamp;
    await docker.getContainer(name).kill();
    await waitFor(async () => (await docker.getContainer(name).inspect()).State.Running, (r) => r, { timeoutMs: 30_000, what: 'the watchdog restart' });
    await waitFor(wifiClients.bind(null, name), (ids) => ids.length === 1 && ids[0] !== oldClient, { timeoutMs: 30_000, what: 'a new DHCP client' });
    await waitFor(() => readLease(name), (f) => f?.ip === fixed && f.timestamp !== stamp && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease after the crash' });
    peer.forget(fixed);
    expect(await reachable(fixed)).toBeGreaterThan(0);
    expectOneBridge();
  });

  it('replaces the client and builds the bridge again at agent start when the vPLC restarted while no agent ran', async () => {
    const [oldClient] = await wifiClients(name);
    const stamp = readLease(name)?.timestamp;
    await orch.close({ graceMs: 5_000 });
    // Behind the agent's back: the old namespace, and the bridge's veth with it, are gone; the old client still runs.
    await docker.getContainer(name).restart({ t: 1 });
    expect(hostSnapshot(wlx.name, fixed, ours).links).toEqual([]);
    expect(await wifiClients(name)).toEqual([oldClient]);
    orch = await fx.reopen();
    await orch.startLifecycle({ sampleUsage: false });
    await orch.restoredAtStart();
    await waitFor(() => wifiClients(name), (ids) => ids.length === 1 && ids[0] !== oldClient, { timeoutMs: 30_000, what: 'the outlived client replaced' });
    await waitFor(() => readLease(name), (f) => f?.ip === fixed && f.timestamp !== stamp && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease of the new client' });
    peer.forget(fixed);
    expect(await reachable(fixed)).toBeGreaterThan(0);
    expectOneBridge();
  });

  it('a delete leaves no client, no lease file and nothing of the bridge, the sysctls as they were', async () => {
    expect(hostSnapshot(wlx.name, fixed, ours).proxyArp).toBe('1');
    await orch.delete(name, 'cli');
    await orch.settled(name);
    expect(await wifiClients(name)).toEqual([]);
    expect(existsSync(leaseFile(name))).toBe(false);
    expect(hostSnapshot(wlx.name, fixed, ours)).toEqual(before);
    expect(existsSync(path.join(fx.dataDir, 'wifi_sysctls.json'))).toBe(false);
  });
});

describe('a MACVLAN DHCP vNIC and a WiFi DHCP vNIC on one vPLC', () => {
  it('leases both, each from its own LAN, and both LANs reach the runtime', async () => {
    const ack = await orch.create(
      {
        name: both,
        runtimeVersion: 'latest',
        vnics: [
          { name: 'plant', parentInterface: wired.name, mode: 'dhcp', dns: [] },
          { name: vnic, parentInterface: wlx.name, mode: 'dhcp', dns: [] },
        ],
      },
      'cli',
    );
    expect(ack.status).toBe('creating');
    await orch.settled(both);
    const s = await status(both);
    expect(s).toMatchObject({ status: 'success', is_running: true });
    expect(s.networks?.[`wifi_${wlx.name}_${vnic}`]).toMatchObject({ ip_address: fixedBoth, mac_address: null });
    expect(s.vnic_modes?.map((m) => [m.name, m.method])).toEqual([['plant', 'macvlan'], [vnic, 'proxy_arp']]);
    const wiredIp = Object.entries(s.networks ?? {}).find(([k]) => k.startsWith(`macvlan_${wired.name}_`))?.[1].ip_address ?? '';
    expect(wiredIp.startsWith(`${plant.base}.`)).toBe(true);
    const host = Number(wiredIp.split('.')[3]);
    expect(host >= 100 && host <= 150).toBe(true);

    // The MACVLAN vNIC got a lease with a router: it keeps the default route; the WiFi vNIC is `wl0` beside it.
    expect(orch.vnicRecords(both).find((v) => v.name === vnic)?._proxy_arp_config).toMatchObject({ ip_address: fixedBoth, veth_container: 'wl0' });
    const defaults = await inVplc(both, '-4', 'route', 'show', 'default');
    expect(defaults).toContain(`via ${plant.router}`);
    expect(defaults).not.toContain('wl0');
    expect(await reachable(fixedBoth)).toBeGreaterThan(0);
    expect(await reachable(wiredIp, plant.peerNs)).toBeGreaterThan(0);

    await orch.delete(both, 'cli');
    await orch.settled(both);
    expect(await wifiClients(both)).toEqual([]);
    expect(hostSnapshot(wlx.name, fixedBoth, ours)).toEqual({ ...before, routes: [] });
  });
});

describe('a stopped vPLC whose WiFi vNIC is edited between DHCP and static (a recreate, docs/editing.md)', () => {
  const spec = (mode: 'dhcp' | 'static') => ({
    name: edited,
    runtimeVersion: 'latest',
    vnics: [mode === 'dhcp' ? { name: vnic, parentInterface: wlx.name, mode, dns: [] } : { name: vnic, parentInterface: wlx.name, mode, ip: staticEdited, gateway: server, dns: [] }],
  });
  /** The mode changes: the edit is applied by reconcile's recreate, the vPLC stays stopped until started. */
  const editWhileStopped = async (mode: 'dhcp' | 'static'): Promise<void> => {
    expect(await orch.stop(edited, 'ui')).toMatchObject({ status: 'success' });
    const id = (await docker.getContainer(edited).inspect()).Id;
    expect(await orch.edit(edited, spec(mode), 'ui')).toMatchObject({ status: 'saved', applies: 'now', path: 'recreate' });
    await waitFor(
      async () => {
        const c = await docker.getContainer(edited).inspect().catch(() => null);
        if (c?.Id === id || c === null) await orch.reconcileOnce();
        return c?.Id ?? null;
      },
      (c) => c !== null && c !== id,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated with the edit' },
    );
    await orch.settled(edited);
    expect(await orch.start(edited, 'ui')).toMatchObject({ status: 'success' });
    await orch.settled(edited);
  };

  it('static after DHCP: no client, no lease file, no lease on record; the static address is bridged and reachable', async () => {
    expect((await orch.create(spec('dhcp'), 'cli')).status).toBe('creating');
    await orch.settled(edited);
    await waitFor(() => readLease(edited), (f) => f?.ip === fixedEdited && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the first lease' });
    await editWhileStopped('static');
    expect(await wifiClients(edited)).toEqual([]);
    expect(existsSync(leaseFile(edited))).toBe(false);
    const rec = orch.vnicRecords(edited).find((v) => v.name === vnic);
    expect(rec).toMatchObject({ network_mode: 'static', ip: staticEdited, _proxy_arp_config: { ip_address: staticEdited } });
    expect(rec?.dhcp_ip).toBeUndefined();
    expect((await status(edited)).networks?.[`wifi_${wlx.name}_${vnic}`]).toMatchObject({ ip_address: staticEdited, mac_address: null });
    expect(await reachable(staticEdited)).toBeGreaterThan(0);
    expect(httpFromPeer(peer.ns, fixedEdited)).toBe(0);
    expect(hostSnapshot(wlx.name, fixedEdited, ours).routes).toEqual([]);
  });

  it('DHCP after static: leased again by client-id, the static address left nowhere on the host', async () => {
    await editWhileStopped('dhcp');
    await waitFor(() => readLease(edited), (f) => f?.ip === fixedEdited && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease after the edit' });
    expect(orch.vnicRecords(edited).find((v) => v.name === vnic)).toMatchObject({ network_mode: 'dhcp', dhcp_ip: fixedEdited, _proxy_arp_config: { ip_address: fixedEdited } });
    expect((await status(edited)).networks?.[`wifi_${wlx.name}_${vnic}`]).toMatchObject({ ip_address: fixedEdited });
    peer.forget(fixedEdited);
    expect(await reachable(fixedEdited)).toBeGreaterThan(0);
    const old = hostSnapshot(wlx.name, staticEdited, ours);
    expect(old.routes).toEqual([]);
    expect(old.proxies.filter((l) => l.startsWith(`${staticEdited} `))).toEqual([]);
  });

  it('a recreate of the running vPLC (change policy immediate) leases and bridges it again, nothing duplicated, then a delete cleans all', async () => {
    const id = (await docker.getContainer(edited).inspect()).Id;
    const [oldClient] = await wifiClients(edited);
    const stamp = readLease(edited)?.timestamp;
    expect(await orch.edit(edited, { ...spec('dhcp'), changePolicy: 'immediate', quotas: { cpus: 1 } }, 'ui')).toMatchObject({ status: 'saved', applies: 'now', path: 'recreate' });
    await waitFor(
      async () => {
        const c = await docker.getContainer(edited).inspect().catch(() => null);
        if (c?.Id === id || c === null) await orch.reconcileOnce();
        return c?.Id === id ? null : (c?.State.Running ?? false);
      },
      (running) => running === true,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the running vPLC recreated' },
    );
    await orch.settled(edited);
    await waitFor(() => readLease(edited), (f) => f?.ip === fixedEdited && f.timestamp !== stamp && f.proxy_arp_config !== undefined, { timeoutMs: 30_000, what: 'the lease after the recreate' });
    const clients = await wifiClients(edited);
    expect(clients).toHaveLength(1);
    expect(clients[0]).not.toBe(oldClient);
    peer.forget(fixedEdited);
    expect(await reachable(fixedEdited)).toBeGreaterThan(0);
    const snap = hostSnapshot(wlx.name, fixedEdited, ours);
    expect(snap.routes).toHaveLength(1);
    expect(snap.forward).toHaveLength(2);
    expect(snap.proxies.filter((l) => l.startsWith(`${fixedEdited} `))).toHaveLength(1);
    expect(snap.links).toEqual([hostVethName(edited, vnic, 1)]);

    await orch.delete(edited, 'cli');
    await orch.settled(edited);
    expect(await wifiClients(edited)).toEqual([]);
    expect(existsSync(leaseFile(edited))).toBe(false);
    expect(hostSnapshot(wlx.name, fixedEdited, ours)).toEqual(before);
  });
});
