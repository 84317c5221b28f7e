/**
 * P1 — create → running with every network attached and the runtime API answering: the orchestrator's create
 * pipeline (through `Orchestrator.create` + `settled`, status `success`) versus the same steps typed as docker CLI
 * commands (see `baselineCreate` in bench/common.ts for the exact command sequence and what it leaves out).
 *
 * Both sides: the stand-in runtime image, one static vNIC with an explicit MAC on a MACVLAN network over a bench
 * veth (ours on 198.18.200.0/24, the baseline on 198.18.201.0/24: a parent carries one MACVLAN network), an
 * internal /29 bridge with the runtime at .2, readiness = any HTTP answer on https://<.2>:8443, polled every 200 ms.
 * One warm-up each (image cache, ulimit refusal detection) stays running so both reuse their MACVLAN network;
 * then ours and the baseline alternate N times with fresh names, each deleted before the next round.
 * The orchestrator runs its lifecycle (watchdog, boot sync) as the deployed agent does.
 *
 * Run alone: `npx tsx bench/p1-create.ts [--quick]` (about 1 min; quick: 20 s). Everything is removed afterwards.
 * `P1_TRACE=1` prints the orchestrator's log (docker steps, helpers) to stderr with wall-clock ms.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import {
  assertImages,
  assertLansFree,
  BaselineBlocks,
  baselineCreate,
  baselineRemove,
  benchMac,
  createVeth,
  DockerEvents,
  goalNote,
  instanceLabel,
  lanIp,
  lanSubnet,
  median,
  newBenchId,
  onCleanup,
  openOrch,
  oursCreate,
  oursDelete,
  PROBE_WINDOW_MS,
  quantile,
  ratioWithProbeAllowance,
  removeLabelled,
  runAlone,
  runLabel,
  StepClock,
  type BaselineVplc,
  type BenchOpts,
  type OursTiming,
} from './common.js';
import type { BenchResult } from './types.js';

const GOAL_RATIO = 1.05;

export async function run(opts: BenchOpts): Promise<BenchResult> {
  const n = opts.quick ? 2 : 5;
  assertImages();
  await assertLansFree([lanSubnet(0), lanSubnet(1)]);
  const id = newBenchId();
  const vOurs = createVeth(`vb${id}1a`);
  const vBase = createVeth(`vb${id}2a`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vb-p1-'));
  let orch: Orchestrator | undefined;
  let events: DockerEvents | undefined;
  const cleanup = onCleanup(async () => {
    events?.close();
    await orch?.close().catch(() => undefined);
    if (orch) await removeLabelled(instanceLabel(orch.installationId));
    await removeLabelled(runLabel(id));
    vOurs.dispose();
    vBase.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    events = await DockerEvents.open();
    orch = await openOrch(dataDir, process.env.P1_TRACE === '1');
    await orch.startLifecycle({ sampleUsage: false });
    const clock = new StepClock(orch);
    const blocks = new BaselineBlocks();
    const oursSpec = (i: number): { name: string; parent: string; ip: string; subnet: string; mac: string } => ({
      name: `vb-${id}-p1-o${i}`,
      parent: vOurs.name,
      ip: lanIp(0, 10 + i),
      subnet: lanSubnet(0),
      mac: benchMac(1, i),
    });
    const base = async (i: number): Promise<BaselineVplc & { totalMs: number; runningMs: number }> => {
      const block = await blocks.next();
      return baselineCreate({ name: `vb-${id}-p1-b${i}`, block, parent: vBase.name, lanSubnet: lanSubnet(1), ip: lanIp(1, 10 + i), run: id });
    };

    // Warm-up: both stay running to the end, so each side reuses its MACVLAN network (ours would GC an empty one).
    const warmOurs = await oursCreate(orch, events, clock, oursSpec(0));
    const warmBase = await base(0);

    const ours: OursTiming[] = [];
    const baseline: Array<{ totalMs: number; runningMs: number }> = [];
    const inst = orch.installationId;
    const helpers0 = events.helpers(inst);
    const lives0 = events.helperLifetimes(inst).length;
    for (let i = 1; i <= n; i++) {
      const o = oursSpec(i);
      ours.push(await oursCreate(orch, events, clock, o));
      await oursDelete(orch, o.name);
      const b = await base(i);
      baseline.push(b);
      await baselineRemove(b);
      blocks.release(b.block);
    }
    const helperRuns = events.helpers(inst) - helpers0;
    const helperLives = events.helperLifetimes(inst, lives0);

    const oT = ours.map((x) => x.totalMs);
    const bT = baseline.map((x) => x.totalMs);
    const oR = ours.map((x) => x.runningMs).filter((x): x is number => x !== null);
    const bR = baseline.map((x) => x.runningMs);
    const oMed = median(oT);
    const bMed = median(bT);
    const stepNames = [...new Set(ours.flatMap((x) => Object.keys(x.steps)))];
    const stepLine = stepNames.map((s) => `${s} ${median(ours.map((x) => x.steps[s] ?? 0)).toFixed(0)}`).join(', ');
    return {
      id: 'p1-create',
      title: `create → running + runtime API answering, ours vs docker CLI (N=${n} each, alternating)`,
      rows: [
        { label: 'create → success, median', value: oMed, unit: 'ms', baseline: bMed, ratio: oMed / bMed },
        { label: 'create → success, p90', value: quantile(oT, 0.9), unit: 'ms', baseline: quantile(bT, 0.9), ratio: quantile(oT, 0.9) / quantile(bT, 0.9) },
        { label: 'create → container running, median', value: median(oR), unit: 'ms', baseline: median(bR), ratio: median(oR) / median(bR) },
        { label: 'running → success (runtime wait), median', value: oMed - median(oR), unit: 'ms', baseline: bMed - median(bR) },
        { label: 'warm-up create (ulimit detection, first pull)', value: warmOurs.totalMs, unit: 'ms', baseline: warmBase.totalMs },
      ],
      notes: [
        goalNote(`P1 ours/(baseline + ${PROBE_WINDOW_MS} ms ARP probe window) (median create → success)`, ratioWithProbeAllowance(oMed, bMed), GOAL_RATIO, '×'),
        `ours runs an ARP probe of its static address (window ${PROBE_WINDOW_MS} ms, overlapping the image, network and container-create steps); the baseline does not probe, so the goal adds the window to it`,
        `ours, per run (ms): ${oT.map((x) => x.toFixed(0)).join(', ')}; baseline: ${bT.map((x) => x.toFixed(0)).join(', ')}`,
        `ours, median per pipeline step (ms): ${stepLine}`,
        `MAC helper containers started during the ${n} measured creates of ours: ${helperRuns} (the create pipeline runs one to verify the MAC on the wire, concurrently with the runtime wait; \`success\` waits for both); helper lifetime create → destroy, median ${median(helperLives).toFixed(0)} ms`,
        '"running" = Docker\'s start event for ours, `docker start` returning for the baseline; baseline "running → success" is its own HTTPS poll.',
        'The baseline skips what the CLI user would not do: the registry pull attempt, journal/state files, MAC verification on the wire, TLS pinning.',
      ],
    };
  } finally {
    await cleanup();
  }
}

runAlone(import.meta.url, async (o) => [await run(o)]);
