/**
 * P8: a Docker engine restart with live-restore off (every vPLC stopped by the daemon's shutdown): time from the engine
 * answering again to all N vPLCs running, and to all N runtimes answering, over several restarts (p50 / max).
 * Baseline in the same run: the same N stopped containers started by the raw docker CLI (8 at a time, like the agent's
 * recovery), on the same engine right after a restart, with the agent closed.
 *
 *   npx tsx bench/p8-engine-restart.ts [--quick]      (--quick: N = 10, 2 restarts; full: N = 20, 5 restarts)
 *   P8_TRACE=1: the agent's log lines on stderr, timed from the engine answering again (the last restart)
 *
 * Runs on a private dockerd of its own (test/support/private-engine.ts), so the machine's engine is never restarted.
 * Address plan: 198.18.226.0/24 (the vNIC LAN), 198.19.230.0/24 (the private engine's default bridge); internal pool as P1.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import { STANDIN_REPO } from '../test/support/docker.js';
import { startPrivateEngine, type PrivateEngine } from '../test/support/private-engine.js';
import { benchSettings, createVeth, goalNote, newBenchId, onCleanup, runAlone, wallMs } from './common.js';
import type { BenchResult, BenchRow } from './types.js';

const run = promisify(execFile);
const PARALLEL = 8;

/** The engine's last return (wall ms), for the optional trace. */
let traceT0 = 0;
const traceLine = (level: string) => (msg: string, data?: Record<string, unknown>): void => {
  console.error(`[p8 +${traceT0 ? Math.round(wallMs() - traceT0) : '-'} ms] ${level} ${msg} ${data ? JSON.stringify(data) : ''}`);
};
const traceLog = process.env.P8_TRACE ? { debug: traceLine('debug'), info: traceLine('info'), warn: traceLine('warn'), error: traceLine('error') } : undefined;

async function waitUntil(what: string, ok: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`P8: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const listening = (ip: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = net.connect({ host: ip, port, timeout: 500 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });

async function state(engine: PrivateEngine, names: string[]): Promise<{ running: boolean; ips: string[] }> {
  const infos = await Promise.all(names.map((n) => engine.docker.getContainer(n).inspect()));
  const ips = infos.map((i) => Object.entries(i.NetworkSettings.Networks).find(([k]) => k.endsWith('_internal'))?.[1]?.IPAddress ?? '');
  return { running: infos.every((i) => i.State.Running), ips };
}

/** From the engine answering: all running, then all runtimes listening. */
async function measureBack(engine: PrivateEngine, names: string[], back: number): Promise<{ runningMs: number; answeringMs: number }> {
  await waitUntil('all running', async () => (await state(engine, names)).running, 120_000);
  const runningMs = wallMs() - back;
  await waitUntil('all answering', async () => {
    const { ips } = await state(engine, names);
    return (await Promise.all(ips.map((ip) => (ip ? listening(ip, 8443) : Promise.resolve(false))))).every(Boolean);
  }, 120_000);
  return { runningMs, answeringMs: wallMs() - back };
}

async function restart(engine: PrivateEngine): Promise<number> {
  await engine.stop();
  await engine.start();
  return (traceT0 = wallMs());
}

const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))] ?? NaN;

export async function runP8(opts: { quick: boolean }): Promise<BenchResult> {
  const id = newBenchId();
  const n = opts.quick ? 10 : 20;
  const rounds = opts.quick ? 2 : 5;
  const engine = await startPrivateEngine(`p8${id}`, [`${STANDIN_REPO}:latest`], '198.19.230.1/24');
  const veth = createVeth(`vb${id}e8a`);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-p8-'));
  let orch: Orchestrator | null = null;
  const done = onCleanup(async () => {
    await orch?.close({ graceMs: 5_000 });
    await engine.dispose();
    veth.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    await run('ip', ['addr', 'add', '198.18.226.254/24', 'dev', veth.name]);
    const open = (): Promise<Orchestrator> => Orchestrator.open({ settings: benchSettings(dataDir), docker: engine.docker, ...(traceLog ? { log: traceLog } : {}) });
    orch = await open();
    await orch.startLifecycle({ sampleUsage: false });
    const names = Array.from({ length: n }, (_, i) => `vb-${id}-e${i}`);
    for (const [i, name] of names.entries()) {
      const ack = await orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: veth.name, mode: 'static', ip: `198.18.226.${10 + i}`, subnet: '198.18.226.0/24', dns: [] }] }, 'cli');
      if (ack.status !== 'creating') throw new Error(`P8: create ${name} refused: ${ack.error}`);
    }
    await orch.settled();

    const agent = { running: [] as number[], answering: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const m = await measureBack(engine, names, await restart(engine));
      agent.running.push(m.runningMs);
      agent.answering.push(m.answeringMs);
    }
    await orch.close({ graceMs: 5_000 });
    orch = null;
    const cli = { running: [] as number[], answering: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const back = await restart(engine);
      const started = run('sh', ['-c', `printf '%s\\n' ${names.join(' ')} | xargs -P ${PARALLEL} -n 1 docker -H 'unix://${engine.socketPath}' start >/dev/null`]);
      const m = await measureBack(engine, names, back);
      await started;
      cli.running.push(m.runningMs);
      cli.answering.push(m.answeringMs);
    }
    const rows: BenchRow[] = [];
    for (const [label, p] of [['p50', 0.5], ['max', 1]] as const) {
      const a = pct(agent.running, p);
      const b = pct(cli.running, p);
      rows.push({ label: `N=${n}: engine back -> all running (${label})`, value: a, unit: 'ms', baseline: b, ratio: a / b });
      const c = pct(agent.answering, p);
      const d = pct(cli.answering, p);
      rows.push({ label: `N=${n}: engine back -> all runtimes answering (${label})`, value: c, unit: 'ms', baseline: d, ratio: c / d });
    }
    const notes = [
      `baseline = docker CLI start of the same ${n} containers, ${PARALLEL} at a time, after the same kind of restart, agent closed; ${rounds} restarts each`,
      'the agent also re-provisions each vPLC after its start (MAC check on the wire through a helper container), which the baseline does not',
    ];
    if (n === 20) notes.push(goalNote('engine back -> all 20 running (max)', pct(agent.running, 1), 15_000, ' ms'));
    return { id: 'p8-engine-restart', title: 'vPLCs back after a Docker engine restart (live-restore off, private dockerd)', rows, notes };
  } finally {
    await done();
  }
}

runAlone(import.meta.url, async (o) => [await runP8(o)]);
