/**
 * P10: cost of PLC polling (docs/plc.md "Polling"). The idle built agent (as P3: three workers, cloud link up) with N
 * running vPLCs of the stand-in image:
 * (b) the P3 figure at the default 5 s poll: RSS and CPU over the same window without runtime credentials, then with
 *     credentials for all N (the runtime's first user created through the API `plc:create-user`, as a user would);
 * (a) agent CPU per vPLC per poll: the agent restarted over the same vPLCs at a 500 ms poll (more polls against the
 *     same idle noise), measured with credentials, then after `plc:clear-credentials` without; once with TLS session
 *     resumption, once with it turned off (`VPLC_RUNTIME_TLS_RESUME=off`). Per-poll cost = (CPU rate with − CPU rate
 *     without) / poll rate, the polls counted in the stand-ins' own request logs over the window;
 * (c) baseline: a bare Node process doing the same authenticated status request to one stand-in, a full handshake
 *     each, then resumed.
 * Runtime: about 9 min (quick: about 3 min).
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { RESUME_ENV } from '../electron/workers/orchestrator/runtime/tls-session.js';
import { docker } from '../test/support/docker.js';
import { AgentApi, type BenchAgent, benchRun, type IdleCost, buildAgent, createRunning, idleCost, waitRunning } from './agent-harness.js';
import { dockerCli, isMain } from './common.js';
import { formatBenchResult, type BenchResult, type BenchRow } from './types.js';

const USER = 'bench';
const PASSWORD = 'Bench-p10-pw-9c41';
const POLL = '/api/status?include_stats=true';
const FAST_POLL_MS = 500;

type Window = { agent: IdleCost; floor: IdleCost; polls: number };
type Bare = { fullCpuMs: number; fullWallMs: number; resumedCpuMs: number; resumedWallMs: number; reused: number; n: number };

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The status polls the stand-ins logged between two instants (each logs `<ISO time> https <peer> GET <url> <status>`). */
async function pollsBetween(containers: readonly string[], from: number, to: number): Promise<number> {
  let n = 0;
  for (const id of containers) {
    for (const line of (await dockerCli(['logs', id])).split('\n')) {
      const at = Date.parse(line.slice(0, line.indexOf(' ')));
      if (at >= from && at <= to && line.includes(` GET ${POLL} `)) n += 1;
    }
  }
  return n;
}

async function measure(agent: BenchAgent, floor: ChildProcess, containers: readonly string[], seconds: number): Promise<Window> {
  const from = Date.now();
  const [a, f] = await Promise.all([idleCost(agent.pid, seconds), idleCost(floor.pid as number, seconds)]);
  return { agent: a, floor: f, polls: await pollsBetween(containers, from, Date.now()) };
}

/** Agent CPU per poll in ms: the extra CPU rate with credentials over the poll rate. */
const perPoll = (withCreds: Window, without: Window): number =>
  ((withCreds.agent.cpuSeconds / withCreds.agent.seconds - without.agent.cpuSeconds / without.agent.seconds) * 1000) / (withCreds.polls / withCreds.agent.seconds);

