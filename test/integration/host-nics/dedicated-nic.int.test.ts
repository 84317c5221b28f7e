// A dedicated NIC (docs/host-nics.md "Dedicated NICs") on a real dockerd: one end of a veth pair stands for the host's
// fieldbus port, its peer sits in a namespace playing the fieldbus segment. The NIC is moved into the vPLC under its
// name and up, raw EtherCAT frames (EtherType 0x88A4) from the segment arrive inside; our own stop hands it back first
// (a veth would die with the container's namespace), a start moves it again, and so do a crash and an agent restart.
// Refusals name their field and create nothing.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import type { Logger } from '../../../electron/workers/orchestrator/context.js';
import { hostInterfacesBody } from '../../../electron/workers/orchestrator/cloud/host-interfaces.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 13;
// Neutral names: `veth*` is on the fixed refusal list; `vtd…` is not (and no allow-list is needed for a dedicated NIC).
const NIC = `vtd${run}`;
const PEER = `vtd${run}p`;
const OTHER = `vte${run}`;
const SEG = `vt-${run}-seg`;
const WIFI = `wlx${run}`;
const ADDRESSED = `vtf${run}`;
const LAN2 = 14;
const ADDRESSED_IP = lanAddress(slot, LAN2, 250);
const watchdog = { delayMs: 1_500, settleMs: 100, pollMs: 2_000, resubscribeMs: 500, engineHoldMs: 1_000 };

