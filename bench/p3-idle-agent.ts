/**
 * P3: RSS and CPU of the idle headless agent (built code; its workers in-process, the default, or in threads with
 * `P3_WORKERS=threads`) with 10 running vPLCs, next to a bare idle Node process measured in the same run (the floor any
 * Node agent pays). Goal: ≤ 80 MB RSS and
 * ≤ 0.15 % of one core. All three workers run: netmon, the orchestrator, and the cloud link connected over mTLS to the
 * cloud simulator on loopback (heartbeat every 5 s). Runtime: about 2 min (build, 10 creates, 45 s settle, 60 s idle).
 * Profiling: `BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` gives the agent Node options (NODE_OPTIONS refuses
 * `--cpu-prof`); the profiler's own cost then shows in the figures. `P3_WINDOW_S=240` lengthens the idle window (a
 * profile of several minutes tells a minute's periodic work from noise); the goal is for the 60 s window.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { AgentApi, benchRun, buildAgent, createRunning, idleCost, type ThreadFacts } from './agent-harness.js';
import { threadCosts, threadSamples, treeIdleCost, type ThreadCost } from './proc-tree.js';
import { formatBenchResult, type BenchResult } from './types.js';

const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

/** Round trips of one message kind, p50/p99 in ms. */
async function rttOf(n: number, once: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await once(i);
    times.push(performance.now() - t0);
  }
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Baseline: a bare `ws` echo server in its own Node process, the floor of any WebSocket round trip here. */
async function echoBaseline(n: number): Promise<{ p50: number; p99: number }> {
  const server = spawn(process.execPath, ['-e', "const {WebSocketServer}=require('ws');const s=new WebSocketServer({host:'127.0.0.1',port:0});s.on('listening',()=>console.log(s.address().port));s.on('connection',c=>c.on('message',m=>c.send(m.toString())))"], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const port = await new Promise<number>((resolve) => server.stdout?.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const ws = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((r) => ws.once('open', r));
    const result = await rttOf(n, (i) => new Promise((r) => (ws.once('message', r), ws.send(JSON.stringify({ t: 'invoke', id: i, channel: 'echo', input: {} })))));
    ws.close();
    return result;
  } finally {
    server.kill('SIGKILL');
  }
}

/** The row name of every thread that is neither main nor a worker. */
export const OTHER_THREADS = 'other threads';

/**
 * Names the agent's threads. Main is the thread whose id is the pid; each worker names its own thread id in
 * `agent:threads` (read from /proc/thread-self inside the thread). Node names every other thread "node" in comm, and
 * neither their count (Node 20 starts 6 before any JavaScript) nor their ids (which wrap at pid_max) say reliably which
 * is which, so they share one group.
 */
export function nameThreads(pid: number, tids: readonly number[], workers: readonly ThreadFacts[]): Map<number, string> {
  const byTid = new Map(workers.map((w) => [w.tid, w.name]));
  return new Map(tids.map((tid) => [tid, tid === pid ? 'main' : (byTid.get(tid) ?? OTHER_THREADS)]));
}

/** The costs of the threads under each name, summed (the named threads are one each), main first, the group last. */
export function groupThreads(costs: readonly ThreadCost[], names: Map<number, string>): Map<string, ThreadCost & { threads: number }> {
  const groups = new Map<string, ThreadCost & { threads: number }>();
  const order = (n: string): number => (n === 'main' ? 0 : n === OTHER_THREADS ? 2 : 1);
  for (const c of costs) {
    const name = names.get(c.tid) ?? OTHER_THREADS;
    const g = groups.get(name) ?? { tid: c.tid, cpuSeconds: 0, wakeupsPerSecond: 0, threads: 0 };
    groups.set(name, { tid: g.tid, cpuSeconds: g.cpuSeconds + c.cpuSeconds, wakeupsPerSecond: g.wakeupsPerSecond + c.wakeupsPerSecond, threads: g.threads + 1 });
  }
  return new Map([...groups].sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b)));
}

