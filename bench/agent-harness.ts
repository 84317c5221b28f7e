/**
 * The built headless agent as a benchmark drives it (P3, P10): started as its own process with the cloud link up to
 * the cloud simulator over mTLS on loopback, driven through its local API (WebSocket, token auth), measured from
 * /proc. The data dir outlives one agent process, so a benchmark can restart the agent over the same vPLCs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { storeCredentials } from '../electron/lib/certs/store.js';
import { CloudSim } from '../test/cloud-sim/sim.js';
import { removeByLabels } from '../test/support/docker.js';
import { createPkiSet } from '../test/support/pki.js';

export const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/**
 * On-CPU seconds of one thread from the scheduler's own accounting (the first field of its schedstat, in ns); 0 once the
 * thread is gone. The tick-based utime/stime of /proc/<pid>/stat move in 10 ms steps: a third of the 0.15 % an idle
 * minute may cost, so the idle figures would be mostly rounding.
 */
export function threadCpuSeconds(pid: number, tid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0] ?? 0) / 1e9;
  } catch {
    return 0;
  }
}

/**
 * On-CPU seconds of a process: its live threads' `threadCpuSeconds`. A thread that exits takes its time with it (the
 * idle windows measured keep their threads). Throws when the process is gone.
 */
export const cpuSeconds = (pid: number): number => readdirSync(`/proc/${pid}/task`).reduce((a, tid) => a + threadCpuSeconds(pid, Number(tid)), 0);

export type IdleCost = { rss: number; cpuPercent: number; cpuSeconds: number; seconds: number };

/** RSS at the end and CPU over a window of `seconds` of an otherwise idle process. */
export async function idleCost(pid: number, seconds: number): Promise<IdleCost> {
  const c0 = cpuSeconds(pid);
  const start = Date.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const wall = (Date.now() - start) / 1000;
  const cpu = cpuSeconds(pid) - c0;
  return { rss: rssMb(pid), cpuPercent: (cpu / wall) * 100, cpuSeconds: cpu, seconds: wall };
}

/** A bare idle Node process: the floor any Node agent pays, with the malloc arenas `startAgent` gives the agent. */
export const idleFloor = (): ChildProcess => spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore', env: { MALLOC_ARENA_MAX: '2', ...process.env } });

/** `npm run build`'s core step (tsc, then the bundled entries): the agent runs from dist/ as it ships. */
export const buildAgent = (): void => void execFileSync('npm', ['run', 'build:core'], { stdio: 'ignore' });

export type Envelope = { ok: boolean; value?: unknown; error?: unknown };

/** One isolate of the agent as `agent:threads` names it: its OS thread id and V8 heap in bytes. */
export type ThreadFacts = { name: string; tid: number; heapUsed: number; heapTotal: number };

/** The agent's local API over one authenticated WebSocket. */
export class AgentApi {
  #next = 1;

  private constructor(private readonly ws: WebSocket) {}

  static async open(port: number, token: string): Promise<AgentApi> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ t: 'auth', token }));
    await new Promise((r) => ws.once('message', r));
    return new AgentApi(ws);
  }

  call(channel: string, input: unknown): Promise<Envelope> {
    const id = this.#next++;
    return new Promise((resolve) => {
      const on = (d: WebSocket.RawData): void => {
        const m = JSON.parse(d.toString()) as { t: string; id?: number; envelope?: Envelope };
        if (m.t === 'result' && m.id === id && m.envelope) {
          this.ws.off('message', on);
          resolve(m.envelope);
        }
      };
      this.ws.on('message', on);
      this.ws.send(JSON.stringify({ t: 'invoke', id, channel, input }));
    });
  }

  /** Like `call`, but a refusal throws with the agent's error. */
  async value(channel: string, input: unknown): Promise<unknown> {
    const r = await this.call(channel, input);
    if (!r.ok) throw new Error(`${channel} refused: ${JSON.stringify(r.error)}`);
    return r.value;
  }

  /** The agent's isolates (`agent:threads`), or null from an agent without that channel. */
  async threads(): Promise<ThreadFacts[] | null> {
    const r = await this.call('agent:threads', {});
    return r.ok ? (r.value as ThreadFacts[]) : null;
  }

  close(): void {
    this.ws.close();
  }
}

/** The cloud simulator with a fresh PKI, and the agent arguments that connect to it. */
export async function startCloud(dir: string): Promise<{ sim: CloudSim; args: string[] }> {
  const pki = await createPkiSet('07048933');
  const sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, pki.ca.cert);
  return { sim, args: ['--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', caFile] };
}