const sh = (...args: string[]): string => execFileSync(args[0] as string, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const quiet = (...args: string[]): void => void spawnSync(args[0] as string, args.slice(1), { stdio: 'ignore' });

/** The host end of the "fieldbus port" and its peer in the segment namespace (again after the pair died). */
function makeSegmentLink(): void {
  quiet('ip', 'link', 'del', NIC);
  sh('ip', 'link', 'add', NIC, 'type', 'veth', 'peer', 'name', PEER);
  sh('ip', 'link', 'set', PEER, 'netns', SEG);
  sh('ip', '-n', SEG, 'link', 'set', PEER, 'up');
  sh('ip', 'link', 'set', NIC, 'up');
}

const onHost = (nic: string): boolean => existsSync(`/sys/class/net/${nic}`);
const pidOf = async (name: string): Promise<number> => (await docker.getContainer(name).inspect()).State.Pid;

/** The NIC's flags inside the vPLC, or null when it is not there. */
async function inside(name: string, nic: string): Promise<string[] | null> {
  const pid = await pidOf(name);
  if (!pid) return null;
  const r = spawnSync('nsenter', ['-t', String(pid), '-n', 'ip', '-j', 'link', 'show', 'dev', nic], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  return (JSON.parse(r.stdout) as Array<{ flags: string[] }>)[0]?.flags ?? null;
}
const insideUp = async (name: string): Promise<boolean> => (await inside(name, NIC))?.includes('UP') === true;

const dedicatedFile = (dir: string): Record<string, { host_interface: string }> => {
  const file = path.join(dir, 'dedicated_nics.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Record<string, { host_interface: string }>) : {};
};

const SEND = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = b'\\xff' * 6 + b'\\x02\\x00\\x00\\x00\\x00\\x01' + b'\\x88\\xa4' + b'\\x0e\\x10' + b'\\x00' * 44
for _ in range(int(sys.argv[2])):
    s.send(frame)
`;
const RECV = `
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88A4))
s.bind((sys.argv[1], 0))
s.settimeout(float(sys.argv[3]))
print('ready', flush=True)
n = 0
try:
    while n < int(sys.argv[2]):
        f = s.recv(2048)
        if f[12:14] == b'\\x88\\xa4':
            n += 1
except socket.timeout:
    pass
print(n, flush=True)
`;

/** Captures EtherType 0x88A4 frames on the NIC inside the vPLC while the segment sends `count` of them. */
async function framesArriving(name: string, count: number): Promise<number> {
  const pid = await pidOf(name);
  const rx = spawn('nsenter', ['-t', String(pid), '-n', 'python3', '-c', RECV, NIC, String(count), '5'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    rx.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('ready')) resolve();
    });
    rx.on('exit', () => reject(new Error(`receiver exited early: ${out}`)));
  });
  sh('ip', 'netns', 'exec', SEG, 'python3', '-c', SEND, PEER, String(count));
  await new Promise<void>((resolve) => rx.on('exit', () => resolve()));
  return Number.parseInt(out.replace('ready', '').trim(), 10);
}

const spec = (name: string, over: Partial<VplcSpec> = {}): VplcSpec => ({ name, runtimeVersion: 'latest', vnics: [], ...over });

let fx: OrchestratorFixture;
let orch: Orchestrator;
let parent: VethParent;
const logs: string[] = [];
const log: Logger = {
  debug: (m, d) => void logs.push(`${m} ${JSON.stringify(d ?? {})}`),
  info: (m, d) => void logs.push(`${m} ${JSON.stringify(d ?? {})}`),
  warn: (m, d) => void logs.push(`${m} ${JSON.stringify(d ?? {})}`),
  error: (m, d) => void logs.push(`${m} ${JSON.stringify(d ?? {})}`),
};
const vplc = `vt-${run}-ecat`;
const plain = `vt-${run}-plain`;

beforeAll(async () => {
  sh('ip', 'netns', 'add', SEG);
  makeSegmentLink();
  quiet('ip', 'link', 'del', OTHER);
  sh('ip', 'link', 'add', OTHER, 'type', 'veth', 'peer', 'name', `${OTHER}p`);
  quiet('ip', 'link', 'del', WIFI);
  sh('ip', 'link', 'add', WIFI, 'type', 'veth', 'peer', 'name', `${WIFI}p`);
  quiet('ip', 'link', 'del', ADDRESSED);
  sh('ip', 'link', 'add', ADDRESSED, 'type', 'veth', 'peer', 'name', `${ADDRESSED}p`);
  sh('ip', 'addr', 'add', `${ADDRESSED_IP}/32`, 'dev', ADDRESSED);
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  fx = await openOrchestrator({ watchdog }, { log });
  orch = fx.orch;
  await orch.startLifecycle({ sampleUsage: false, reconcile: false });
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  parent?.dispose();
  for (const l of [NIC, OTHER, WIFI, ADDRESSED]) quiet('ip', 'link', 'del', l);
  quiet('ip', 'netns', 'del', SEG);
});

describe('a dedicated NIC', () => {
  it('is moved into the vPLC under its name, up, and gone from the host; the vPLC alone gets NET_RAW and NET_ADMIN', async () => {
    expect(await orch.create(spec(vplc, { dedicatedInterface: NIC }), 'cli')).toMatchObject({ status: 'creating' });
    const lan = { name: 'lan', parentInterface: parent.name, mode: 'static' as const, ip: lanAddress(slot, LAN, 30), subnet: lanSubnet(slot, LAN), dns: [] };
    expect(await orch.create(spec(plain, { vnics: [lan] }), 'cli')).toMatchObject({ status: 'creating' });
    await orch.settled(vplc);
    await orch.settled(plain);
    expect(await orch.status(vplc)).toMatchObject({ status: 'success', is_running: true, dedicated_nic: { host_interface: NIC, state: 'in_container', detail: null } });
    expect(await inside(vplc, NIC)).toEqual(expect.arrayContaining(['UP']));
    expect(onHost(NIC)).toBe(false);
    expect(dedicatedFile(fx.dataDir)).toEqual({ [vplc]: { host_interface: NIC } });
    expect((await docker.getContainer(vplc).inspect()).HostConfig.CapAdd).toEqual(expect.arrayContaining(['NET_RAW', 'NET_ADMIN']));
    expect((await docker.getContainer(plain).inspect()).HostConfig.CapAdd).not.toEqual(expect.arrayContaining(['NET_RAW']));
    expect((await docker.getContainer(plain).inspect()).HostConfig.CapAdd).not.toEqual(expect.arrayContaining(['NET_ADMIN']));
    expect((await orch.list()).find((v) => v.name === vplc)?.dedicated_nic).toMatchObject({ host_interface: NIC, state: 'in_container' });
    expect((await orch.list()).find((v) => v.name === plain)?.dedicated_nic).toBeNull();
  }, 120_000);

  it('receives raw EtherCAT frames (0x88A4) sent on the segment', async () => {
    expect(await framesArriving(vplc, 20)).toBe(20);
  });

  it('is listed with dedicated_to while it lives inside the vPLC (cloud and local lists)', async () => {
    const body = hostInterfacesBody(await orch.hostInterfaces(), { include_virtual: false, detailed: true }, orch.dedicatedNics()) as { interfaces: Array<Record<string, unknown>> };
    expect(body.interfaces.find((i) => i['name'] === NIC)).toEqual({ name: NIC, ip_address: null, ipv4_addresses: [], mac_address: expect.stringMatching(/^[0-9a-f:]{17}$/), dedicated_to: vplc });
    const local = (await orch.interfaceViews()).find((i) => i.name === NIC);
    expect(local).toMatchObject({ dedicated_to: vplc, policy_refusal: expect.stringContaining(`dedicated to vPLC '${vplc}'`) });
  });

  it('leaving the host is no network change to act on: nothing is re-attached, no warning for other vPLCs', async () => {
    const before = logs.length;
    const warningsBefore = (await orch.status(plain)).orchestrator_state?.warnings;
    const reports: unknown[] = [];
    const off = orch.onReattach((e) => reports.push(e));
    await orch.onNetworkChange({ interface: NIC, ipv4_addresses: [], status: 'removed' });
    off();
    expect(logs.slice(before).some((l) => l.startsWith('network change of a dedicated NIC: not re-attached'))).toBe(true);
    expect(reports).toEqual([]);
    expect((await orch.status(plain)).orchestrator_state?.warnings).toEqual(warningsBefore);
  });

  it('is refused in the answer with the field named, creating nothing: taken, a vNIC parent, the uplink, host addresses', async () => {
    const uplink = /dev (\S+)/.exec(sh('ip', 'route', 'show', 'default'))?.[1];
    const cases: Array<[VplcSpec, RegExp]> = [
      [spec(`vt-${run}-r1`, { dedicatedInterface: NIC }), new RegExp(`^Validation error: dedicated_interface: ${NIC} is already dedicated to container '${vplc}'$`)],
      [spec(`vt-${run}-r4`, { dedicatedInterface: parent.name }), new RegExp(`^Validation error: dedicated_interface: ${parent.name} is a vNIC parent of container '${plain}'`)],
      [spec(`vt-${run}-r6`, { vnics: [{ name: 'x', parentInterface: NIC, mode: 'dhcp', dns: [] }] }), new RegExp(`^Validation error: vnics\\[0\\]\\.parent_interface: ${NIC} is already dedicated to container '${vplc}'$`)],
      // A management or storage port: the test allow-list's pattern (vt*) does not name it, so it stays with the host.
      [spec(`vt-${run}-r8`, { dedicatedInterface: ADDRESSED }), new RegExp(`^Validation error: dedicated_interface: ${ADDRESSED} carries this host's address ${ADDRESSED_IP.replace(/\./g, '\\.')};`)],
      ...(uplink ? [[spec(`vt-${run}-r7`, { dedicatedInterface: uplink }), /^Validation error: dedicated_interface: .* default route/] as [VplcSpec, RegExp]] : []),
    ];
    for (const [s, error] of cases) {
      const ack = await orch.create(s, 'cloud');
      expect(ack).toMatchObject({ status: 'error', error: expect.stringMatching(error) });
      if (s.dedicatedInterface) expect(ack).toMatchObject({ code: 'VALIDATION', field: 'dedicatedInterface' });
      expect(orch.desiredRecord(s.name)).toBeUndefined();
      await expect(docker.getContainer(s.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
    // A NIC that is also a vNIC parent of the same request contradicts itself: the spec schema refuses it at once.
    const own = await orch.create(spec(`vt-${run}-r5`, { dedicatedInterface: OTHER, vnics: [{ name: 'x', parentInterface: OTHER, mode: 'dhcp', dns: [] }] }), 'cloud');
    expect(own).toMatchObject({ status: 'error', error: expect.stringMatching(/^Validation error: dedicatedInterface: /) });
    expect(dedicatedFile(fx.dataDir)).toEqual({ [vplc]: { host_interface: NIC } });
  });

  it('fails validating_config with the protocol texts when the NIC is absent or WiFi, creating nothing', async () => {
    const cases: Array<[VplcSpec, RegExp]> = [
      [spec(`vt-${run}-r2`, { dedicatedInterface: `vtz${run}` }), new RegExp(`^Interface 'vtz${run}' not found on host\\. Available interfaces: \\[.*'${OTHER}'.*\\]$`)],
      [spec(`vt-${run}-r3`, { dedicatedInterface: WIFI }), new RegExp(`^Interface '${WIFI}' is a WiFi interface`)],
    ];
    for (const [s, error] of cases) {
      expect(await orch.create(s, 'cloud')).toMatchObject({ status: 'creating' });
      await orch.settled(s.name);
      expect(await orch.status(s.name)).toMatchObject({ status: 'error', operation: 'create', error: expect.stringMatching(error) });
      expect(orch.desiredRecord(s.name)).toBeUndefined();
      await expect(docker.getContainer(s.name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    }
    expect(dedicatedFile(fx.dataDir)).toEqual({ [vplc]: { host_interface: NIC } });
  }, 60_000);

  it('goes to one create only when another uses it as a vNIC parent at the same moment', async () => {
    const [a, b] = [`vt-${run}-pr1`, `vt-${run}-pr2`];
    sh('ip', 'link', 'set', `${OTHER}p`, 'up');
    sh('ip', 'link', 'set', OTHER, 'up');
    const vnic = { name: 'x', parentInterface: OTHER, mode: 'static' as const, ip: lanAddress(slot, LAN2, 10), subnet: lanSubnet(slot, LAN2), dns: [] };
    const acks = await Promise.all([orch.create(spec(a, { dedicatedInterface: OTHER }), 'cli'), orch.create(spec(b, { vnics: [vnic] }), 'cloud')]);
    expect(acks.map((x) => x.status).sort()).toEqual(['creating', 'error']);
    const loser = acks[0]?.status === 'error' ? acks[0] : acks[1];
    expect(loser).toMatchObject({ error: expect.stringMatching(new RegExp(`(is already dedicated to container '${a}'|is a vNIC parent of container '${b}'; )`)) });
    const winner = acks[0]?.status === 'creating' ? a : b;
    await orch.settled(winner);
    expect(await orch.delete(winner, 'cli')).toMatchObject({ status: 'deleting' });
    await orch.settled(winner);
    expect(onHost(OTHER)).toBe(true);
    expect(dedicatedFile(fx.dataDir)).toEqual({ [vplc]: { host_interface: NIC } });
  }, 120_000);

  it('goes to exactly one of two creates asking for it at once', async () => {
    const [a, b] = [`vt-${run}-race1`, `vt-${run}-race2`];
    const acks = await Promise.all([orch.create(spec(a, { dedicatedInterface: OTHER }), 'cli'), orch.create(spec(b, { dedicatedInterface: OTHER }), 'cloud')]);
    expect(acks.map((x) => x.status).sort()).toEqual(['creating', 'error']);
    const loser = acks[0]?.status === 'error' ? acks[0] : acks[1];
    expect(loser).toMatchObject({ error: expect.stringMatching(/is already dedicated to container 'vt-.*-race[12]'$/) });
    const winner = acks[0]?.status === 'creating' ? a : b;
    await orch.settled(winner);
    expect(onHost(OTHER)).toBe(false);
    expect(await orch.delete(winner, 'cli')).toMatchObject({ status: 'deleting' });
    await orch.settled(winner);
    expect(onHost(OTHER)).toBe(true);
    expect(dedicatedFile(fx.dataDir)[winner]).toBeUndefined();
  }, 120_000);

  it('is handed back before our own stop (so the veth survives) and moved again after a start', async () => {
    expect(await orch.stop(vplc, 'cli')).toMatchObject({ status: 'success' });
    expect(onHost(NIC)).toBe(true);
    expect(sh('ip', '-j', 'link', 'show', 'dev', NIC)).toContain('"UP"');
    expect(await orch.status(vplc)).toMatchObject({ dedicated_nic: { state: 'on_host' } });
    expect(dedicatedFile(fx.dataDir)).toEqual({ [vplc]: { host_interface: NIC } });
    expect(await orch.start(vplc, 'cli')).toMatchObject({ status: 'success' });
    await waitFor(() => insideUp(vplc), Boolean, { timeoutMs: 15_000, what: 'the NIC inside again after the start' });
    expect(onHost(NIC)).toBe(false);
    expect(await framesArriving(vplc, 5)).toBe(5);
  }, 60_000);

  it('is moved again after a crash and the watchdog restart (the port fell back to the host)', async () => {
    await docker.getContainer(vplc).kill();
    await waitFor(() => pidOf(vplc), (p) => p === 0, { timeoutMs: 10_000, what: 'the container down' });
    // Before the watchdog's restart (1.5 s) and the move 1 s after it: the state says where the port went.
    const stateNow = async (): Promise<string | undefined> => (await orch.status(vplc)).dedicated_nic?.state;
    await waitFor(stateNow, (st) => st === 'on_host', { timeoutMs: 5_000, intervalMs: 100, what: 'the dedicated NIC on_host after the kill' });
    // A physical NIC falls back to the host when the namespace dies; a veth dies with it, so the test makes it again.
    const peerLeft = (): boolean => spawnSync('ip', ['-n', SEG, 'link', 'show', 'dev', PEER], { stdio: 'ignore' }).status === 0;
    await waitFor(peerLeft, (left) => !left, { timeoutMs: 10_000, intervalMs: 100, what: 'the veth pair gone with the namespace' });
    makeSegmentLink();
    // What netmon reports once the port is back on the host (this in-process agent has no monitor, so the test hands it
    // the report): had the restart's move already run and found no port, the port moves in now; otherwise that move
    // finds it.
    await orch.onNetworkChange({ interface: NIC, index: 0, operstate: 'down', type: 'ethernet', ipv4_addresses: [], gateway: null, timestamp: new Date().toISOString() });
    await waitFor(() => insideUp(vplc), Boolean, { timeoutMs: 30_000, intervalMs: 300, what: 'the NIC inside after the watchdog restart' });
    expect(onHost(NIC)).toBe(false);
    await orch.dedicatedNicsIdle();
    expect(await orch.status(vplc)).toMatchObject({ dedicated_nic: { state: 'in_container' } });
  }, 60_000);

  it('is moved again at agent start when it came back to the host meanwhile', async () => {
    await orch.close({ graceMs: 5_000 });
    // While no agent runs, the NIC comes back to the host (as a physical one does when something resets it).
    sh('nsenter', '-t', String(await pidOf(vplc)), '-n', 'ip', 'link', 'set', 'dev', NIC, 'netns', '1');
    expect(onHost(NIC)).toBe(true);
    orch = await fx.reopen({ log });
    await orch.startLifecycle({ sampleUsage: false, reconcile: false });
    expect(await insideUp(vplc)).toBe(true);
    expect(onHost(NIC)).toBe(false);
    expect(await orch.status(vplc)).toMatchObject({ dedicated_nic: { state: 'in_container' } });
  }, 60_000);

  it('goes back to the host on delete, and its entry goes', async () => {
    expect(await orch.delete(vplc, 'cli')).toMatchObject({ status: 'deleting' });
    await orch.settled(vplc);
    expect(onHost(NIC)).toBe(true);
    expect(dedicatedFile(fx.dataDir)).toEqual({});
    expect(await orch.status(vplc)).toMatchObject({ status: 'not_found' });
  }, 60_000);

  it('goes back to the host on self-destruct, and the file goes', async () => {
    expect(await orch.create(spec(vplc, { dedicatedInterface: NIC }), 'cli')).toMatchObject({ status: 'creating' });
    await orch.settled(vplc);
    expect(await insideUp(vplc)).toBe(true);
    expect(orch.selfDestruct(async () => undefined)).toMatchObject({ status: 'accepted' });
    await orch.settled();
    expect(await orch.status('__orchestrator__')).toMatchObject({ status: 'not_found' });
    expect(onHost(NIC)).toBe(true);
    expect(existsSync(path.join(fx.dataDir, 'dedicated_nics.json'))).toBe(false);
  }, 60_000);
});
