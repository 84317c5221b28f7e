/**
 * `npm run bench`: runs the benchmarks in order (P1-P14), prints each table and writes
 * bench/results/latest.json. Timing goals are printed with MET / NOT MET; a missed goal never fails the run,
 * only a benchmark that throws does (exit code 1, the others still run).
 *
 *   npx tsx bench/run.ts [--quick] [--only p1,p2,p3,p4,p5,p6,p7,p8,p9,p10,p11,p12,p13,p14]
 *
 * --quick: smaller N for a smoke run (P1 N=2, P6 at 1/10/20, P7 with 20, P8 with 10 vPLCs and 2 engine restarts,
 * P11 with 20 plugs and 5 vPLCs, P12 with 3 starts, P13 with 2 creates per kind, P14 with N=5 opens, N=20 debug reads per path and 10 s windows).
 * Full run: about 15 min on 2 cores (P8 alone about 5 min: 20 vPLCs, 5 engine restarts each for the agent and the CLI).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { dockerCli } from './common.js';
import { run as runP1 } from './p1-create.js';
import { run as runP2 } from './p2-reattach.js';
import { run as runP3 } from './p3-idle-agent.js';
import { run as runP4 } from './p4-usage-sample.js';
import { run as runP5 } from './p5-cloud-rtt.js';
import { runScale } from './p6-p7-scale.js';
import { runP8 } from './p8-engine-restart.js';
import { run as runP9 } from './p9-garp.js';
import { run as runP10 } from './p10-plc-poll.js';
import { run as runP11 } from './p11-serial.js';
import { run as runP12 } from './p12-dedicated-nic.js';
import { run as runP13 } from './p13-wifi.js';
import { run as runP14 } from './p14-webrtc.js';
import { formatBenchResult, type BenchResult } from './types.js';

const ALL = ['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8', 'p9', 'p10', 'p11', 'p12', 'p13', 'p14'] as const;
type Id = (typeof ALL)[number];

function parseArgs(argv: readonly string[]): { quick: boolean; only: Set<Id> } {
  let quick = false;
  let only = new Set<Id>(ALL);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--quick') quick = true;
    else if (a === '--only' || a.startsWith('--only=')) {
      const v = a === '--only' ? argv[++i] : a.slice('--only='.length);
      const ids = (v ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
      const bad = ids.filter((x) => !(ALL as readonly string[]).includes(x));
      if (ids.length === 0 || bad.length) throw new Error(`--only takes a comma list of ${ALL.join(', ')} (got ${v ?? 'nothing'})`);
      only = new Set(ids as Id[]);
    } else throw new Error(`unknown argument ${a}; usage: bench/run.ts [--quick] [--only p1,p2,p3,p4,p5,p6,p7,p8,p9,p10,p11,p12,p13,p14]`);
  }
  return { quick, only };
}

type Step = { ids: Id[]; run: () => Promise<BenchResult[]> };

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const opts = { quick };
  const steps: Step[] = [
    { ids: ['p1'], run: async () => [await runP1(opts)] },
    { ids: ['p2'], run: async () => [await runP2(opts)] },
    { ids: ['p3'], run: async () => [await runP3(opts)] },
    { ids: ['p4'], run: async () => [await runP4()] },
    { ids: ['p5'], run: async () => [await runP5(opts)] },
    {
      ids: ['p6', 'p7'],
      run: async () => {
        const r = await runScale(opts, { p6: only.has('p6'), p7: only.has('p7') });
        return [r.p6, r.p7].filter((x): x is BenchResult => x !== undefined);
      },
    },
    { ids: ['p8'], run: async () => [await runP8(opts)] },
    { ids: ['p9'], run: async () => [await runP9(opts)] },
    { ids: ['p10'], run: async () => [await runP10(opts)] },
    { ids: ['p11'], run: async () => [await runP11(opts)] },
    { ids: ['p12'], run: async () => [await runP12(opts)] },
    { ids: ['p13'], run: async () => [await runP13(opts)] },
    { ids: ['p14'], run: async () => [await runP14(opts)] },
  ];
  const started = new Date();
  const results: Array<BenchResult & { seconds: number }> = [];
  const errors: Array<{ ids: Id[]; error: string }> = [];
  console.log(`vPLC Orchestrator benchmarks — ${quick ? 'quick' : 'full'} run of ${[...only].join(', ')} on ${os.hostname()} (${os.cpus().length} cores)\n`);
  for (const step of steps) {
    if (!step.ids.some((i) => only.has(i))) continue;
    const t0 = performance.now();
    try {
      const rs = await step.run();
      const seconds = (performance.now() - t0) / 1000;
      for (const r of rs) {
        console.log(`${formatBenchResult(r)}\n  (${step.ids.join('+')} took ${seconds.toFixed(1)} s)\n`);
        results.push({ ...r, seconds });
      }
    } catch (err) {
      const msg = err instanceof Error ? (err.stack ?? err.message) : String(err);
      console.error(`${step.ids.join('+')} FAILED after ${((performance.now() - t0) / 1000).toFixed(1)} s:\n${msg}\n`);
      errors.push({ ids: step.ids, error: msg });
    }
  }
  const goals = results.flatMap((r) => (r.notes ?? []).filter((n) => n.startsWith('goal:')).map((n) => `${r.id}: ${n.slice('goal: '.length)}`));
  console.log('Goals:');
  for (const g of goals) console.log(`  ${g}`);
  if (goals.length === 0) console.log('  (none measured)');
  if (errors.length) console.log(`Failed: ${errors.map((e) => e.ids.join('+')).join(', ')}`);

  const engine = await dockerCli(['version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})']).catch(() => 'unknown');
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  mkdirSync(out, { recursive: true });
  const file = path.join(out, 'latest.json');
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        started_at: started.toISOString(),
        finished_at: new Date().toISOString(),
        quick,
        only: [...only],
        host: { hostname: os.hostname(), cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, docker: engine },
        goals,
        results,
        errors,
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nwrote ${path.relative(process.cwd(), file)}`);
  return errors.length ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 2;
  },
);
