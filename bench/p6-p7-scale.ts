/**
 * P6 — create time per vPLC at 1, 50 and 200 vPLCs; P7 — agent restart (adoption + boot sync) with 100 running.
 *
 * P6: creates go through `Orchestrator.create`, one after another, each waited to `success`; one static vNIC each
 * on one shared bench veth (198.18.202.0/24, distinct IPs and MACs). One run from an empty host up to 200 gives
 * every figure: "at N" is the mean over the first N creates (so N=50 is exactly "50 from empty"), and the mean of
 * the last 50 shows the marginal cost near 200. The baseline is the docker CLI sequence of bench/common.ts
 * (`baselineCreate`: networks, create, connect, start, runtime poll) for its first 1 and 50 creates, on its own
 * veth (198.18.203.0/24), run before ours on an equally empty host and removed before ours starts; and 10 more CLI
 * creates once our 200 are running, as the baseline of the marginal figure (engine slow-down vs ours).
 * The orchestrator runs its lifecycle (watchdog, boot sync) as the deployed agent does.
 *
 * P7: when the 100th vPLC of P6 is up: `StartedAt` of all 100 is recorded, the orchestrator is closed, then
 * `Orchestrator.open` on the same data dir (adoption) + `startLifecycle()` until boot sync resolves is timed,
 * three times; afterwards `StartedAt` is compared (none may have been restarted). Baseline: `docker ps` filtered
 * by our labels + one `docker inspect` of all 100 through the CLI. P6 then continues to 200 with the reopened agent
 * (after one untimed warm-up create/delete, because the refused-ulimits fact is re-learnt after a restart).
 *
 * Quick mode: P6 at 1/10/20 (baseline 1/10), P7 with 20. Full: about 6-8 min on 2 cores.
 * Run alone: `npx tsx bench/p6-p7-scale.ts [--quick] [--only p6|p7]`. Everything is removed at the end
 * (containers and networks by our installation label and the bench's run label, the veths, the data dir).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hostSubnets, LocalInterfaceSource } from '../electron/workers/orchestrator/host/interfaces.js';
import { readLinkFacts } from '../electron/workers/orchestrator/host/parent-policy.js';
import type { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import {
  assertImages,
  assertLansFree,
  BaselineBlocks,
  baselineCreate,
  benchMac,
  createVeth,
  docker,
  dockerCli,
  DockerEvents,
  goalNote,
  instanceLabel,
  lanIp,
  lanSubnet,
  mean,
  median,
  newBenchId,
  onCleanup,
  oursCreate,
  oursDelete,
  PROBE_WINDOW_MS,
  ratioWithProbeAllowance,
  removeLabelled,
  runAlone,
  runLabel,
  ShippedNetmon,
  sleep,
  StepClock,
  sum,
  type BenchOpts,
  type OursTiming,
} from './common.js';
import { TEST_LABEL } from '../test/support/run.js';
import type { BenchResult, BenchRow } from './types.js';

const P7_GOAL_MS = 3_000;
const P6_MARGINAL_GOAL = 1.1;
const OURS_LAN = 2;
const BASE_LAN = 3;

export type ScaleParts = { p6: boolean; p7: boolean };

type P7Round = { openMs: number; bootMs: number; restoreMs: number; closeMs: number; adopted: number; bootStarted: number };

async function startedAtAll(names: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const queue = [...names];
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      for (let n = queue.shift(); n !== undefined; n = queue.shift()) {
        const info = await docker.getContainer(n).inspect();
        out.set(n, info.State.Running ? info.State.StartedAt : `not running (${info.State.Status})`);
      }
    }),
  );
  return out;
}

/**
 * The host and engine queries one create makes, each timed alone (median of 5): they grow with the number of vPLCs
 * (every vPLC adds a bridge, a veth pair and routes on the host, and a network and endpoint in Docker).
 */
