// DHCP for a WiFi vNIC, on a real engine with a real DHCP server: a veth pair whose host end is named like a USB WiFi
// NIC (`wlx…`) stands in for the WiFi interface; its peer sits in a LAN namespace running dnsmasq, which gives a FIXED
// address (outside its pool) only to the client-id "<container>:<vnic>". The host-side client must get exactly that
// address (the client-id is right), write the lease file in the protocol's shape, record the lease, ask for the bridge
// once, keep it across a renewal, be adopted (not duplicated) by a new owner, tear the bridge down on a NAK, and leave
// nothing behind when stopped.
//
// The bridge here is a recording ProxyArpBridges that keeps ProxyArpConfig in the record as the real one does: the
// proxy-ARP bridge is built by its own module, and the reachability of the runtime over it belongs to that module's tests.
// Runtime: about 20-40 s (udhcpc discover/rebind timing, dnsmasq restart).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxyArpConfig } from '../../../shared/domain/host-nic.js';
import type { OrchestratorContext } from '../../../electron/workers/orchestrator/context.js';
import { openContext, type OpenedContext } from '../../../electron/workers/orchestrator/context-factory.js';
import { runDelete } from '../../../electron/workers/orchestrator/delete/pipeline.js';
import { Label, ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { PersistedVnic } from '../../../electron/workers/orchestrator/store/schemas.js';
import { WifiDhcpClients } from '../../../electron/workers/orchestrator/wifi/dhcp.js';
import type { BridgeRequest, ProxyArpBridges } from '../../../electron/workers/orchestrator/wifi/types.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { testSettings } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, TEST_LABEL, waitFor, workerSlot } from '../../support/run.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const N = 11;
const name = `vt-${run}-wd`;
const vnic = 'wvnic';
const wifi = `wlx${run}d`;
const peerIf = `vt${run}dp`;
const ns = `vt-${run}-wifi`;
const hostIp = lanAddress(slot, N, 10);
const server = lanAddress(slot, N, 1);
const fixed = lanAddress(slot, N, 77);
const dir = mkdtempSync(path.join(tmpdir(), 'vt-wifi-dhcp-'));
const clientIdHexColons = Buffer.from(`${name}:${vnic}`).toString('hex').match(/../g)?.join(':') ?? '';

const sh = (cmd: string, ...args: string[]): string => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quiet = (fn: () => unknown): void => {
  try {
    fn();
  } catch {
    // already gone
  }
};

let dnsmasq: ChildProcess | null = null;
/**
 * dnsmasq inside the LAN namespace only, on LAN `n`; `reserve`: the fixed `.77` (or `.reserved`) for our client-id,
 * else no reservation and a NAK for what it does not know.
 */
function startDnsmasq(n: number, reserve: boolean, reserved = 77): void {
  const at = (host: number): string => lanAddress(slot, n, host);
  const args = ['netns', 'exec', ns, 'dnsmasq', '--no-daemon', '--conf-file=/dev/null', `--interface=${peerIf}`, '--bind-interfaces', '--port=0', '--dhcp-authoritative',
    `--dhcp-range=${at(100)},${at(150)},255.255.255.0,2m`, `--dhcp-option=3,${at(1)}`, `--dhcp-option=6,${at(1)}`,
    `--dhcp-leasefile=${path.join(dir, 'leases')}`, `--pid-file=${path.join(dir, 'dnsmasq.pid')}`];
  if (reserve) args.push(`--dhcp-host=id:${clientIdHexColons},${at(reserved)}`);
  dnsmasq = spawn('ip', args, { stdio: 'ignore' });
}
async function stopDnsmasq(): Promise<void> {
  const p = dnsmasq;
  dnsmasq = null;
  if (!p?.pid || p.exitCode !== null || p.signalCode !== null) return;
  const exited = new Promise((r) => p.once('exit', r));
  process.kill(p.pid, 'SIGTERM');
  await exited;
}

class RecordingBridges implements ProxyArpBridges {
  readonly builds: BridgeRequest[] = [];
  readonly teardowns: string[] = [];
  constructor(private readonly ctx: OrchestratorContext) {}
  async build(req: BridgeRequest): Promise<ProxyArpConfig> {
    this.builds.push(req);
    const cfg = { veth_host: `veth-${run}`, veth_container: 'eth1', ip_address: req.ip, gateway: req.gateway, parent_interface: req.parent };
    await this.ctx.store.patchVnic(req.vplc, req.vnic, { _proxy_arp_config: cfg });
    return cfg;
  }
  async teardown(vplc: string, v: string): Promise<string[]> {
    this.teardowns.push(`${vplc}:${v}`);
    await this.ctx.store.patchVnic(vplc, v, { _proxy_arp_config: undefined });
    return [];
  }
  async teardownAll(vplc: string): Promise<string[]> {
    this.teardowns.push(vplc);
    return [];
  }
  async revertAll(): Promise<void> {}
}

/** A stand-in vPLC: a plain container of the helper image under our labels (the clients need its id and start time). */
async function createVplc(vplc: string, parent = wifi): Promise<string> {
  const c = await docker.createContainer({
    name: vplc,
    Image: await ctx.helper.image(),
    Cmd: ['sleep', '3600'],
    Labels: { ...ownLabels(ctx.store.installationId, 'vplc', { vplc }), [TEST_LABEL]: run },
    HostConfig: { NetworkMode: 'none', Init: true },
  });
  await c.start();
  await ctx.store.setDesiredState(vplc, 'running');
  await ctx.store.putVnics(vplc, [
    { name: vnic, parent_interface: parent, network_mode: 'dhcp', _interface_type: 'wifi', _is_wifi: true, _network_method: 'proxy_arp', mac_address: '02:00:00:00:00:01' },
  ]);
  return c.id;
}

let opened: OpenedContext;
let ctx: OrchestratorContext;
let vplcId: string;
const leaseFile = (): string => path.join(ctx.store.dir, 'dhcp', `${name}_${vnic}.lease`);
const readLease = (): Record<string, unknown> | null => (existsSync(leaseFile()) ? (JSON.parse(readFileSync(leaseFile(), 'utf8')) as Record<string, unknown>) : null);
const record = (): PersistedVnic | undefined => ctx.store.getVnics(name).find((v) => v.name === vnic);
const clients = async (vplc = name): Promise<string[]> =>
  (await docker.listContainers({ all: true, filters: { label: [`${Label.role}=wifi-dhcp`, `${Label.vplc}=${vplc}`, `${Label.instance}=${ctx.store.installationId}`] } })).map((c) => c.Id);

beforeAll(async () => {
  quiet(() => sh('ip', 'link', 'del', wifi));
  quiet(() => sh('ip', 'netns', 'del', ns));
  sh('ip', 'netns', 'add', ns);
  sh('ip', 'link', 'add', wifi, 'type', 'veth', 'peer', 'name', peerIf, 'netns', ns);
  sh('ip', 'addr', 'add', `${hostIp}/24`, 'dev', wifi);
  sh('ip', 'link', 'set', wifi, 'up');
  sh('ip', '-n', ns, 'addr', 'add', `${server}/24`, 'dev', peerIf);
  sh('ip', '-n', ns, 'link', 'set', peerIf, 'up');
  startDnsmasq(N, true);

  opened = await openContext({ settings: testSettings(path.join(dir, 'data')) });
  ctx = opened.ctx;
  vplcId = await createVplc(name);
});

afterAll(async () => {
  ctx?.dhcp.close();
  ctx?.wifiDhcp.close();
  ctx?.serial.close();
  if (ctx) await removeByLabels({ instance: ctx.store.installationId });
  await removeByLabels({ run });
  opened?.lifecycle.abort();
  await stopDnsmasq();
  quiet(() => sh('ip', 'link', 'del', wifi));
  quiet(() => sh('ip', 'netns', 'del', ns));
  rmSync(dir, { recursive: true, force: true });
});

describe('WiFi DHCP on the host interface', () => {
  let first: WifiDhcpClients;
  let bridges: RecordingBridges;

  it('leases the address reserved for "<container>:<vnic>", records it, writes the lease file and builds the bridge once', async () => {
    bridges = new RecordingBridges(ctx);
    first = new WifiDhcpClients(ctx, bridges);
    expect(await first.provision(name, vplcId)).toEqual([]);
    await waitFor(() => record()?.dhcp_ip, (ip) => ip === fixed, { timeoutMs: 30_000, what: `the reserved lease ${fixed}` });
    await waitFor(() => bridges.builds.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the bridge build' });
    expect(bridges.builds[0]).toEqual({ vplc: name, vnic, containerId: vplcId, parent: wifi, ip: fixed, prefix: 24, gateway: server });
    expect(record()).toMatchObject({ dhcp_ip: fixed, dhcp_gateway: server, dhcp_dns: server });

    const file = await waitFor(readLease, (f) => f?.proxy_arp_config !== undefined, { timeoutMs: 5_000, what: 'the lease file with the bridge' });
    expect(file).toMatchObject({ interface: wifi, ip: fixed, prefix: 24, router: server, dns: server, event: 'bound', mac_address: null, proxy_arp_config: { ip_address: fixed, gateway: server, parent_interface: wifi } });
    expect(typeof file?.timestamp).toBe('string');
    // The server saw the client-id as the exact bytes of "<container>:<vnic>".
    expect(readFileSync(path.join(dir, 'leases'), 'utf8')).toContain(`${fixed} * ${clientIdHexColons}`);

    const ids = await clients();
    expect(ids).toHaveLength(1);
    const info = await docker.getContainer(ids[0] as string).inspect();
    expect(info.HostConfig).toMatchObject({ NetworkMode: 'host', ReadonlyRootfs: true, CapDrop: ['ALL'] });
    expect([...(info.HostConfig.CapAdd ?? [])].sort()).toEqual(['NET_BIND_SERVICE', 'NET_RAW']);
    expect(info.Config.Labels).toMatchObject({ [Label.vnic]: vnic, [Label.parent]: wifi });
    // The client never touched the WiFi interface: its own address is the only one.
    expect(sh('ip', '-o', '-4', 'addr', 'show', 'dev', wifi)).not.toContain(fixed);
  });

  it('renews without rebuilding the bridge (the unicast renew cannot leave the host; the broadcast one does)', async () => {
    const [client] = await clients();
    const before = readLease()?.timestamp;
    sh('docker', 'kill', '--signal', 'USR1', client as string);
    const renewed = await waitFor(readLease, (f) => f?.event === 'renew' && f.timestamp !== before, { timeoutMs: 30_000, what: 'the renewal in the lease file' });
    expect(renewed).toMatchObject({ ip: fixed, proxy_arp_config: { ip_address: fixed } });
    expect(bridges.builds).toHaveLength(1);
    expect(bridges.teardowns).toEqual([]);
    expect(await clients()).toEqual([client]);
    expect((await docker.getContainer(client as string).inspect()).State.Running).toBe(true);
  });

  it('is adopted by a new owner (an agent restart): followed again, not duplicated, and the bridge kept', async () => {
    const [client] = await clients();
    first.close();
    const adoptedBridges = new RecordingBridges(ctx);
    const second = new WifiDhcpClients(ctx, adoptedBridges);
    await second.adoptRunning();
    expect(await clients()).toEqual([client]);
    const before = readLease()?.timestamp;
    sh('docker', 'kill', '--signal', 'USR1', client as string);
    await waitFor(readLease, (f) => f?.event === 'renew' && f.timestamp !== before, { timeoutMs: 30_000, what: 'a renewal recorded by the new owner' });
    expect(adoptedBridges.builds).toEqual([]);
    bridges = adoptedBridges;
    first = second;
  });

  it('starts the client again at adoption when it was removed while no agent ran', async () => {
    const [client] = await clients();
    first.close();
    await docker.getContainer(client as string).remove({ force: true });
    const before = readLease()?.timestamp;
    const restartedBridges = new RecordingBridges(ctx);
    const third = new WifiDhcpClients(ctx, restartedBridges);
    await third.adoptRunning();
    const ids = await clients();
    expect(ids).toHaveLength(1);
    expect(ids[0]).not.toBe(client);
    await waitFor(readLease, (f) => f?.event === 'bound' && f.timestamp !== before, { timeoutMs: 30_000, what: 'the lease of the new client' });
    await waitFor(() => restartedBridges.builds.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the bridge of the new client' });
    expect(record()?.dhcp_ip).toBe(fixed);
    bridges = restartedBridges;
    first = third;
  });

  it('tears the bridge down when the server NAKs the lease', async () => {
    const [client] = await clients();
    // The LAN's server forgets the reservation and answers authoritatively: the next renewal is refused.
    await stopDnsmasq();
    rmSync(path.join(dir, 'leases'), { force: true });
    startDnsmasq(N, false);
    await new Promise((r) => setTimeout(r, 500)); // dnsmasq binds its socket
    sh('docker', 'kill', '--signal', 'USR1', client as string);
    await waitFor(() => bridges.teardowns, (t) => t.includes(`${name}:${vnic}`), { timeoutMs: 30_000, what: 'the bridge teardown after the NAK' });
    expect(ctx.warnings.list(name).join('\n')).toMatch(/got no lease \(nak\)|lost its DHCP lease/);
    // The client keeps trying: the server without the reservation leases from its pool, and that lease is bridged.
    const pooled = await waitFor(() => record()?.dhcp_ip ?? '', (ip) => ip !== fixed && ip.startsWith(lanAddress(slot, N, 0).replace(/0$/, '')), { timeoutMs: 30_000, what: 'a pool lease after the NAK' });
    await waitFor(() => bridges.builds.at(-1)?.ip, (ip) => ip === pooled, { timeoutMs: 5_000, what: 'the bridge of the pool lease' });
  });

  it('leases again on the new network when the WiFi subnet changes, and only then', async () => {
    const N2 = N + 1;
    const server2 = lanAddress(slot, N2, 1);
    const fixed2 = lanAddress(slot, N2, 77);
    const [old] = await clients();
    // The WiFi network changes: new subnet on both sides, and its server reserves .77 for the same client-id.
    await stopDnsmasq();
    rmSync(path.join(dir, 'leases'), { force: true });
    sh('ip', '-n', ns, 'addr', 'flush', 'dev', peerIf);
    sh('ip', '-n', ns, 'addr', 'add', `${server2}/24`, 'dev', peerIf);
    sh('ip', 'addr', 'flush', 'dev', wifi);
    sh('ip', 'addr', 'add', `${lanAddress(slot, N2, 10)}/24`, 'dev', wifi);
    startDnsmasq(N2, true);
    await new Promise((r) => setTimeout(r, 500)); // dnsmasq binds its socket
    const change = {
      interface: wifi, index: 1, operstate: 'UP', type: 'wifi' as const, gateway: server2, timestamp: new Date().toISOString(),
      ipv4_addresses: [{ address: lanAddress(slot, N2, 10), prefixlen: 24, subnet: `${lanAddress(slot, N2, 0)}/24`, network_address: lanAddress(slot, N2, 0) }],
    };
    const built = bridges.builds.length;
    await first.networkChanged(change);
    await waitFor(() => record()?.dhcp_ip, (ip) => ip === fixed2, { timeoutMs: 30_000, what: `the lease ${fixed2} on the new network` });
    await waitFor(() => bridges.builds.length, (n) => n === built + 1, { timeoutMs: 5_000, what: 'the bridge for the new lease' });
    expect(bridges.builds.at(-1)).toMatchObject({ ip: fixed2, gateway: server2, prefix: 24 });
    const [replaced] = await clients();
    expect(replaced).not.toBe(old);
    // The 30 s rediscovery repeats the same values: nothing happens.
    await first.networkChanged({ ...change, timestamp: new Date().toISOString() });
    expect(await clients()).toEqual([replaced]);
  });

  it('stop removes the client and its lease file', async () => {
    expect(await clients()).toHaveLength(1);
    await first.stop(name);
    expect(await clients()).toEqual([]);
    expect(existsSync(leaseFile())).toBe(false);
  });

  it("does not bridge a lease of the WiFi interface's own address (a misconfigured or rogue server): a warning, no bridge", async () => {
    const N2 = N + 1;
    const own = lanAddress(slot, N2, 10);
    // The server now reserves the host's own address on the WiFi network for our client-id.
    await stopDnsmasq();
    rmSync(path.join(dir, 'leases'), { force: true });
    startDnsmasq(N2, true, 10);
    await new Promise((r) => setTimeout(r, 500)); // dnsmasq binds its socket
    const refused = new RecordingBridges(ctx);
    const clientsOf = new WifiDhcpClients(ctx, refused);
    try {
      expect(await clientsOf.provision(name, vplcId)).toEqual([]);
      const warning = await waitFor(() => ctx.warnings.list(name).join('\n'), (w) => w.includes(`The DHCP lease ${own} of WiFi vNIC '${vnic}' is not bridged`), { timeoutMs: 30_000, what: 'the refusal warning' });
      expect(warning).toContain(`${own} is an address of the host's WiFi interface`);
      expect(refused.builds).toEqual([]);
      expect(readLease()).toMatchObject({ ip: own, event: 'bound' });
      expect(readLease()?.proxy_arp_config).toBeUndefined();
    } finally {
      await clientsOf.stop(name);
      await stopDnsmasq();
      rmSync(path.join(dir, 'leases'), { force: true });
      startDnsmasq(N2, true);
    }
  });
});

describe('WiFi DHCP in the delete pipeline', () => {
  it('a deleted vPLC leaves no client and no lease file', async () => {
    const other = `vt-${run}-wdel`;
    const id = await createVplc(other);
    // The context's own clients; without a bridge module the lease is recorded and the missing bridge is a warning.
    expect(await ctx.wifiDhcp.provision(other, id)).toEqual([]);
    const file = path.join(ctx.store.dir, 'dhcp', `${other}_${vnic}.lease`);
    await waitFor(() => existsSync(file), (x) => x, { timeoutMs: 30_000, what: 'the lease file' });
    expect(await clients(other)).toHaveLength(1);
    await runDelete(ctx, other, 'cli');
    expect(await clients(other)).toEqual([]);
    expect(existsSync(file)).toBe(false);
    expect(ctx.store.getVnics(other)).toEqual([]);
  });
});

describe('WiFi bridges in the delete pipeline', () => {
  /** A bridge module whose teardowns leave something on the host the first `stubborn` times. */
  const leaving = (stubborn: number): ProxyArpBridges & { calls: number } => {
    const b = {
      calls: 0,
      build: () => Promise.reject(new Error('not used')),
      teardown: () => Promise.resolve([]),
      teardownAll: (vplc: string) => Promise.resolve(b.calls++ < stubborn ? [`left: neighbour proxy of ${vplc}`] : []),
      revertAll: () => Promise.resolve(),
    };
    return b;
  };
  const bridged = async (vplc: string): Promise<void> => {
    await createVplc(vplc);
    await ctx.store.patchVnic(vplc, vnic, { _proxy_arp_config: { veth_host: `veth-${run}`, veth_container: 'eth1', ip_address: fixed, gateway: server, parent_interface: wifi } });
  };

  it('retries a teardown that left something once the container is gone, then finishes', async () => {
    const other = `vt-${run}-wbr`;
    await bridged(other);
    const real = ctx.wifiBridges;
    const once = leaving(1);
    ctx.wifiBridges = once;
    try {
      await runDelete(ctx, other, 'cli');
    } finally {
      ctx.wifiBridges = real;
    }
    expect(once.calls).toBe(2);
    expect(ctx.store.getDesired(other)).toBeUndefined();
    expect(ctx.store.getVnics(other)).toEqual([]);
  });

  it('keeps the records (tombstone, vNICs) when the teardown still leaves something, so the delete can be retried', async () => {
    const other = `vt-${run}-wbk`;
    await bridged(other);
    const real = ctx.wifiBridges;
    ctx.wifiBridges = leaving(Number.POSITIVE_INFINITY);
    try {
      await runDelete(ctx, other, 'cli');
    } finally {
      ctx.wifiBridges = real;
    }
    expect(await docker.listContainers({ all: true, filters: { name: [other] } })).toEqual([]);
    expect(ctx.store.getDesired(other)?.tombstone).toBe(true);
    expect(ctx.store.getVnics(other).find((v) => v.name === vnic)?._proxy_arp_config?.ip_address).toBe(fixed);
    expect(ctx.ops.get(other)).toMatchObject({ status: 'error', error: expect.stringContaining('proxy-ARP bridges') });
    // The retried delete (a tombstone is finished by reconcile) drops them once the host is clean.
    await runDelete(ctx, other, 'cli');
    expect(ctx.store.getDesired(other)).toBeUndefined();
    expect(ctx.store.getVnics(other)).toEqual([]);
  });
});

describe('a WiFi DHCP client that cannot run', () => {
  it('says why on the vPLC and keeps restarting it (the WiFi interface is missing)', async () => {
    const other = `vt-${run}-wgone`;
    const id = await createVplc(other, `wlx${run}x`);
    const clientsOf = new WifiDhcpClients(ctx, new RecordingBridges(ctx), { random: () => 0.5 });
    expect(await clientsOf.provision(other, id)).toEqual([]);
    const text = await waitFor(() => ctx.warnings.list(other).join('\n'), (t) => t.includes('stopped'), { timeoutMs: 20_000, what: 'the warning of the exited client' });
    expect(text).toMatch(/The DHCP client of WiFi vNIC 'wvnic' stopped \(.*No such device.*\); restarting it/);
    const [exited] = await clients(other);
    await waitFor(() => clients(other), (ids) => ids.length === 1 && ids[0] !== exited, { timeoutMs: 20_000, what: 'the client started again after its backoff' });
    await clientsOf.stop(other);
    clientsOf.close();
    expect(await clients(other)).toEqual([]);
  });
});