/** Two rows (CPU seconds, wake-ups per second) per named thread or group; `base` holds the floor's under the same names. */
function threadRows(groups: Map<string, ThreadCost & { threads: number }>, base: Map<string, ThreadCost & { threads: number }>): BenchResult['rows'] {
  return [...groups].flatMap(([name, c]) => {
    const b = base.get(name);
    const label = name === OTHER_THREADS ? `${OTHER_THREADS} (${c.threads}${b ? `; floor ${b.threads}` : ''})` : `thread ${name}`;
    return [
      { label: `${label}: CPU in the window`, value: c.cpuSeconds, unit: 's', ...(b ? { baseline: b.cpuSeconds } : {}) },
      { label: `${label}: wake-ups (voluntary switches)`, value: c.wakeupsPerSecond, unit: '/s', ...(b ? { baseline: b.wakeupsPerSecond } : {}) },
    ];
  });
}

/** One row per isolate: in-process services share the agent's, which `agent:threads` names once per service. */
export function isolateRows(isolates: readonly ThreadFacts[]): BenchResult['rows'] {
  const byTid = new Map<number, ThreadFacts[]>();
  for (const t of isolates) byTid.set(t.tid, [...(byTid.get(t.tid) ?? []), t]);
  return [...byTid.values()].flatMap((group) => {
    const first = group[0] as ThreadFacts;
    const name = group.length > 1 ? `${group.map((t) => t.name).join(' + ')} (one)` : first.name;
    return [
      { label: `V8 heap used, ${name} isolate`, value: first.heapUsed / 2 ** 20, unit: 'MB' },
      { label: `V8 heap total, ${name} isolate`, value: first.heapTotal / 2 ** 20, unit: 'MB' },
    ];
  });
}

/** `P3_WORKERS=threads` measures the agent with its workers in threads; the default is the agent's own default. */
const workersMode = (): 'in-process' | 'threads' => (process.env.P3_WORKERS === 'threads' ? 'threads' : 'in-process');

/** From the last create to the window (see run). */
const SETTLE_MS = 45_000;

