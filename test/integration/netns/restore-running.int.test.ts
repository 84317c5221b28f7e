// A vPLC that runs while no agent does is restored when the next agent starts, without a restart: a DHCP helper removed
// meanwhile is started again (and leases), a MAC changed by hand inside the namespace is set back, stale warnings from
// the file are cleared, a warning whose cause remains is kept, and Docker's default route on a static vNIC without a
// gateway is removed again. Boot sync starts a stopped vPLC first; the restore follows. Real dockerd, a netns LAN with udhcpd.
// Runtime: about 30-60 s on 2 cores (two stand-in runtime starts, udhcpc discover timing, four agent restarts).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { WARNINGS_FILE } from '../../../electron/workers/orchestrator/status/warnings-file.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { createLan, readdressHost, type Lan } from '../../support/lan.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 11}`;
const name = `vt-${run}-restore`;
const staticName = `vt-${run}-rstatic`;
const mac = '02:5a:11:00:00:07';
const handMac = '02:5a:11:00:00:99';
let lan: Lan;
let parent: VethParent;
let fx: OrchestratorFixture;
let current: Orchestrator;

type Net = { ip_address: string | null };
const leaseIn = async (orch: Orchestrator, from: number, to: number): Promise<string | null> => {
  const nets = ((await orch.status(name)).networks ?? {}) as Record<string, Net>;
  const ip = Object.values(nets).map((n) => n.ip_address ?? '').find((a) => a.startsWith(`${base}.`));
  const host = ip ? Number(ip.split('.')[3]) : NaN;
  return ip && host >= from && host <= to ? ip : null;
};
const warningsOf = async (orch: Orchestrator): Promise<string[]> => {
  const state = (await orch.status(name))['orchestrator_state'] as { warnings?: string[] } | undefined;
  return state?.warnings ?? [];
};
const runningHelpers = async (): Promise<string[]> =>
  (await docker.listContainers({ filters: { label: [`${Label.role}=dhcp`, `${Label.vplc}=${name}`] } })).map((c) => c.Id);
const startedAt = async (): Promise<string> => (await docker.getContainer(name).inspect()).State.StartedAt;
/** `ip -o link` inside the vPLC's network namespace. */
const links = async (vplc = name): Promise<string> => {
  const pid = (await docker.getContainer(vplc).inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', '-o', 'link'], { encoding: 'utf8' });
};
const ifnameWith = (out: string, m: string): string | undefined =>
  out
    .split('\n')
    .find((l) => l.includes(`link/ether ${m} `))
    ?.replace(/^\d+:\s+/, '')
    .replace(/[@:].*/, '');

const defaultRoutes = async (vplc: string): Promise<string[]> => {
  const pid = (await docker.getContainer(vplc).inspect()).State.Pid;
  return execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', '-4', 'route', 'show'], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('default'));
};

/** Writes warnings into the file as a previous agent would have left them (call while no agent runs). */
const addWarnings = (keyed: Record<string, string>): void => {
  const file = path.join(fx.dataDir, WARNINGS_FILE);
  const body = JSON.parse(readFileSync(file, 'utf8')) as { warnings: Record<string, Record<string, string>> };
  body.warnings[name] = { ...body.warnings[name], ...keyed };
  writeFileSync(file, JSON.stringify(body));
};

/** An agent restart: close the current one, run `meanwhile`, open a new one and let boot sync and the restore finish. */
const restartAgent = async (meanwhile: () => Promise<void> | void): Promise<void> => {
  await current.close({ graceMs: 5_000 });
  await meanwhile();
  current = await fx.reopen();
  await current.startLifecycle({ sampleUsage: false, reconcile: false });
  await current.restoredAtStart();
};

const setMacByHand = async (vplc = name, from = mac): Promise<void> => {
  const ifname = ifnameWith(await links(vplc), from);
  expect(ifname).toBeDefined();
  const pid = (await docker.getContainer(vplc).inspect()).State.Pid;
  execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', 'link', 'set', 'dev', ifname as string, 'address', handMac]);
  expect(ifnameWith(await links(vplc), from)).toBeUndefined();
};

beforeAll(async () => {
  lan = createLan(run, 'r', base);
  parent = createVethParent(run, 7);
  lan.plug(parent.peer);
  readdressHost(parent.name, null, `${base}.254/24`, null);
  fx = await openOrchestrator();
  current = fx.orch;
  const st = await current.create(
    { name: staticName, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: `${base}.60`, subnet: `${base}.0/24`, dns: [] }] },
    'cli',
  );
  expect(st.status).toBe('creating');
  await current.settled(staticName);
  const ack = await current.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'dhcp', dns: [], mac }] }, 'cli');
  expect(ack.status).toBe('creating');
  await current.settled(name);
  await waitFor(() => leaseIn(current, 100, 150), (ip) => ip !== null, { timeoutMs: 60_000, what: 'a first lease' });
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
  lan?.dispose();
});

