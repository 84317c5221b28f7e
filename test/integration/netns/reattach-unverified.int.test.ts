// "Re-attached" only once the MAC and address are verified (docs/protocol.md §8 "Verified before reported"): with no
// busybox to build the helper image from, a vPLC whose parent moves /24 → /23 is connected to the new network with the
// engine's MAC (API below 1.44 ignores the requested one); it is reported `failed` with the reason, never
// `reattached`, and retried; once a busybox appears, a retry sets the requested MAC, verifies it and the address, and
// only then reports it re-attached.
// Runtime: about 20-40 s on 2 cores (real netmon with its 3 s debounce, retry backoff 2 s doubling).
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, wireLinks } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const LAN = 12;
const ip = lanAddress(slot, LAN, 51);
const mac = '02:5a:12:00:00:03';
const name = `vt-${run}-ru`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bb-'));
const busybox = path.join(dir, 'busybox');
let parent: VethParent;
let netmon: Netmon;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];
const warningsOf = async (): Promise<string[]> => ((await fx.orch.status(name)).orchestrator_state as { warnings: string[] }).warnings;

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  netmon = startNetmon({ mode: 'builtin' });
  fx = await openOrchestrator({ busyboxPaths: [busybox], arpProbeMs: 0 }, { interfaces: netmon.cache, readiness: netmon.cache });
  netmon.cache.onChange((d) => void fx.orch.onNetworkChange(d));
  fx.orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip, dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await fx.orch.settled(name);
}, 90_000);

afterAll(async () => {
  netmon?.stop();
  await fx?.dispose();
  parent?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a moved vNIC whose MAC cannot be verified', () => {
  const wide = (): string => `macvlan_${parent.name}_${lanAddress(slot, LAN, 0)}_23`;

  it('is reported failed with the reason and in the warnings, never re-attached', async () => {
    readdressHost(parent.name, `${lanAddress(slot, LAN, 254)}/24`, `${lanAddress(slot, LAN, 254)}/23`, null);
    const failed = await waitFor(() => events.find((x) => x.network === wide()), (e) => e !== undefined, { timeoutMs: 30_000, what: 'the re-attachment report' });
    expect(failed).toMatchObject({ vplc: name, vnic: 'lan', result: 'failed' });
    expect(failed?.message).toMatch(new RegExp(`^vNIC 'lan' is connected to ${wide()} but not verified: MAC and IP could not be verified on the wire: no static busybox found.*; retrying$`));
    expect(await warningsOf()).toContain(failed?.message);
    // Connected all the same (the vPLC keeps its address), with the engine's MAC.
    const info = await docker.getContainer(name).inspect();
    expect(info.NetworkSettings.Networks[wide()]?.IPAddress).toBe(ip);
    expect(events.filter((x) => x.result === 'reattached')).toEqual([]);
  });

  it('is reported re-attached by a retry once the MAC is set and verified', async () => {
    copyFileSync('/bin/busybox', busybox);
    const ev = await waitFor(() => events.find((x) => x.result === 'reattached'), (e) => e !== undefined, { timeoutMs: 60_000, intervalMs: 250, what: 'the re-attachment to be verified' });
    expect(ev).toMatchObject({ vplc: name, vnic: 'lan', network: wide(), message: `vNIC 'lan' re-attached to ${wide()}; MAC and address verified` });
    const links = await wireLinks((await docker.getContainer(name).inspect()).Id, run);
    expect(links.find((l) => l.mac === mac)?.ipv4).toEqual([ip]);
    expect((await warningsOf()).filter((w) => w.includes('not verified') || w.startsWith('MAC'))).toEqual([]);
  });
});
