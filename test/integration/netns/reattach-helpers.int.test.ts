// Helper containers a subnet move of three running static vPLCs costs: one host helper probing every static address
// of the parent at once, and one helper per vPLC in its namespace that sets and measures the MACs and then removes
// Docker's default route and sends the gratuitous ARP (before: a probe, a MAC helper and an after-join helper per
// vPLC, nine containers). Each vPLC is still verified, re-attached without a restart, without the default route, and
// announced: a device on the parent's LAN learns each vPLC's MAC without asking. When a MAC helper dies between its two
// steps, the after-join step runs on one extra one-shot helper, with the same result and no warning.
// With the monitor's settling hint, those namespace helpers start during the debounce and the move takes them; a hint
// that ends in no move costs helpers that exit when their time is up (15 s), and nothing else.
// Runtime: about 35-60 s on 2 cores (real netmon with its 3 s debounce, three moves, stand-in runtime).
import { execFileSync } from 'node:child_process';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNetmon, type Netmon } from '../../../electron/workers/netmon/index.js';
import type { Logger } from '../../../electron/workers/orchestrator/context.js';
import { isNotFound } from '../../../electron/workers/orchestrator/docker/errors.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import type { ReattachEvent } from '../../../electron/workers/orchestrator/reattach/index.js';
import { docker, removeByLabels, wireLinks } from '../../support/docker.js';
import { readdressHost } from '../../support/lan.js';
import { createLanPeer, type LanPeer } from '../../support/lan-peer.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const base = `198.18.${slot * 16 + 12}`;
const vplcs = [0, 1, 2].map((i) => ({ name: `vt-${run}-rh${i}`, ip: `${base}.${60 + i}`, mac: `02:5a:12:00:01:0${i}` }));
let parent: VethParent;
let peer: LanPeer;
let netmon: Netmon;
let fx: OrchestratorFixture;
const events: ReattachEvent[] = [];
const logLines: { level: string; msg: string; vplc: unknown }[] = [];
const at = (level: string): Logger[keyof Logger] => (msg, data = {}) => void logLines.push({ level, msg, vplc: data['vplc'] });
const log: Logger = { debug: () => undefined, info: at('info'), warn: at('warn'), error: at('error') };
/** Whether the built-in monitor's settling hint reaches the orchestrator (tests 3 and 4; the agent's bus routes it). */
let hints = false;
/** When the parent's debounced change reached the orchestrator, per move. */
const changeSeenAt: number[] = [];
/** The vPLC whose MAC helper is killed just before its after-join step (test 2). */
let killBeforeAfterJoin: string | null = null;

