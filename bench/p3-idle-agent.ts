/**
 * P3: RSS and CPU of the idle headless agent (built code, orchestrator in its worker thread) with 10 running vPLCs,
 * next to a bare idle Node process measured in the same run (the floor any Node agent pays). Goal: ≤ 80 MB RSS and
 * ≤ 0.15 % of one core. All three workers run: netmon, the orchestrator, and the cloud link connected over mTLS to the
 * cloud simulator on loopback (heartbeat every 5 s). Runtime: about 90 s (build, 10 creates, 20 s settle, 60 s idle).
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { AgentApi, benchRun, buildAgent, createRunning, idleCost } from './agent-harness.js';
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

export async function run(opts: { quick: boolean }): Promise<BenchResult> {
  const idleSeconds = opts.quick ? 15 : 60;
  const vplcs = opts.quick ? 3 : 10;
  buildAgent();
  return benchRun('vplc-p3-', async (bench) => {
    const agent = await bench.startAgent({ lockName: 'vb-p3-lock', internalPool: '198.19.160.0/20' });
    const api = await AgentApi.open(agent.port, agent.token);
    await bench.waitCloud(api);
    await createRunning(api, Array.from({ length: vplcs }, (_, i) => `vb-p3-${i}`));
    api.close();
    // The floor settles through the same period, so neither figure includes a process start.
    const floor = bench.startFloor();
    await new Promise((r) => setTimeout(r, opts.quick ? 5_000 : 20_000));
    const [ours, base] = await Promise.all([idleCost(agent.pid, idleSeconds), idleCost(floor.pid as number, idleSeconds)]);
    const api2 = await AgentApi.open(agent.port, agent.token);
    const rttCalls = opts.quick ? 50 : 300;
    const settingsRtt = await rttOf(rttCalls, () => api2.call('settings:get', {}));
    const listRtt = await rttOf(rttCalls, () => api2.call('vplc:list', {}));
    api2.close();
    const echo = await echoBaseline(rttCalls);
    const rssMet = ours.rss <= 80;
    const cpuMet = ours.cpuPercent <= 0.15;
    return {
      id: 'p3-idle-agent',
      title: `idle headless agent with ${vplcs} running vPLCs and the cloud link up (built code, three worker threads), ${idleSeconds} s window`,
      rows: [
        { label: 'RSS of the agent process (all threads)', value: ours.rss, unit: 'MB', baseline: base.rss, ratio: ours.rss / base.rss },
        { label: 'CPU, % of one core', value: ours.cpuPercent, unit: '%', baseline: base.cpuPercent },
        { label: `API RTT settings:get p50 (N=${rttCalls})`, value: settingsRtt.p50, unit: 'ms', baseline: echo.p50, ratio: settingsRtt.p50 / echo.p50 },
        { label: 'API RTT settings:get p99', value: settingsRtt.p99, unit: 'ms', baseline: echo.p99, ratio: settingsRtt.p99 / echo.p99 },
        { label: `API RTT vplc:list p50 (${vplcs} vPLCs, via the orchestrator worker)`, value: listRtt.p50, unit: 'ms', baseline: echo.p50, ratio: listRtt.p50 / echo.p50 },
        { label: 'API RTT vplc:list p99', value: listRtt.p99, unit: 'ms', baseline: echo.p99, ratio: listRtt.p99 / echo.p99 },
      ],
      notes: [
        `goal: RSS ≤ 80 MB — measured ${ours.rss.toFixed(1)} MB — ${rssMet ? 'MET' : 'NOT MET'}`,
        `goal: CPU ≤ 0.15 % of one core — measured ${ours.cpuPercent.toFixed(3)} % — ${cpuMet ? 'MET' : 'NOT MET'}`,
        'baseline = a bare `node -e setInterval(...)` process idling over the same window (the floor of any Node agent)',
        'API RTT baseline = a bare ws echo server in its own Node process, same message size, same run (measured after the idle window)',
        'the usage sampler runs every 5 s (host /proc + cgroup reads); the heartbeat goes to the cloud simulator every 5 s',
        'measured alternative (electron/core/supervisor/spawn.ts): the workers inside the main thread save about 30 MB but lose crash isolation',
      ],
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(formatBenchResult(r)));
}