export type AgentOptions = {
  /** Holds the agent's data dir, token file and config across restarts. */
  dir: string;
  cloudArgs: readonly string[];
  lockName: string;
  internalPool: string;
  env?: Record<string, string>;
};

export type BenchAgent = { pid: number; port: number; token: string; stop(): Promise<void> };

/** Extra Node options for the agent, from `BENCH_NODE_ARGS` (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
const nodeArgs = (): string[] => (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');

/** Starts the built agent and resolves once it printed its ready line; with two malloc arenas, as the service unit runs it. */
export async function startAgent(o: AgentOptions): Promise<BenchAgent> {
  const child = spawn(
    process.execPath,
    [...nodeArgs(), 'bin/vplc-orchestrator.js', 'agent', ...o.cloudArgs, '--ui-port', '0', '--data-dir', path.join(o.dir, 'data'), '--lock-name', o.lockName, '--internal-pool', o.internalPool, '--runtime-image', 'vplc-test/openplc-runtime', '--log-level', 'warn'],
    { stdio: ['ignore', 'pipe', 'ignore'], env: { MALLOC_ARENA_MAX: '2', ...process.env, VPLC_TOKEN_FILE: path.join(o.dir, 'token'), XDG_CONFIG_HOME: path.join(o.dir, 'config'), ...o.env } },
  );
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  // `BENCH_AGENT_STDOUT=<file>` keeps what the agent prints (e.g. with `BENCH_NODE_ARGS=--trace-gc`).
  const keep = process.env.BENCH_AGENT_STDOUT;
  if (keep) child.stdout?.on('data', (d: Buffer) => appendFileSync(keep, d));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  try {
    const ready = await new Promise<{ port: number; token: string }>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
        if (line) resolve(JSON.parse(line) as { port: number; token: string });
      });
      child.once('exit', (c) => reject(new Error(`agent exited ${c}`)));
    });
    return { pid: child.pid as number, ...ready, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The installation id, once the cloud link is connected (gives up after 30 s and measures anyway). */
export async function waitCloud(api: AgentApi): Promise<string> {
  let status = (await api.value('agent:status', {})) as { installationId: string; cloud: string };
  for (let tries = 0; tries < 60 && status.cloud !== 'connected'; tries++) {
    await pause(500);
    status = (await api.value('agent:status', {})) as { installationId: string; cloud: string };
  }
  return String(status.installationId);
}

/** Creates the vPLCs (no vNICs) and waits until all of them run with no operation pending. */
export async function createRunning(api: AgentApi, names: readonly string[]): Promise<void> {
  for (const name of names) await api.call('vplc:create', { name, vnics: [] });
  await waitRunning(api, names.length);
}

/** Waits (up to 2 min) until `count` vPLCs run with no operation pending. */
export async function waitRunning(api: AgentApi, count: number): Promise<void> {
  for (let tries = 0; tries < 240; tries++) {
    const list = (await api.call('vplc:list', {})).value as Array<{ running: boolean; operation: string | null }>;
    if (list.length === count && list.every((v) => v.running && !v.operation)) return;
    await pause(500);
  }
}

/** One benchmark's agent, idle floor and installation, all torn down by `benchRun`. */
export type BenchRun = {
  /** A fresh temporary directory, removed at the end. */
  dir: string;
  /** Stops the run's agent, if one runs, and starts the built agent over the same data dir, linked to the run's cloud. */
  startAgent(o: Omit<AgentOptions, 'dir' | 'cloudArgs'>): Promise<BenchAgent>;
  /** Starts the bare idle Node process (`idleFloor`), killed at the end. */
  startFloor(): ChildProcess;
  /** `waitCloud`; the installation's containers are removed at the end. */
  waitCloud(api: AgentApi): Promise<string>;
};

/** Runs `body` with a temporary directory and the cloud simulator; stops and removes all it started, whatever happens. */
export async function benchRun<T>(prefix: string, body: (run: BenchRun) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  let agent: BenchAgent | undefined;
  let floor: ChildProcess | undefined;
  let installation = '';
  let sim: CloudSim | undefined;
  try {
    const cloud = await startCloud(dir);
    sim = cloud.sim;
    return await body({
      dir,
      startAgent: async (o) => {
        await agent?.stop();
        agent = await startAgent({ dir, cloudArgs: cloud.args, ...o });
        return agent;
      },
      startFloor: () => (floor = idleFloor()),
      waitCloud: async (api) => (installation = await waitCloud(api)),
    });
  } finally {
    await agent?.stop();
    floor?.kill('SIGKILL');
    await sim?.close();
    if (installation) await removeByLabels({ instance: installation });
    rmSync(dir, { recursive: true, force: true });
  }
}