describe('restore of a running vPLC at agent start', () => {
  it('starts the DHCP client removed while no agent ran, records its lease and clears stale warnings, without restarting the vPLC', async () => {
    const before = await startedAt();
    const [helper] = await runningHelpers();
    expect(helper).toBeDefined();
    await restartAgent(async () => {
      await docker.getContainer(helper as string).remove({ force: true });
      // Renumbered: only a client that runs again can bring an address from the new pool.
      await lan.restartDhcp(160, 190);
      addWarnings({ 'mac:lan': 'stale MAC warning', 'dhcp:0': 'stale DHCP warning' });
    });

    const helpers = await runningHelpers();
    expect(helpers).toHaveLength(1);
    expect(helpers).not.toContain(helper);
    const ip = await waitFor(() => leaseIn(current, 160, 190), (a) => a !== null, { timeoutMs: 60_000, what: 'a lease from the client started again' });
    expect(current.vnicRecords(name).find((v) => v.name === 'lan')?.dhcp_ip).toBe(ip);
    const warnings = await warningsOf(current);
    expect(warnings).not.toContain('stale MAC warning');
    expect(warnings).not.toContain('stale DHCP warning');
    expect(await startedAt()).toBe(before);
  });

  it('sets a MAC changed by hand back to the requested one and says so; a no-lease warning that is over goes', async () => {
    const before = await startedAt();
    const helpersBefore = await runningHelpers();
    await restartAgent(async () => {
      await setMacByHand();
      // Left by a lease failure that is over: the helper's last line is the recorded lease.
      addWarnings({ 'dhcplease:lan': 'stale no-lease warning' });
    });

    const out = await links();
    expect(ifnameWith(out, mac)).toBeDefined();
    expect(ifnameWith(out, handMac)).toBeUndefined();
    expect(current.vnicRecords(name).find((v) => v.name === 'lan')?._wire_mac_address).toBe(mac);
    const warnings = await warningsOf(current);
    // Repaired: the log says what was found; no warning is left to make the vPLC look degraded.
    expect(warnings.some((w) => w.includes(handMac) || /MAC/.test(w))).toBe(false);
    const state = (await current.status(name))['orchestrator_state'] as { health_reasons?: string[] } | undefined;
    expect((state?.health_reasons ?? []).filter((r) => /MAC/.test(r))).toEqual([]);
    expect(warnings.some((w) => w.includes('is not on the wire'))).toBe(false);
    expect(warnings).not.toContain('stale no-lease warning');
    // The adopted DHCP client was current: left alone, like the vPLC.
    expect(await runningHelpers()).toEqual(helpersBefore);
    expect(await startedAt()).toBe(before);
  });

  it('keeps a warning whose cause remains: no DHCP server on the LAN', async () => {
    // The LAN's DHCP server goes away; the client is made to release and ask again, and gets nothing.
    for (const pid of execFileSync('ip', ['netns', 'pids', lan.ns], { encoding: 'utf8' }).split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
    const [helper] = await runningHelpers();
    execFileSync('docker', ['kill', '--signal', 'USR2', helper as string], { stdio: 'ignore' });
    execFileSync('docker', ['kill', '--signal', 'USR1', helper as string], { stdio: 'ignore' });
    const noLease = (w: string[]): boolean => w.some((x) => x.includes("DHCP for vNIC 'lan' got no lease"));
    await waitFor(() => warningsOf(current), noLease, { timeoutMs: 60_000, what: 'the no-lease warning' });

    await restartAgent(() => undefined);
    expect(noLease(await warningsOf(current))).toBe(true);
    expect(await runningHelpers()).toEqual([helper]);
  });

  it('removes a default route put back on a static vNIC without a gateway, without restarting the vPLC', async () => {
    const before = (await docker.getContainer(staticName).inspect()).State.StartedAt;
    expect(await defaultRoutes(staticName)).toEqual([]);
    await restartAgent(async () => {
      const pid = (await docker.getContainer(staticName).inspect()).State.Pid;
      const ifname = execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', '-o', '-4', 'addr'], { encoding: 'utf8' })
        .split('\n')
        .find((l) => l.includes(` ${base}.60/`))
        ?.split(/\s+/)[1];
      expect(ifname).toBeDefined();
      execFileSync('nsenter', ['-t', String(pid), '-n', 'ip', 'route', 'add', 'default', 'via', `${base}.1`, 'dev', ifname as string]);
      expect(await defaultRoutes(staticName)).toHaveLength(1);
    });
    expect(await defaultRoutes(staticName)).toEqual([]);
    expect((await docker.getContainer(staticName).inspect()).State.StartedAt).toBe(before);
  });

  it('starts a stopped vPLC without waiting for the restore of a running one, which follows boot sync', async () => {
    // The static vPLC runs with a MAC changed by hand (its address finds the link); the DHCP one was stopped while no
    // agent ran, though it should run: boot sync starts it, while the static one's restore is held.
    const staticMac = current.vnicRecords(staticName).find((v) => v.name === 'lan')?.mac_address ?? '';
    expect(staticMac).not.toBe('');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const held: string[] = [];
    await current.close({ graceMs: 5_000 });
    await docker.getContainer(name).stop({ t: 1 });
    await setMacByHand(staticName, staticMac);
    current = await fx.reopen({
      fault: async (point, vplc) => {
        if (point !== 'restore-running') return;
        held.push(vplc);
        await gate;
      },
    });
    try {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        current.startLifecycle({ sampleUsage: false, reconcile: false }).then(() => 'boot sync resolved'),
        new Promise<string>((resolve) => (timer = setTimeout(() => resolve('boot sync waited for the held restore'), 90_000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBe('boot sync resolved');
      expect((await docker.getContainer(name).inspect()).State.Running).toBe(true);
      // Only the vPLC found running is restored (the started one is provisioned by its start), and it is still held.
      await waitFor(async () => held, (h) => h.length > 0, { timeoutMs: 30_000, what: 'the restore of the running vPLC' });
      expect(held).toEqual([staticName]);
      expect(ifnameWith(await links(staticName), handMac)).toBeDefined();
    } finally {
      release();
    }
    await current.restoredAtStart();
    const out = await links(staticName);
    expect(ifnameWith(out, staticMac)).toBeDefined();
    expect(ifnameWith(out, handMac)).toBeUndefined();
  });
});