/** A bare Node client in its own process: login once, then `n` status requests with a full handshake each, then `n` resumed. */
const BARE_CLIENT = `
const https = require('node:https');
const [host, user, password, n] = [process.argv[1], process.argv[2], process.argv[3], Number(process.argv[4])];
const req = (agent, method, path, headers, body) => new Promise((resolve, reject) => {
  const r = https.request({ host, port: 8443, method, path, headers, agent, rejectUnauthorized: false }, (res) => {
    let text = ''; res.on('data', (c) => (text += c)); res.on('end', () => resolve({ status: res.statusCode, text, reused: r.socket.isSessionReused() }));
  });
  r.on('error', reject); r.end(body);
});
(async () => {
  const login = await req(false, 'POST', '/api/login', { 'Content-Type': 'application/json' }, JSON.stringify({ username: user, password }));
  const headers = { Authorization: 'Bearer ' + JSON.parse(login.text).access_token };
  const round = async (agentFor) => {
    const c0 = process.cpuUsage(); const t0 = performance.now(); let reused = 0;
    for (let i = 0; i < n; i++) { const r = await req(agentFor(), 'GET', '${POLL}', headers); if (r.status !== 200) throw new Error('status ' + r.status); if (r.reused) reused++; }
    const c = process.cpuUsage(c0);
    return { cpuMs: (c.user + c.system) / 1000 / n, wallMs: (performance.now() - t0) / n, reused };
  };
  const full = await round(() => false);
  const shared = new https.Agent({ keepAlive: false, maxCachedSessions: 1 });
  const resumed = await round(() => shared);
  console.log(JSON.stringify({ fullCpuMs: full.cpuMs, fullWallMs: full.wallMs, resumedCpuMs: resumed.cpuMs, resumedWallMs: resumed.wallMs, reused: resumed.reused, n }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

function bareClient(ip: string, n: number): Promise<Bare> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', BARE_CLIENT, ip, USER, PASSWORD, String(n)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as Bare) : reject(new Error(`bare client exited ${code}: ${err}`))));
  });
}

async function vplcContainers(installation: string): Promise<Array<{ id: string; ip: string }>> {
  const list = await docker.listContainers({ filters: { label: [`io.vplc-orchestrator.instance=${installation}`, 'io.vplc-orchestrator.role=vplc'] } });
  return list.map((c) => ({ id: c.Id, ip: Object.values(c.NetworkSettings.Networks)[0]?.IPAddress ?? '' }));
}

export async function run(opts: { quick: boolean }): Promise<BenchResult> {
  const n = opts.quick ? 3 : 10;
  const idleSeconds = opts.quick ? 15 : 60;
  const pollSeconds = opts.quick ? 15 : 40;
  const settleMs = opts.quick ? 8_000 : 20_000;
  const requests = opts.quick ? 100 : 500;
  buildAgent();
  return benchRun('vplc-p10-', async (bench) => {
    const fastSettings = path.join(bench.dir, 'fast-poll-settings.json');
    writeFileSync(fastSettings, JSON.stringify({ orchestrator: { plc: { pollMs: FAST_POLL_MS } } }));
    const names = Array.from({ length: n }, (_, i) => `vb-p10-${i}`);
    let agent: BenchAgent | undefined;
    const restart = async (env: Record<string, string>): Promise<AgentApi> => {
      agent = await bench.startAgent({ lockName: 'vb-p10-lock', internalPool: '198.19.176.0/20', env });
      return AgentApi.open(agent.port, agent.token);
    };
    const each = async (api: AgentApi, channel: string, input: (name: string) => object): Promise<void> => {
      for (const name of names) await api.value(channel, { name, ...input(name) });
      await pause(settleMs);
    };
    const creds = { username: USER, password: PASSWORD };

    // (b) the P3 figure: the default poll period, without then with credentials (the runtimes' first users created).
    let api = await restart({});
    const installation = await bench.waitCloud(api);
    await createRunning(api, names);
    const containers = await vplcContainers(installation);
    if (containers.length !== n) throw new Error(`expected ${n} running vPLCs, found ${containers.length}`);
    const ids = containers.map((c) => c.id);
    const floor = bench.startFloor();
    const measured = async (seconds: number): Promise<Window> => measure(agent as BenchAgent, floor, ids, seconds);
    await pause(settleMs);
    const idleWithout = await measured(idleSeconds);
    await each(api, 'plc:create-user', () => creds);
    const idleWith = await measured(idleSeconds);
    api.close();

    // (a) per poll, at a faster period (more polls against the same CPU noise): with, then without credentials.
    const perPollRun = async (env: Record<string, string>): Promise<{ withCreds: Window; without: Window }> => {
      api = await restart({ VPLC_SETTINGS: fastSettings, ...env });
      await waitRunning(api, n);
      await pause(settleMs);
      const withCreds = await measured(pollSeconds);
      await each(api, 'plc:clear-credentials', () => ({ confirm: true }));
      const without = await measured(pollSeconds);
      return { withCreds, without };
    };
    const resumed = await perPollRun({});
    await each(api, 'plc:set-credentials', () => creds);
    api.close();
    const full = await perPollRun({ [RESUME_ENV]: 'off' });
    api.close();

    const bare = await bareClient(containers[0]?.ip ?? '', requests);
    const on = perPoll(resumed.withCreds, resumed.without);
    const off = perPoll(full.withCreds, full.without);
    const rows: BenchRow[] = [
      { label: `agent CPU per vPLC per poll, TLS resumption on (${resumed.withCreds.polls} polls)`, value: on, unit: 'ms', baseline: bare.fullCpuMs, ratio: on / bare.fullCpuMs },
      { label: `agent CPU per vPLC per poll, resumption off (${full.withCreds.polls} polls)`, value: off, unit: 'ms', baseline: bare.fullCpuMs, ratio: off / bare.fullCpuMs },
      { label: 'resumption on vs off, agent CPU per poll', value: on, unit: 'ms', baseline: off, ratio: on / off },
      { label: `bare Node client CPU per request, resumed (${bare.reused}/${bare.n} resumed)`, value: bare.resumedCpuMs, unit: 'ms', baseline: bare.fullCpuMs, ratio: bare.resumedCpuMs / bare.fullCpuMs },
      { label: 'bare Node client wall per request, resumed vs full handshake', value: bare.resumedWallMs, unit: 'ms', baseline: bare.fullWallMs, ratio: bare.resumedWallMs / bare.fullWallMs },
      { label: `idle RSS, ${n} vPLCs with credentials vs without (poll every 5 s)`, value: idleWith.agent.rss, unit: 'MB', baseline: idleWithout.agent.rss, ratio: idleWith.agent.rss / idleWithout.agent.rss },
      { label: `idle CPU, ${n} vPLCs with credentials vs without, % of one core`, value: idleWith.agent.cpuPercent, unit: '%', baseline: idleWithout.agent.cpuPercent, ratio: idleWith.agent.cpuPercent / idleWithout.agent.cpuPercent },
      { label: `polls in the idle window with credentials (${n} vPLCs × ${idleSeconds} s / 5 s)`, value: idleWith.polls, unit: '' },
      { label: 'bare idle Node process CPU (floor, idle windows with vs without)', value: idleWith.floor.cpuPercent, unit: '%', baseline: idleWithout.floor.cpuPercent },
    ];
    return {
      id: 'p10-plc-poll',
      title: `PLC polling: built agent with ${n} running stand-in vPLCs; idle at the 5 s poll over ${idleSeconds} s windows, per poll at ${FAST_POLL_MS} ms over ${pollSeconds} s windows`,
      rows,
      notes: [
        `per-poll cost = (agent CPU rate with credentials − without) / poll rate, at plc.pollMs = ${FAST_POLL_MS} (settings file) so the polls outweigh the idle noise; polls counted in the stand-ins' request logs`,
        `each per-poll figure from its own agent process over the same vPLCs: with credentials, then after plc:clear-credentials; resumption off = ${RESUME_ENV}=off`,
        `baseline = a bare Node process (node:https, no framework): login once, then ${requests} × GET ${POLL} to one stand-in, full handshake each (agent: false), then ${requests} resumed (one https.Agent)`,
        'CPU from /proc (10 ms ticks): the per-poll figures are differences of small numbers, read them to about ±0.3 ms',
      ],
    };
  });
}

if (isMain(import.meta.url)) run({ quick: process.argv.includes('--quick') }).then((r) => console.log(formatBenchResult(r)));
