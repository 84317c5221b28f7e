/**
 * P3: RSS and CPU of the idle headless agent (built code, orchestrator in its worker thread) with 10 running vPLCs,
 * next to a bare idle Node process measured in the same run (the floor any Node agent pays). Goal: ≤ 80 MB RSS and
 * ≤ 0.15 % of one core. All three workers run: netmon, the orchestrator, and the cloud link connected over mTLS to the
 * cloud simulator on loopback (heartbeat every 5 s). Runtime: about 90 s (build, 10 creates, 20 s settle, 60 s idle).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { storeCredentials } from '../electron/lib/certs/store.js';
import { CloudSim } from '../test/cloud-sim/sim.js';
import { removeByLabels } from '../test/support/docker.js';
import { createPkiSet } from '../test/support/pki.js';
import { formatBenchResult, type BenchResult } from './types.js';

const CLK_TCK = 100;
const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
const cpuTicks = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]);
};

async function idleCost(pid: number, seconds: number): Promise<{ rss: number; cpuPercent: number }> {
  const t0 = cpuTicks(pid);
  const start = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = ((cpuTicks(pid) - t0) / CLK_TCK / ((Date.now() - start) / 1000)) * 100;
  return { rss: rssMb(pid), cpuPercent: cpu };
}

async function call(ws: WebSocket, id: number, channel: string, input: unknown): Promise<{ ok: boolean; value?: unknown }> {
  return new Promise((resolve) => {
    const on = (d: WebSocket.RawData): void => {
      const m = JSON.parse(d.toString()) as { t: string; id?: number; envelope?: { ok: boolean; value?: unknown } };
      if (m.t === 'result' && m.id === id && m.envelope) {
        ws.off('message', on);
        resolve(m.envelope);
      }
    };
    ws.on('message', on);
    ws.send(JSON.stringify({ t: 'invoke', id, channel, input }));
  });
}

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
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'ignore' });
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-p3-'));
  let agent: ChildProcess | undefined;
  let floor: ChildProcess | undefined;
  let installation = '';
  let sim: CloudSim | undefined;
  try {
    const pki = await createPkiSet('07048933');
    sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
    const mtlsDir = path.join(dir, 'mtls');
    await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
    const caFile = path.join(dir, 'ca.pem');
    writeFileSync(caFile, pki.ca.cert);
    agent = spawn(
      process.execPath,
      ['bin/vplc-orchestrator.js', 'agent', '--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', caFile, '--ui-port', '0', '--data-dir', path.join(dir, 'data'), '--lock-name', 'vb-p3-lock', '--internal-pool', '198.19.160.0/20', '--runtime-image', 'vplc-test/openplc-runtime', '--log-level', 'warn'],
      { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') } },
    );
    const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      let out = '';
      agent?.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
        if (line) resolve(JSON.parse(line) as { port: number; token: string });
      });
      agent?.on('exit', (c) => reject(new Error(`agent exited ${c}`)));
    });
    const ws = new WebSocket(`ws://127.0.0.1:${ready.port}/api`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ t: 'auth', token: ready.token }));
    await new Promise((r) => ws.once('message', r));
    installation = String(((await call(ws, 1, 'agent:status', {})).value as { installationId: string }).installationId);
    for (let tries = 0; tries < 60; tries++) {
      if (((await call(ws, 2 + tries * 1000, 'agent:status', {})).value as { cloud: string }).cloud === 'connected') break;
      await new Promise((r) => setTimeout(r, 500));
    }
    for (let i = 0; i < vplcs; i++) await call(ws, 10 + i, 'vplc:create', { name: `vb-p3-${i}`, vnics: [] });
    for (let tries = 0; tries < 240; tries++) {
      const list = (await call(ws, 100 + tries, 'vplc:list', {})).value as Array<{ running: boolean; operation: string | null }>;
      if (list.length === vplcs && list.every((v) => v.running && !v.operation)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    ws.close();
    // The floor settles through the same period, so neither figure includes a process start.
    floor = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, opts.quick ? 5_000 : 20_000));
    const [ours, base] = await Promise.all([idleCost(agent.pid as number, idleSeconds), idleCost(floor.pid as number, idleSeconds)]);
    const ws2 = new WebSocket(`ws://127.0.0.1:${ready.port}/api`);
    await new Promise((r) => ws2.once('open', r));
    ws2.send(JSON.stringify({ t: 'auth', token: ready.token }));
    await new Promise((r) => ws2.once('message', r));
    const rttCalls = opts.quick ? 50 : 300;
    const settingsRtt = await rttOf(rttCalls, (i) => call(ws2, 10_000 + i, 'settings:get', {}));
    const listRtt = await rttOf(rttCalls, (i) => call(ws2, 20_000 + i, 'vplc:list', {}));
    ws2.close();
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
  } finally {
    agent?.kill('SIGTERM');
    floor?.kill('SIGKILL');
    await sim?.close();
    if (installation) await removeByLabels({ instance: installation });
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run({ quick: process.argv.includes('--quick') }).then((r) => console.log(formatBenchResult(r)));
}