export async function run(opts: { quick: boolean }): Promise<BenchResult> {
  const idleSeconds = Number(process.env.P3_WINDOW_S) || (opts.quick ? 15 : 60);
  const vplcs = opts.quick ? 3 : 10;
  const mode = workersMode();
  buildAgent();
  return benchRun('vplc-p3-', async (bench) => {
    const agentStarted = performance.now();
    const agent = await bench.startAgent({ lockName: 'vb-p3-lock', internalPool: '198.19.160.0/20', env: { VPLC_WORKERS: mode } });
    const api = await AgentApi.open(agent.port, agent.token);
    await bench.waitCloud(api);
    await createRunning(api, Array.from({ length: vplcs }, (_, i) => `vb-p3-${i}`));
    api.close();
    const createsEnded = performance.now();
    // The floor settles through the same period, so neither figure includes a process start. The settle covers V8's
    // memory reducer: 30-35 s after the creates' allocations the agent's isolate shrinks its heap once (three
    // Mark-Compact "reduce" runs, about 80 ms of CPU, seen with BENCH_NODE_ARGS=--trace-gc BENCH_AGENT_STDOUT=<file>),
    // part of going idle after work, not of being idle.
    const floor = bench.startFloor();
    await new Promise((r) => setTimeout(r, opts.quick ? 5_000 : SETTLE_MS));
    const windowFrom = performance.now();
    const floorPid = floor.pid as number;
    const [threads0, floorThreads0] = [threadSamples(agent.pid), threadSamples(floorPid)];
    const [ours, base] = await Promise.all([treeIdleCost(agent.pid, idleSeconds), idleCost(floorPid, idleSeconds)]);
    const [threads1, floorThreads1] = [threadSamples(agent.pid), threadSamples(floorPid)];
    const costs = threadCosts(threads0, threads1, ours.seconds);
    const floorCosts = threadCosts(floorThreads0, floorThreads1, base.seconds);
    const api2 = await AgentApi.open(agent.port, agent.token);
    // After the window, so the call itself (it wakes every worker) is not measured.
    const isolates = await api2.threads();
    const groups = groupThreads(costs, nameThreads(agent.pid, costs.map((c) => c.tid), isolates ?? []));
    const floorGroups = groupThreads(floorCosts, nameThreads(floorPid, floorCosts.map((c) => c.tid), []));
    const rttCalls = opts.quick ? 50 : 300;
    const settingsRtt = await rttOf(rttCalls, () => api2.call('settings:get', {}));
    const listRtt = await rttOf(rttCalls, () => api2.call('vplc:list', {}));
    api2.close();
    const echo = await echoBaseline(rttCalls);
    const rssMet = ours.rss <= 80;
    const cpuMet = ours.cpuPercent <= 0.15;
    return {
      id: 'p3-idle-agent',
      title: `idle headless agent with ${vplcs} running vPLCs and the cloud link up (built code, workers ${mode === 'threads' ? 'in three threads' : 'in-process'}), ${idleSeconds} s window`,
      rows: [
        { label: `RSS of the agent's process tree (${ours.processes} processes)`, value: ours.rss, unit: 'MB', baseline: base.rss, ratio: ours.rss / base.rss },
        { label: 'CPU of the tree, % of one core', value: ours.cpuPercent, unit: '%', baseline: base.cpuPercent },
        { label: 'CPU of the tree in the window', value: ours.cpuSeconds, unit: 's', baseline: base.cpuSeconds },
        { label: 'wake-ups of all agent threads', value: costs.reduce((a, c) => a + c.wakeupsPerSecond, 0), unit: '/s', baseline: floorCosts.reduce((a, c) => a + c.wakeupsPerSecond, 0) },
        ...threadRows(groups, floorGroups),
        ...isolateRows(isolates ?? []),
        { label: `API RTT settings:get p50 (N=${rttCalls})`, value: settingsRtt.p50, unit: 'ms', baseline: echo.p50, ratio: settingsRtt.p50 / echo.p50 },
        { label: 'API RTT settings:get p99', value: settingsRtt.p99, unit: 'ms', baseline: echo.p99, ratio: settingsRtt.p99 / echo.p99 },
        { label: `API RTT vplc:list p50 (${vplcs} vPLCs, via the orchestrator worker)`, value: listRtt.p50, unit: 'ms', baseline: echo.p50, ratio: listRtt.p50 / echo.p50 },
        { label: 'API RTT vplc:list p99', value: listRtt.p99, unit: 'ms', baseline: echo.p99, ratio: listRtt.p99 / echo.p99 },
      ],
      notes: [
        `goal: RSS ≤ 80 MB — measured ${ours.rss.toFixed(1)} MB — ${rssMet ? 'MET' : 'NOT MET'}`,
        `goal: CPU ≤ 0.15 % of one core — measured ${ours.cpuPercent.toFixed(3)} % — ${cpuMet ? 'MET' : 'NOT MET'}`,
        'baseline = a bare `node -e setInterval(...)` process idling over the same window (the floor of any Node agent); per thread, its thread of the same name',
        'tree = the agent and its descendants (netmon\'s `ip monitor`); CPU includes children reaped in the window; wake-ups = voluntary context switches, threads alive over the whole window',
        isolates
          ? 'main is the pid; worker threads are named by the thread ids the agent gives in agent:threads; all other threads (V8 platform, libuv pool) are one group (see nameThreads)'
          : 'this agent has no agent:threads: only main is named, all other threads are one group',
        'API RTT baseline = a bare ws echo server in its own Node process, same message size, same run (measured after the idle window)',
        'the usage sampler runs every 5 s (host /proc + cgroup reads); the heartbeat goes to the cloud simulator every 5 s',
        `window: ${((windowFrom - agentStarted) / 1000).toFixed(1)}–${((windowFrom - agentStarted) / 1000 + idleSeconds).toFixed(1)} s after the agent's start, ${((windowFrom - createsEnded) / 1000).toFixed(1)} s after the last create (the settle covers V8's one-time heap reduction after the creates)`,
        mode === 'threads'
          ? 'workers in threads (agent.workers: threads): each has its own isolate and heap cap; the default, in-process, is lighter'
          : 'workers in-process (the default): one isolate, so main carries the services\' CPU; `P3_WORKERS=threads` measures the thread mode with a per-worker breakdown',
      ],
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(formatBenchResult(r)));
}