async function hostQueryCosts(parent: string, blocks: BaselineBlocks, run: string, netmon: ShippedNetmon): Promise<Array<[string, number]>> {
  const ifs = new LocalInterfaceSource();
  const time = async (fn: () => Promise<unknown>, n = 5): Promise<number> => {
    const xs: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      await fn();
      xs.push(performance.now() - t0);
    }
    return median(xs);
  };
  return [
    ['interfaces.list (netmon cache, what creates read)', await time(() => netmon.cache.list())],
    ['interfaces.list without the cache (ip -json addr + route)', await time(() => ifs.list())],
    ['hostSubnets (host routes)', await time(() => hostSubnets())],
    ['readLinkFacts (parent policy, every create request)', await time(() => readLinkFacts())],
    ['docker listNetworks (all)', await time(() => docker.listNetworks())],
    [
      'MACVLAN networks of the parent + inspect',
      await time(async () => {
        for (const n of (await docker.listNetworks({ filters: { driver: ['macvlan'] } })) as Array<{ Id: string; Options?: Record<string, string> }>) {
          if (n.Options?.parent === parent) await docker.getNetwork(n.Id).inspect();
        }
      }),
    ],
    [
      'bare internal /29 network create + rm (engine)',
      await time(async () => {
        const block = await blocks.next();
        const net = await docker.createNetwork({ Name: `vb-${run}-probe-net`, Driver: 'bridge', Internal: true, IPAM: { Config: [{ Subnet: block }] }, Labels: { [TEST_LABEL]: run } });
        await net.remove();
        blocks.release(block);
      }, 3),
    ],
  ];
}

