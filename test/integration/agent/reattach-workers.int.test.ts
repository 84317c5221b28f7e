// Re-attachment through the real agent: the whole agent in this process (createAgent, its netmon, orchestrator and
// cloudlink workers in real threads, netmon in built-in mode on real netlink) keeps a static vPLC on its parent's LAN
// while the parent changes subnet, is deleted and created again, and while the orchestrator worker is down when the
// change happens (the core replays netmon's discovery to the restarted worker). Everything is read back over the
// agent's API and inside the container's namespace. Runtime: about 60-90 s on 2 cores (3 s netmon debounce per move,
// a 12-16 s liveness deadline while the orchestrator’s restart is held).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { startAgentInProcess, type InProcessAgent } from '../../support/agent-in-process.js';
import { docker, NETHELPER_IMAGE, removeByLabels, STANDIN_REPO, wireLinks } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { internalPoolFor, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 10;
const base = `198.18.${slot * 16 + LAN}`;
const ip = `${base}.50`;
const mac = '02:5a:10:00:00:01';
const name = `vt-${run}-rw`;
const tmp = tempDir('vplc-rw-');
let sim: CloudSim;
let parent: VethParent;
let a: InProcessAgent;
let installation = '';

type NetView = { ip_address: string | null; mac_address: string };
type Status = { status: string; is_running?: boolean; networks?: Record<string, NetView>; orchestrator_state?: { warnings: string[] } };
type Change = { at: number; data: { interface?: string; status?: string; ipv4_addresses?: Array<{ subnet: string }> } };
const changes: Change[] = [];

const netName = (prefix: 23 | 24): string => `macvlan_${parent.name}_${base}.0_${prefix}`;
const ifindex = (ifname: string): number => Number(readFileSync(`/sys/class/net/${ifname}/ifindex`, 'utf8').trim());

async function call<T>(channel: string, input: unknown): Promise<T> {
  const r = await a.client.call(channel, input);
  if (!r.ok) throw new Error(`${channel}: ${r.error.code} ${r.error.message}`);
  return r.value as T;
}
const status = (): Promise<Status> => call<Status>('vplc:status', { name });
const workerState = async (worker: string): Promise<string | undefined> =>
  (await call<{ workers: Array<{ name: string; state: string }> }>('agent:status', {})).workers.find((w) => w.name === worker)?.state;

/** The vPLC on exactly one MACVLAN network, with its address and MAC, as the API reports it. */
const onNetwork = (net: string) => (s: Status): boolean =>
  s.is_running === true && Object.keys(s.networks ?? {}).join() === net && s.networks?.[net]?.ip_address === ip && s.networks[net]?.mac_address === mac;

/** The vNIC as the kernel has it inside the container: our MAC and address, on a link whose lower device is the parent. */
async function expectOnTheWire(parentName: string): Promise<void> {
  const info = await docker.getContainer(name).inspect();
  const lan = (await wireLinks(info.Id, run)).find((l) => l.ipv4.includes(ip));
  expect(lan?.mac).toBe(mac);
  expect(lan?.lowerIndex).toBe(ifindex(parentName));
}

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${base}.254/24`);
  const pki = await createPkiSet('07048934');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(tmp.dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  a = await startAgentInProcess(
    [
      '--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', tmp.write('ca.crt', pki.ca.cert),
      '--ui-port', '0', '--metrics-port', '0', '--settings', tmp.write('settings.json', testSettingsFile()),
      '--internal-pool', internalPoolFor(slot), '--runtime-image', STANDIN_REPO, '--helper-image', NETHELPER_IMAGE,
    ],
    path.join(tmp.dir, 'data'),
  );
  a.client.onEvent((event, payload) => {
    if (event === 'netmon:change') changes.push({ at: Date.now(), data: payload as Change['data'] });
  });
  const st = await waitFor(
    () => call<{ cloud: string; installationId: string; workers: Array<{ state: string }> }>('agent:status', {}),
    (s) => s.cloud === 'connected' && s.workers.length === 3 && s.workers.every((w) => w.state === 'running'),
    { timeoutMs: 30_000, what: 'three workers running and the cloud connected' },
  );
  installation = st.installationId;
  await call('vplc:create', { name, vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, mac }] });
  await waitFor(status, onNetwork(netName(24)), { timeoutMs: 90_000, intervalMs: 500, what: 'the vPLC running on its LAN' });
});

afterAll(async () => {
  await a?.stop();
  await sim?.close();
  if (installation) await removeByLabels({ instance: installation });
  await removeByLabels({ run });
  parent?.dispose();
  tmp.dispose();
});

describe('re-attachment through the agent’s workers', () => {
  it('follows a subnet change of its parent without a restart', async () => {
    const before = await docker.getContainer(name).inspect();
    readdressHost(parent.name, `${base}.254/24`, `${base}.254/23`, null);
    await waitFor(status, onNetwork(netName(23)), { timeoutMs: 30_000, intervalMs: 250, what: 'the vPLC on the /23 network' });
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    await expectOnTheWire(parent.name);
  });

  it('follows its parent when the parent is deleted and created again on another subnet', async () => {
    const before = await docker.getContainer(name).inspect();
    const oldIndex = ifindex(parent.name);
    const t0 = Date.now();
    parent.dispose();
    await waitFor(() => changes, (c) => c.some((x) => x.at >= t0 && x.data.interface === parent.name && x.data.status === 'removed'), { timeoutMs: 10_000, what: 'the parent removed' });
    parent = createVethParent(run, LAN, `${base}.254/24`);
    expect(ifindex(parent.name)).not.toBe(oldIndex);
    await waitFor(status, onNetwork(netName(24)), { timeoutMs: 30_000, intervalMs: 250, what: 'the vPLC on the new parent’s /24 network' });
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    await expectOnTheWire(parent.name);
  });

  // The vPLC's MACVLAN link dies with the deleted parent while Docker keeps its endpoint; the re-created parent reports
  // the subnet the re-attacher handled before, so only the removal in between says the endpoint must be re-created.
  it('follows its parent when the parent is deleted and created again on the same subnet', async () => {
    const before = await docker.getContainer(name).inspect();
    const t0 = Date.now();
    parent.dispose();
    await waitFor(() => changes, (c) => c.some((x) => x.at >= t0 && x.data.interface === parent.name && x.data.status === 'removed'), { timeoutMs: 10_000, what: 'the parent removed' });
    // While the parent is gone the API reports the vNIC detached, with a warning, not Docker's dead endpoint.
    await waitFor(status, (s) => Object.keys(s.networks ?? {}).length === 0 && (s.orchestrator_state?.warnings ?? []).some((w) => w.includes(parent.name) && w.includes('detached')), {
      timeoutMs: 15_000,
      intervalMs: 250,
      what: 'the vNIC reported detached while its parent is gone',
    });
    parent = createVethParent(run, LAN, `${base}.254/24`);
    await waitFor(
      async () => (await wireLinks(before.Id, run)).find((l) => l.ipv4.includes(ip)),
      (lan) => lan?.mac === mac && lan.lowerIndex === ifindex(parent.name),
      { timeoutMs: 30_000, intervalMs: 500, what: 'the vNIC back on the wire over the new parent' },
    );
    expect(await status()).toSatisfy(onNetwork(netName(24)));
    expect((await status()).orchestrator_state?.warnings.filter((w) => w.includes(parent.name))).toEqual([]);
    expect((await docker.getContainer(name).inspect()).State.StartedAt).toBe(before.State.StartedAt);
  });

  it('catches up, after an orchestrator worker restart, with a change it missed while down', async () => {
    const before = await docker.getContainer(name).inspect();
    const release = a.hold('orchestrator');
    let released = 0;
    try {
      await a.kill('orchestrator');
      const t0 = Date.now();
      readdressHost(parent.name, `${base}.254/24`, `${base}.254/23`, null);
      // netmon saw the change and emitted it while no orchestrator could take it ...
      await waitFor(() => changes, (c) => c.some((x) => x.at >= t0 && x.data.interface === parent.name && x.data.ipv4_addresses?.[0]?.subnet === `${base}.0/23`), {
        timeoutMs: 15_000,
        what: 'netmon reporting the /23',
      });
      // ... and the core gave up delivering it (the orchestrator stayed down past the delivery deadline). Should the
      // bus ever keep events for a worker that is restarting, this premise goes and the assertions below still hold.
      await waitFor(
        () => call<Array<{ ts: string; msg: string; data?: unknown }>>('logs:tail', { limit: 500, level: 'warn' }),
        (lines) => lines.some((l) => Date.parse(l.ts) >= t0 && /netmon/i.test(`${l.msg} ${JSON.stringify(l.data ?? {})}`)),
        { timeoutMs: 30_000, intervalMs: 500, what: 'the undelivered netmon event in the agent log' },
      );
      expect(Object.keys((await docker.getContainer(name).inspect()).NetworkSettings.Networks)).toContain(netName(24));
    } finally {
      release();
      released = Date.now();
    }
    await waitFor(() => workerState('orchestrator'), (s) => s === 'running', { timeoutMs: 60_000, intervalMs: 500, what: 'the orchestrator worker running again' });
    await waitFor(status, onNetwork(netName(23)), { timeoutMs: 30_000, intervalMs: 250, what: 'the vPLC on the /23 network after the restart' });
    // No netlink event told the new worker about the parent: it learnt it from the discovery replayed at its start.
    expect(changes.filter((c) => c.at >= released && c.data.interface === parent.name)).toEqual([]);
    const after = await docker.getContainer(name).inspect();
    expect(after.Id).toBe(before.Id);
    expect(after.State.StartedAt).toBe(before.State.StartedAt);
    await expectOnTheWire(parent.name);
  });
});