/** Kills the running MAC helper of `vplc` and waits until it is dead. */
async function killHelperOf(vplc: string): Promise<void> {
  const list = await docker.listContainers({ filters: { label: [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=helper`, `${Label.vplc}=${vplc}`] } });
  for (const c of list) {
    await docker.getContainer(c.Id).kill().catch(() => undefined);
    await docker.getContainer(c.Id).wait().catch((err: unknown) => (isNotFound(err) ? undefined : Promise.reject(err)));
  }
}

beforeAll(async () => {
  parent = createVethParent(run, 12, `${base}.254/24`);
  // The far end of the parent's cable: a device on the LAN that learns addresses from gratuitous ARP.
  peer = createLanPeer(run, 'rhp', parent.peer, `${base}.250/24`);
  execFileSync('ip', ['netns', 'exec', peer.ns, 'sysctl', '-qw', `net.ipv4.conf.${parent.peer}.arp_accept=1`]);
  netmon = startNetmon({ mode: 'builtin' });
  // Every probe on a one-shot helper: this test counts the containers a move creates (docs/decisions.md "ARP probe").
  fx = await openOrchestrator(
    { probeHelperIdleMs: 0 },
    {
      interfaces: netmon.cache,
      readiness: netmon.cache,
      log,
      fault: async (point, vplc) => {
        if (point === 'reattach-after-join-on-mac-helper' && vplc === killBeforeAfterJoin) await killHelperOf(vplc);
      },
    },
  );
  netmon.cache.onChange((d) => {
    if (d.interface === parent.name) changeSeenAt.push(Date.now());
    void fx.orch.onNetworkChange(d);
  });
  netmon.onSettling((iface) => void (hints && fx.orch.onNetworkSettling(iface)));
  fx.orch.onReattach((e) => events.push(e));
  await netmon.cache.whenReady();
  for (const v of vplcs) {
    const ack = await fx.orch.create({ name: v.name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: v.ip, dns: [], mac: v.mac }] }, 'cli');
    expect(ack.status).toBe('creating');
  }
  await fx.orch.settled();
}, 120_000);

afterAll(async () => {
  netmon?.stop();
  await removeByLabels({ run });
  await fx?.dispose();
  peer?.dispose();
  parent?.dispose();
});

const helperFilter = (): string[] => [`${Label.instance}=${fx.orch.installationId}`, `${Label.role}=helper`];

/** Waits until no helper container of this installation exists (a create's after-join helper runs in the background). */
async function noHelpers(what: string): Promise<void> {
  await waitFor(() => docker.listContainers({ all: true, filters: { label: helperFilter() } }), (l) => l.length === 0, { timeoutMs: 20_000, what });
}

/** The helper containers of this installation created from `sinceMs` until now (a bounded event window), in order. */
async function helperCreatesSince(sinceMs: number): Promise<Array<{ name: string; atMs: number }>> {
  const stream = (await docker.getEvents({
    since: sinceMs / 1000,
    until: Date.now() / 1000,
    filters: { type: ['container'], event: ['create'], label: helperFilter() },
  })) as unknown as Readable;
  let text = '';
  for await (const chunk of stream) text += (chunk as Buffer).toString('utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { timeNano: number; Actor: { Attributes: { name: string } } })
    .map((e) => ({ name: e.Actor.Attributes.name, atMs: e.timeNano / 1e6 }));
}

async function helpersCreatedSince(sinceMs: number): Promise<string[]> {
  return (await helperCreatesSince(sinceMs)).map((c) => c.name);
}

/** Moves the parent from `from` to `to` and returns the helper containers the move created, once every vPLC reported. */
async function move(from: string, to: string, network: string): Promise<string[]> {
  await noHelpers('no helper container before the move');
  const since = Date.now();
  // The peer forgets the vPLCs, so only a new announcement can teach it their MACs again.
  for (const v of vplcs) peer.forget(v.ip);
  for (const v of vplcs) expect(peer.neigh(v.ip)).toBe('');
  const reported = events.length;
  readdressHost(parent.name, from, to, null);
  await waitFor(() => events.slice(reported), (e) => e.filter((x) => x.network === network && x.result === 'reattached').length === vplcs.length, {
    timeoutMs: 40_000,
    what: `all three re-attached to ${network}`,
  });
  expect(events.slice(reported).filter((e) => e.result !== 'reattached')).toEqual([]);
  await noHelpers('every helper container of the move gone');
  return helpersCreatedSince(since);
}

async function expectAttachedAndAnnounced(before: { Id: string; State: { StartedAt: string } }[]): Promise<void> {
  for (const [i, v] of vplcs.entries()) {
    const after = await docker.getContainer(v.name).inspect();
    expect(after.Id).toBe(before[i]?.Id);
    expect(after.State.StartedAt).toBe(before[i]?.State.StartedAt);
    expect((await wireLinks(after.Id, run)).find((l) => l.ipv4.includes(v.ip))?.mac).toBe(v.mac);
    // The after-join script ran: Docker's default route on the gateway-less vNIC is gone...
    const routes = execFileSync('nsenter', ['-t', String(after.State.Pid), '-n', 'ip', '-4', 'route', 'show'], { encoding: 'utf8' });
    expect(routes.split('\n').filter((l) => l.startsWith('default'))).toEqual([]);
    // ...and its gratuitous ARP reached the LAN: the peer knows the vPLC's MAC without having asked.
    expect(peer.neigh(v.ip)).toContain(`lladdr ${v.mac}`);
    // No warning about the move (this host adds its own: no real-time limits, no registry).
    const warnings = ((await fx.orch.status(v.name)).orchestrator_state as { warnings: string[] }).warnings;
    expect(warnings.filter((w) => /default route|MAC|not verified|left off|helper/i.test(w))).toEqual([]);
  }
  expect(logLines.filter((l) => l.msg === 'gratuitous ARP not sent' || l.msg === 'after-join helper failed')).toEqual([]);
}

describe('helper containers of a subnet move', () => {
  it('uses one probe helper for the parent and one namespace helper per vPLC, each vPLC verified and announced', async () => {
    const before = await Promise.all(vplcs.map((v) => docker.getContainer(v.name).inspect()));
    const helpers = await move(`${base}.254/24`, `${base}.254/23`, `macvlan_${parent.name}_${base}.0_23`);
    expect(helpers.filter((n) => n.startsWith('agent-host-helper-'))).toHaveLength(1);
    for (const v of vplcs) expect(helpers.filter((n) => n.startsWith(`${v.name}-helper-`))).toHaveLength(1);
    expect(helpers).toHaveLength(vplcs.length + 1);
    await expectAttachedAndAnnounced(before);
    expect(logLines.filter((l) => l.level === 'warn' && l.msg.startsWith('re-attach:'))).toEqual([]);
  });

  it('a MAC helper that dies before the after-join step costs one one-shot helper; routes and announcements still done', async () => {
    const before = await Promise.all(vplcs.map((v) => docker.getContainer(v.name).inspect()));
    const victim = vplcs[0]?.name ?? '';
    killBeforeAfterJoin = victim;
    let helpers: string[];
    try {
      helpers = await move(`${base}.254/23`, `${base}.254/24`, `macvlan_${parent.name}_${base}.0_24`);
    } finally {
      killBeforeAfterJoin = null;
    }
    expect(helpers.filter((n) => n.startsWith('agent-host-helper-'))).toHaveLength(1);
    for (const v of vplcs) expect(helpers.filter((n) => n.startsWith(`${v.name}-helper-`))).toHaveLength(v.name === victim ? 2 : 1);
    expect(helpers).toHaveLength(vplcs.length + 2);
    await expectAttachedAndAnnounced(before);
    expect(logLines.filter((l) => l.level === 'warn' && l.msg.startsWith('re-attach:'))).toEqual([
      { level: 'warn', msg: 're-attach: MAC helper could not run the after-join script; using a one-shot helper', vplc: victim },
    ]);
  });

  it('with the monitor\'s settling hint, the namespace helpers start during the debounce and the move uses them', async () => {
    const before = await Promise.all(vplcs.map((v) => docker.getContainer(v.name).inspect()));
    const since = Date.now();
    const moves = changeSeenAt.length;
    const logged = logLines.length;
    hints = true;
    try {
      await move(`${base}.254/24`, `${base}.254/23`, `macvlan_${parent.name}_${base}.0_23`);
    } finally {
      hints = false;
    }
    const creates = await helperCreatesSince(since);
    const changeAt = changeSeenAt[moves] ?? 0;
    expect(changeAt).toBeGreaterThan(since);
    // Still one per vPLC, all made before the debounced change arrived: the move took them instead of starting its own.
    for (const v of vplcs) {
      const own = creates.filter((c) => c.name.startsWith(`${v.name}-helper-`));
      expect(own).toHaveLength(1);
      expect(own[0]?.atMs).toBeLessThan(changeAt);
    }
    expect(creates.filter((c) => c.name.startsWith('agent-host-helper-'))).toHaveLength(1);
    expect(creates).toHaveLength(vplcs.length + 1);
    expect(logLines.slice(logged).filter((l) => l.msg === 're-attach: MAC helpers started ahead of a pending address change')).toHaveLength(1);
    await expectAttachedAndAnnounced(before);
    expect(logLines.slice(logged).filter((l) => l.level === 'warn' && l.msg.startsWith('re-attach:'))).toEqual([]);
  });

  it('a hint that ends in no move leaves nothing behind: its helpers go when their time is up, no vPLC is touched', async () => {
    const before = await Promise.all(vplcs.map((v) => docker.getContainer(v.name).inspect()));
    await noHelpers('no helper container before the hint');
    const reported = events.length;
    const hinted = logLines.filter((l) => l.msg === 're-attach: MAC helpers started ahead of a pending address change').length;
    hints = true;
    try {
      // A second address in the subnet the parent already has: a change, but not a move.
      execFileSync('ip', ['addr', 'add', `${base}.253/23`, 'dev', parent.name]);
      await waitFor(() => docker.listContainers({ filters: { label: helperFilter() } }), (l) => l.length === vplcs.length, { timeoutMs: 10_000, what: 'a helper per vPLC' });
      hints = false;
      expect(logLines.filter((l) => l.msg === 're-attach: MAC helpers started ahead of a pending address change')).toHaveLength(hinted + 1);
      await waitFor(() => docker.listContainers({ all: true, filters: { label: helperFilter() } }), (l) => l.length === 0, { timeoutMs: 30_000, what: 'the unused helpers gone (15 s)' });
      expect(events.slice(reported)).toEqual([]);
      for (const [i, v] of vplcs.entries()) {
        const after = await docker.getContainer(v.name).inspect();
        expect(after.State.StartedAt).toBe(before[i]?.State.StartedAt);
        expect((await wireLinks(after.Id, run)).find((l) => l.ipv4.includes(v.ip))?.mac).toBe(v.mac);
      }
    } finally {
      hints = false;
      execFileSync('ip', ['addr', 'del', `${base}.253/23`, 'dev', parent.name], { stdio: 'ignore' });
    }
  }, 60_000);
});