/** P6 and/or P7 in one pass (P7 reuses P6's vPLCs). Returns one result per part asked for. */
export async function runScale(opts: BenchOpts, parts: ScaleParts = { p6: true, p7: true }): Promise<{ p6?: BenchResult; p7?: BenchResult }> {
  const sizes = opts.quick ? [1, 10, 20] : [1, 50, 200];
  const baseN = opts.quick ? 10 : 50;
  const p7At = opts.quick ? 20 : 100;
  const p7Rounds = opts.quick ? 2 : 3;
  const baseAtScaleN = opts.quick ? 3 : 10;
  const target = parts.p6 ? Math.max(...sizes) : p7At;
  if (target + 5 > 250) throw new Error('a /24 LAN holds at most 250 vPLCs here');

  assertImages();
  await assertLansFree([lanSubnet(OURS_LAN), lanSubnet(BASE_LAN)]);
  const id = newBenchId();
  const vOurs = createVeth(`vb${id}3a`);
  const vBase = createVeth(`vb${id}4a`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vb-p6-'));
  let orch: Orchestrator | undefined;
  let installation: string | undefined;
  let events: DockerEvents | undefined;
  let clock: StepClock | undefined;
  let netmon: ShippedNetmon | undefined;
  let cleanupNote = '';
  const cleanup = onCleanup(async () => {
    events?.close();
    clock?.stop();
    await orch?.close().catch(() => undefined);
    netmon?.stop();
    const t0 = performance.now();
    const ours = installation ? await removeLabelled(instanceLabel(installation)) : { containers: 0, networks: 0 };
    const base = await removeLabelled(runLabel(id));
    vOurs.dispose();
    vBase.dispose();
    rmSync(dataDir, { recursive: true, force: true });
    cleanupNote = `cleanup: ${ours.containers + base.containers} containers and ${ours.networks + base.networks} networks removed in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
  });
  const results: { p6?: BenchResult; p7?: BenchResult } = {};
  try {
    events = await DockerEvents.open();

    // Baseline first, on an empty host, then removed entirely.
    const baseTimes: number[] = [];
    const blocks = new BaselineBlocks();
    const one = async (i: number): Promise<number> => {
      const r = await baselineCreate({ name: `vb-${id}-p6-b${i}`, block: await blocks.next(), parent: vBase.name, lanSubnet: lanSubnet(BASE_LAN), ip: lanIp(BASE_LAN, 10 + i), run: id });
      return r.totalMs;
    };
    if (parts.p6) {
      await one(0); // warm-up
      await removeLabelled(runLabel(id));
      for (let i = 1; i <= baseN; i++) baseTimes.push(await one(i));
      await removeLabelled(runLabel(id));
    }

    netmon = await ShippedNetmon.start();
    const shipped = netmon;
    orch = await shipped.open(dataDir);
    installation = orch.installationId;
    await orch.startLifecycle({ sampleUsage: false });
    clock = new StepClock(orch);
    const spec = (i: number): { name: string; parent: string; ip: string; subnet: string; mac: string } => ({
      name: `vb-${id}-p6-o${i}`,
      parent: vOurs.name,
      ip: lanIp(OURS_LAN, 3 + i),
      subnet: lanSubnet(OURS_LAN),
      mac: benchMac(6, i),
    });
    let warmups = 0;
    const warmUp = async (o: Orchestrator): Promise<void> => {
      const w = spec(250 - 3 - warmups++);
      await oursCreate(o, events as DockerEvents, null, w);
      await oursDelete(o, w.name);
    };
    await warmUp(orch);

    const ours: OursTiming[] = [];
    const names: string[] = [];
    const helpers0 = events.helpers(installation);
    const costsEmpty = parts.p6 ? await hostQueryCosts(vOurs.name, blocks, id, shipped) : [];
    const rssEmpty = process.memoryUsage().rss / 2 ** 20;
    const createUpTo = async (o: Orchestrator, n: number): Promise<void> => {
      while (ours.length < n) {
        const s = spec(ours.length + 1);
        ours.push(await oursCreate(o, events as DockerEvents, clock ?? null, s));
        names.push(s.name);
      }
    };
    await createUpTo(orch, Math.min(p7At, target));
    const helpersAtP7 = events.helpers(installation) - helpers0;

    if (parts.p7) {
      await sleep(2_000); // let the watchdog's re-provisioning of the last start finish (untimed)
      const list = async (): Promise<number> => {
        const t0 = performance.now();
        const ids = (await dockerCli(['ps', '-a', '-q', '--filter', `label=${instanceLabel(installation as string)}`, '--filter', 'label=io.vplc-orchestrator.role=vplc'])).split('\n').filter(Boolean);
        const inspected = JSON.parse(await dockerCli(['inspect', ...ids])) as unknown[];
        if (inspected.length !== names.length) throw new Error(`docker inspect saw ${inspected.length} vPLCs, expected ${names.length}`);
        return performance.now() - t0;
      };
      const cliTimes = [await list(), await list(), await list()];
      const before = await startedAtAll(names);
      const rounds: P7Round[] = [];
      for (let r = 0; r < p7Rounds; r++) {
        clock.stop();
        const c0 = performance.now();
        await orch.close();
        const closeMs = performance.now() - c0;
        orch = undefined;
        const t0 = performance.now();
        const reopened = await shipped.open(dataDir);
        const t1 = performance.now();
        orch = reopened;
        const started = await reopened.startLifecycle({ sampleUsage: false });
        const t2 = performance.now();
        // The checks of the vPLCs found running follow boot sync's starts in the background: timed apart, not in P7.
        await reopened.restoredAtStart();
        const t3 = performance.now();
        clock = new StepClock(reopened);
        rounds.push({ openMs: t1 - t0, bootMs: t2 - t1, restoreMs: t3 - t2, closeMs, adopted: reopened.adoption?.adopted.length ?? 0, bootStarted: started.length });
      }
      await sleep(1_000);
      const after = await startedAtAll(names);
      const restarted = names.filter((n) => before.get(n) !== after.get(n));
      const totals = rounds.map((r) => r.openMs + r.bootMs);
      const cliMed = median(cliTimes);
      const totMed = median(totals);
      results.p7 = {
        id: 'p7-restart-adoption',
        title: `agent restart with ${names.length} running vPLCs: Orchestrator.open (adoption) + startLifecycle boot sync (${p7Rounds} rounds)`,
        rows: [
          { label: 'open + boot sync, median', value: totMed, unit: 'ms', baseline: cliMed, ratio: totMed / cliMed },
          { label: 'open + boot sync, worst round', value: Math.max(...totals), unit: 'ms' },
          { label: 'Orchestrator.open (adoption), median', value: median(rounds.map((r) => r.openMs)), unit: 'ms' },
          { label: 'startLifecycle → boot sync resolved, median', value: median(rounds.map((r) => r.bootMs)), unit: 'ms' },
          { label: 'restore of the running vPLCs, after boot sync, median', value: median(rounds.map((r) => r.restoreMs)), unit: 'ms' },
          { label: 'orchestrator.close(), median', value: median(rounds.map((r) => r.closeMs)), unit: 'ms' },
          { label: 'vPLCs adopted (last round)', value: rounds.at(-1)?.adopted ?? 0, unit: 'vPLCs' },
          { label: 'vPLCs started by boot sync (all rounds)', value: sum(rounds.map((r) => r.bootStarted)), unit: 'vPLCs' },
          { label: 'vPLCs restarted (StartedAt changed)', value: restarted.length, unit: 'vPLCs' },
        ],
        notes: [
          goalNote(`P7 open + boot sync with ${names.length} vPLCs (worst of ${p7Rounds})`, Math.max(...totals), P7_GOAL_MS, ' ms'),
          `none restarted: ${restarted.length === 0 ? 'yes' : `NO — ${restarted.slice(0, 5).join(', ')}`}; every round adopted ${rounds.map((r) => r.adopted).join('/')} of ${names.length}`,
          `rounds (open + boot ms, then restore ms): ${rounds.map((r) => `${r.openMs.toFixed(0)} + ${r.bootMs.toFixed(0)}, ${r.restoreMs.toFixed(0)}`).join('; ')}`,
          `restore (docs/lifecycle.md "Restore at agent start"): one MAC/route helper per running vPLC, 4 at a time, in the background once boot sync's starts are done; the agent answers meanwhile`,
          `baseline = \`docker ps -a -q --filter label=…instance --filter label=…role=vplc\` + one \`docker inspect\` of all ${names.length} (CLI processes), median of 3: ${cliTimes.map((x) => x.toFixed(0)).join(', ')} ms`,
        ],
      };
    }

    if (parts.p6) {
      if (target > ours.length) {
        if (parts.p7) await warmUp(orch);
        await createUpTo(orch, target);
      }
      const rssFull = process.memoryUsage().rss / 2 ** 20;
      const heapFull = process.memoryUsage().heapUsed / 2 ** 20;
      // The same CLI sequence once the host carries `target` of our vPLCs: separates the engine's own slow-down
      // at scale from the orchestrator's (the first, untimed, re-creates the baseline's MACVLAN network).
      await one(100);
      const baseAtScale: number[] = [];
      for (let i = 1; i <= baseAtScaleN; i++) baseAtScale.push(await one(100 + i));
      await removeLabelled(runLabel(id));
      const costsFull = await hostQueryCosts(vOurs.name, blocks, id, shipped);
      const costLine = costsFull.map(([k, v], i) => `${k} ${(costsEmpty[i]?.[1] ?? Number.NaN).toFixed(1)} → ${v.toFixed(1)}`).join('; ');
      const helperRuns = events.helpers(installation) - helpers0;
      const t = ours.map((x) => x.totalMs);
      const rows: BenchRow[] = [];
      for (const n of sizes) {
        const m = mean(t.slice(0, n));
        const b = n <= baseTimes.length ? mean(baseTimes.slice(0, n)) : undefined;
        rows.push({ label: `N=${n}: mean per vPLC (creates 1..${n})`, value: m, unit: 'ms', ...(b !== undefined ? { baseline: b, ratio: m / b } : {}) });
      }
      for (const n of sizes) {
        const b = n <= baseTimes.length ? sum(baseTimes.slice(0, n)) : undefined;
        rows.push({ label: `N=${n}: total`, value: sum(t.slice(0, n)) / 1000, unit: 's', ...(b !== undefined ? { baseline: b / 1000, ratio: sum(t.slice(0, n)) / b } : {}) });
      }
      const last = Math.min(50, Math.floor(t.length / 4) || 1);
      const marginal = mean(t.slice(-last));
      const baseMarginal = mean(baseAtScale);
      const marginalSpan = `creates ${t.length - last + 1}..${t.length}`;
      const marginalGoal = ratioWithProbeAllowance(marginal, baseMarginal);
      rows.push({ label: `marginal: mean of ${marginalSpan}`, value: marginal, unit: 'ms', baseline: baseMarginal, ratio: marginal / baseMarginal });
      rows.push({ label: `marginal vs CLI + ${PROBE_WINDOW_MS} ms ARP probe window (goal figure)`, value: marginal, unit: 'ms', baseline: baseMarginal + PROBE_WINDOW_MS, ratio: marginalGoal });
      rows.push({ label: 'slowest create', value: Math.max(...t), unit: 'ms' });
      rows.push({ label: `RSS of the agent process (this one) with ${t.length} vPLCs`, value: rssFull, unit: 'MB', baseline: rssEmpty, ratio: rssFull / rssEmpty });
      const stepsOf = (xs: OursTiming[]): string => {
        const keys = [...new Set(xs.flatMap((x) => Object.keys(x.steps)))].filter((k) => k !== 'created');
        return keys.map((k) => `${k} ${mean(xs.map((x) => x.steps[k] ?? 0)).toFixed(0)}`).join(', ');
      };
      const runningOf = (xs: OursTiming[]): string => mean(xs.map((x) => x.runningMs ?? Number.NaN)).toFixed(0);
      results.p6 = {
        id: 'p6-create-scale',
        title: `create time per vPLC at ${sizes.join(', ')} vPLCs (sequential creates through the API, each to success)`,
        rows,
        notes: [
          goalNote(`P6 marginal (${marginalSpan}) ours/(CLI + ${PROBE_WINDOW_MS} ms ARP probe window)`, marginalGoal, P6_MARGINAL_GOAL, '×'),
          `ours checks each static address free on the LAN with an ARP probe (window ${PROBE_WINDOW_MS} ms) that the CLI does not run; the goal adds the window to the baseline as P1 does. Raw ratio without it: ${(marginal / baseMarginal).toFixed(3)}×`,
          `interfaces come from netmon's built-in monitor feeding an InterfaceCache, as in the agent (here the monitor runs in this process rather than in its own worker)`,
          `agent RSS: this process runs the orchestrator and the netmon monitor in one isolate, plus the bench's own bookkeeping; ${rssEmpty.toFixed(0)} MB with 0 vPLCs (after one warm-up create), ${rssFull.toFixed(0)} MB with ${t.length} (V8 heap used ${heapFull.toFixed(0)} MB); the shipped agent's per-worker tree is measured by P3`,
          `baseline = the docker CLI sequence (networks, create, connect, start, runtime poll) for its first ${baseTimes.length} creates, run first on an empty host`,
          `marginal baseline = ${baseAtScale.length} CLI creates with ${t.length} of our vPLCs running (ms): ${baseAtScale.map((x) => x.toFixed(0)).join(', ')}`,
          `ours, mean per step, first ${Math.min(10, t.length)} creates (ms): ${stepsOf(ours.slice(0, 10))}; create → running ${runningOf(ours.slice(0, 10))}`,
          `ours, mean per step, last ${last} creates (ms): ${stepsOf(ours.slice(-last))}; create → running ${runningOf(ours.slice(-last))}`,
          `per-create host/engine queries, timed alone at 0 → ${t.length} vPLCs (median, ms): ${costLine}`,
          `MAC helper containers started: ${helpersAtP7} during creates 1..${Math.min(p7At, target)}, ${helperRuns} in all for ${t.length} creates`,
          ...(parts.p7 && target > p7At ? [`creates ${p7At + 1}..${target} ran on the agent re-opened by P7 (after one warm-up create/delete)`] : []),
        ],
      };
    }
  } finally {
    await cleanup();
  }
  for (const r of [results.p6, results.p7]) r?.notes?.push(cleanupNote);
  return results;
}

/** P6 and P7 as one result (the bench runner prints them separately through `runScale`). */
export async function run(opts: BenchOpts): Promise<BenchResult> {
  const { p6, p7 } = await runScale(opts);
  return {
    id: 'p6-p7-scale',
    title: 'P6 create scale + P7 restart adoption',
    rows: [...(p6?.rows ?? []).map((r) => ({ ...r, label: `P6 ${r.label}` })), ...(p7?.rows ?? []).map((r) => ({ ...r, label: `P7 ${r.label}` }))],
    notes: [...(p6?.notes ?? []), ...(p7?.notes ?? [])],
  };
}

runAlone(import.meta.url, async (o) => {
  const only = process.argv.find((a, i) => process.argv[i - 1] === '--only') ?? 'p6,p7';
  const r = await runScale(o, { p6: only.includes('p6'), p7: only.includes('p7') });
  return [r.p6, r.p7].filter((x): x is BenchResult => x !== undefined);
});
