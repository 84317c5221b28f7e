/**
 * Helpers shared by the P1/P6/P7 benchmarks: the docker CLI as a human would run it, veth parents, the
 * baseline's runtime probe, Docker event timestamps, statistics and cleanup.
 *
 * Address plan (all inside 198.18.0.0/15, disjoint from the test suite's per-slot plan):
 * - LANs: 198.18.200.0/24 .. 198.18.210.0/24 (one per parent; a MACVLAN parent carries one network);
 * - our internal pool: 198.19.128.0/17 (the orchestrator allocates /29s from its bottom, skipping Docker's subnets);
 * - the CLI baseline's internal /29s: from 198.19.240.0/20, chosen by the benchmark beforehand (not timed).
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import https from 'node:https';
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type Docker from 'dockerode';
import { cidrsOverlap } from '../shared/net/ipv4.js';
import { allocateBlock } from '../electron/workers/orchestrator/net/internal-pool.js';
import { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import type { VplcEvent } from '../electron/workers/orchestrator/context.js';
import type { OrchestratorSettingsInput } from '../electron/workers/orchestrator/settings.js';
import { startNetmon, type InterfaceCache, type Netmon } from '../electron/workers/netmon/index.js';
import { docker } from '../test/support/docker.js';
import { TEST_LABEL } from '../test/support/run.js';
import { formatBenchResult, type BenchResult } from './types.js';

export { docker };

export const STANDIN_REPO = 'vplc-test/openplc-runtime';
export const RUNTIME_IMAGE = `${STANDIN_REPO}:latest`;
export const INTERNAL_POOL = '198.19.128.0/17';
export const BASELINE_POOL = '198.19.240.0/20';
export const RUNTIME_TLS_NAME = 'openplc-runtime';
export const RUNTIME_PORT = 8443;
/** Same pause between readiness probes as the create pipeline's `waiting_for_runtime` loop. */
export const PROBE_INTERVAL_MS = 200;
export const RUNTIME_WAIT_MS = 30_000;

export type BenchOpts = { quick: boolean };

export const newBenchId = (): string => randomBytes(3).toString('hex');
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
/** Wall-clock ms with sub-ms resolution (comparable with Docker's event `timeNano`). */
export const wallMs = (): number => performance.timeOrigin + performance.now();

// Cleanup ------------------------------------------------------------------

const cleanups: Array<() => Promise<void> | void> = [];
let signalled = false;

/** Registers a cleanup step that also runs on SIGINT/SIGTERM; returns a function that runs and unregisters it. */
export function onCleanup(fn: () => Promise<void> | void): () => Promise<void> {
  cleanups.push(fn);
  return async () => {
    const i = cleanups.indexOf(fn);
    if (i < 0) return;
    cleanups.splice(i, 1);
    await fn();
  };
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    if (signalled) return;
    signalled = true;
    console.error(`\n${sig}: cleaning up ${cleanups.length} bench resource group(s)…`);
    void (async () => {
      for (const fn of cleanups.splice(0).reverse()) {
        try {
          await fn();
        } catch (err) {
          console.error('cleanup failed:', err);
        }
      }
      process.exit(130);
    })();
  });
}

// docker CLI -----------------------------------------------------------------

/** One `docker …` process, as a shell script would run it; rejects with its stderr. */
export function dockerCli(args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', [...args], { maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`docker ${args.slice(0, 3).join(' ')}…: ${stderr.trim() || err.message}`));
      else resolve(stdout.trim());
    });
  });
}

// Host network ---------------------------------------------------------------

export type Veth = { name: string; dispose(): void };

/** A veth pair `<name>` / `<name minus last char>b`, both up, used only as a MACVLAN parent. Never touches eth0. */
export function createVeth(name: string): Veth {
  if (!/^vb[0-9a-z]+a$/.test(name) || name.length > 15) throw new Error(`bad bench veth name ${name}`);
  const peer = `${name.slice(0, -1)}b`;
  const ip = (...a: string[]): string => execFileSync('ip', a, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    ip('link', 'del', name);
  } catch {
    // not there
  }
  ip('link', 'add', name, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', name, 'up');
  ip('link', 'set', peer, 'up');
  return {
    name,
    dispose: () => {
      try {
        ip('link', 'del', name);
      } catch {
        // already gone
      }
    },
  };
}

export const lanSubnet = (n: number): string => `198.18.${200 + n}.0/24`;
export const lanIp = (n: number, host: number): string => `198.18.${200 + n}.${host}`;
/** A locally administered unicast MAC, unique per (bench, index). */
export const benchMac = (tag: number, i: number): string =>
  `02:b${tag.toString(16)}:00:00:${((i >> 8) & 0xff).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

// Runtime probe (baseline) ----------------------------------------------------

/**
 * One HTTPS request; true on any HTTP response. The runtime makes its self-signed certificate at the first start of
 * each container, so there is nothing to verify it against beforehand: the first answer is trusted, as the
 * orchestrator's own probe does before it pins the key.
 */
export function probeHttps(ip: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      req.destroy();
      resolve(ok);
    };
    const req = https.request({ host: ip, port: RUNTIME_PORT, path: '/', method: 'GET', rejectUnauthorized: false /* tls-exception: runtime TOFU, like the orchestrator's first probe */, servername: RUNTIME_TLS_NAME, agent: false, timeout: timeoutMs });
    req.on('response', (res) => {
      res.resume();
      finish(true);
    });
    req.on('timeout', () => finish(false));
    req.on('error', () => finish(false));
    req.end();
  });
}

export async function waitForRuntime(ip: string): Promise<void> {
  const deadline = performance.now() + RUNTIME_WAIT_MS;
  while (!(await probeHttps(ip))) {
    if (performance.now() > deadline) throw new Error(`runtime at ${ip} did not answer within ${RUNTIME_WAIT_MS} ms`);
    await sleep(PROBE_INTERVAL_MS);
  }
}

// CLI baseline ------------------------------------------------------------------

/** Hands out the baseline's internal /29s from BASELINE_POOL, skipping Docker's subnets (prepared, not timed). */
export class BaselineBlocks {
  private readonly handed: string[] = [];

  async next(): Promise<string> {
    const nets = (await docker.listNetworks()) as Docker.NetworkInspectInfo[];
    const used = nets.flatMap((n) => (n.IPAM?.Config ?? []).map((c) => c.Subnet ?? '')).filter(Boolean);
    const block = allocateBlock(BASELINE_POOL, [...used, ...this.handed]);
    if (!block) throw new Error(`baseline pool ${BASELINE_POOL} exhausted`);
    this.handed.push(block);
    return block;
  }

  release(block: string): void {
    const i = this.handed.indexOf(block);
    if (i >= 0) this.handed.splice(i, 1);
  }
}

const hostOf = (block: string, n: number): string => {
  const [a, b, c, d] = (block.split('/')[0] ?? '').split('.').map(Number);
  return `${a}.${b}.${c}.${(d ?? 0) + n}`;
};

export type BaselineVplc = { name: string; block: string; lanNetwork: string };
export type BaselineTiming = { totalMs: number; runningMs: number };

/**
 * What a person (or a shell script) does to get the same vPLC with the docker CLI on API 1.41:
 *   docker network create --internal --subnet <free /29> --gateway <.1> <name>_internal
 *   docker network inspect <lan> || docker network create -d macvlan -o parent=<p> --subnet <lan> <lan>
 *   docker create … (the orchestrator's create body, see below) --network <lan> --ip <ip> --mac-address <mac> <image>
 *   docker network connect --ip <.2> <name>_internal <name>
 *   docker start <name>
 *   poll https://<.2>:8443/ from the host every 200 ms until any HTTP response
 * Same create body as the orchestrator's: restart no, cap-add SYS_NICE (no device access without serial ports),
 * json-file log with max-size 10m / max-file 3, the MACVLAN network in --network with its static --ip.
 * Not expressed:
 * - the requested MAC: the docker CLI here (28.x) turns `--mac-address` with `--network` into a per-endpoint MAC and
 *   refuses it below API 1.44 ("specify mac-address per network requires API version 1.44"), and `network connect`
 *   has no MAC before 1.44 either; the orchestrator sets the container-level `MacAddress` in the API body instead.
 *   So the baseline's vNIC gets Docker's IP-derived MAC;
 * - the real-time ulimits (this engine's runc refuses them; the orchestrator ends up without them too);
 * - the orchestrator's labels (the baseline carries one test-run label instead).
 */
export async function baselineCreate(opts: { name: string; block: string; parent: string; lanSubnet: string; ip: string; run: string }): Promise<BaselineTiming & BaselineVplc> {
  const label = `${TEST_LABEL}=${opts.run}`;
  const internal = `${opts.name}_internal`;
  const lan = `vb_macvlan_${opts.parent}`;
  const t0 = performance.now();
  await dockerCli(['network', 'create', '--internal', '--subnet', opts.block, '--gateway', hostOf(opts.block, 1), '--label', label, internal]);
  try {
    await dockerCli(['network', 'inspect', '--format', '{{.Id}}', lan]);
  } catch {
    await dockerCli(['network', 'create', '-d', 'macvlan', '-o', `parent=${opts.parent}`, '--subnet', opts.lanSubnet, '--label', label, lan]);
  }
  await dockerCli([
    'create',
    '--name', opts.name,
    '--label', label,
    '--restart', 'no',
    '--init',
    '--cap-add', 'SYS_NICE',
    '--log-driver', 'json-file',
    '--log-opt', 'max-size=10m',
    '--log-opt', 'max-file=3',
    '--network', lan,
    '--ip', opts.ip,
    RUNTIME_IMAGE,
  ]);
  await dockerCli(['network', 'connect', '--ip', hostOf(opts.block, 2), internal, opts.name]);
  await dockerCli(['start', opts.name]);
  const runningMs = performance.now() - t0;
  await waitForRuntime(hostOf(opts.block, 2));
  return { name: opts.name, block: opts.block, lanNetwork: lan, totalMs: performance.now() - t0, runningMs };
}

export async function baselineRemove(v: BaselineVplc): Promise<void> {
  await dockerCli(['rm', '-f', v.name]).catch(() => undefined);
  await dockerCli(['network', 'rm', `${v.name}_internal`]).catch(() => undefined);
}

// Our orchestrator ------------------------------------------------------------

/** The bench's veth parents (`vb…a`) are not physical Ethernet: the local parent policy allows them by name. */
export function benchSettings(dataDir: string): OrchestratorSettingsInput {
  return { dataDir, runtimeRepo: STANDIN_REPO, internalPool: INTERNAL_POOL, runtimeWaitMs: RUNTIME_WAIT_MS, parentPolicy: { allow: ['vb*'] } };
}

/** `P1_TRACE=1` (and the like) prints the orchestrator's log to stderr with wall-clock ms. */
const traceLog = (): Parameters<typeof Orchestrator.open>[0]['log'] => {
  const line = (level: string) => (msg: string, data?: Record<string, unknown>): void => console.error(`[${Date.now() % 100_000}] ${level} ${msg} ${data ? JSON.stringify(data) : ''}`);
  return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
};
export const openOrch = (dataDir: string, trace = false): Promise<Orchestrator> => Orchestrator.open({ settings: benchSettings(dataDir), ...(trace ? { log: traceLog() } : {}) });

/**
 * The interface source the agent ships: netmon's built-in monitor feeding an `InterfaceCache`, which the orchestrator
 * reads instead of running `ip` per create. In the agent the monitor runs in its own worker; here in this process.
 * Orchestrators are opened on it as electron/workers/orchestrator/worker.ts opens them: interfaces, readiness and
 * re-attachment on network changes all come from the cache.
 */
export class ShippedNetmon {
  private current?: Orchestrator;
  private readonly offChange: () => void;

  private constructor(private readonly netmon: Netmon) {
    this.offChange = netmon.cache.onChange((d) => void this.current?.onNetworkChange(d).catch(() => undefined));
  }

  get cache(): InterfaceCache {
    return this.netmon.cache;
  }

  static async start(): Promise<ShippedNetmon> {
    const self = new ShippedNetmon(startNetmon({ mode: 'builtin' }));
    try {
      await self.cache.whenReady(AbortSignal.timeout(10_000));
    } catch (err) {
      self.stop();
      throw err;
    }
    return self;
  }

  async open(dataDir: string): Promise<Orchestrator> {
    this.current = await Orchestrator.open({ settings: benchSettings(dataDir), interfaces: this.cache, readiness: this.cache });
    return this.current;
  }

  stop(): void {
    this.offChange();
    this.netmon.stop();
    this.current = undefined;
  }
}

/**
 * The orchestrator's default ARP probe window (settings orchestrator.arpProbeMs), which the benches keep: a static
 * address is checked free on the LAN before use, a step the CLI baseline does not take, so goals add it to the baseline.
 */
export const PROBE_WINDOW_MS = 500;

/** Ours over the baseline with the ARP probe window added to the baseline (the P1 and P6 goal figures). */
export const ratioWithProbeAllowance = (oursMs: number, baselineMs: number): number => oursMs / (baselineMs + PROBE_WINDOW_MS);

export type OursTiming = { totalMs: number; runningMs: number | null; steps: Record<string, number> };

/** Records when each create reaches each pipeline step (the orchestrator's own `changed` events). */
export class StepClock {
  private readonly marks = new Map<string, Array<[string, number]>>();
  private readonly off: () => void;

  constructor(orch: Orchestrator) {
    this.off = orch.onEvent((e: VplcEvent) => {
      if (e.kind !== 'changed') return;
      let m = this.marks.get(e.name);
      if (!m) this.marks.set(e.name, (m = []));
      m.push([e.reason, performance.now()]);
    });
  }

  /** Duration of each step (until the next one), keyed by step name. */
  steps(name: string, endMs: number): Record<string, number> {
    const m = this.marks.get(name) ?? [];
    const out: Record<string, number> = {};
    m.forEach(([step, t], i) => {
      const next = m[i + 1]?.[1] ?? endMs;
      out[step] = (out[step] ?? 0) + (next - t);
    });
    this.marks.delete(name);
    return out;
  }

  stop(): void {
    this.off();
  }
}

/** create → `success` through the API, waiting with `settled`; throws unless the status is `success`. */
export async function oursCreate(
  orch: Orchestrator,
  events: DockerEvents,
  steps: StepClock | null,
  spec: { name: string; parent: string; ip: string; subnet: string; mac: string },
): Promise<OursTiming> {
  const wall0 = wallMs();
  const t0 = performance.now();
  const ack = await orch.create(
    { name: spec.name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: spec.parent, mode: 'static', ip: spec.ip, subnet: spec.subnet, dns: [], mac: spec.mac }] },
    'cli',
  );
  if (ack.status !== 'creating') throw new Error(`create ${spec.name} refused: ${ack.error}`);
  await orch.settled(spec.name);
  const end = performance.now();
  const status = await orch.status(spec.name);
  if (status.status !== 'success') throw new Error(`create ${spec.name} ended as ${status.status}: ${JSON.stringify(status)}`);
  const started = events.lastStart(spec.name);
  return { totalMs: end - t0, runningMs: started === undefined ? null : started - wall0, steps: steps?.steps(spec.name, end) ?? {} };
}

export async function oursDelete(orch: Orchestrator, name: string): Promise<void> {
  const ack = await orch.delete(name, 'cli');
  if (ack.status !== 'deleting') throw new Error(`delete ${name} refused: ${ack.error}`);
  await orch.settled(name);
}

// Docker events -------------------------------------------------------------------

type DockerEvent = { Action?: string; status?: string; timeNano?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };

/**
 * One event subscription: when each container last started, and the orchestrator's helper containers (MAC
 * verification) per installation with their lifetime (create → destroy). Other sessions' orchestrators on the same
 * engine create helpers too, hence the installation filter.
 */
export class DockerEvents {
  private readonly starts = new Map<string, number>();
  private readonly helperBorn = new Map<string, { instance: string; at: number }>();
  private readonly helperLife: Array<{ instance: string; ms: number }> = [];
  private readonly helperCount = new Map<string, number>();
  private stream?: Readable;

  static async open(): Promise<DockerEvents> {
    const ev = new DockerEvents();
    const stream = (await docker.getEvents({ filters: { type: ['container'], event: ['start', 'create', 'destroy'] } })) as unknown as Readable;
    ev.stream = stream;
    let buf = '';
    stream.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) ev.onLine(line);
      }
    });
    stream.on('error', () => undefined);
    return ev;
  }

  private onLine(line: string): void {
    let e: DockerEvent;
    try {
      e = JSON.parse(line) as DockerEvent;
    } catch {
      return;
    }
    const attrs = e.Actor?.Attributes ?? {};
    const action = e.Action ?? e.status;
    const at = (e.timeNano ?? 0) / 1e6;
    if (action === 'start' && attrs.name && at) this.starts.set(attrs.name, at);
    if (attrs['io.vplc-orchestrator.role'] !== 'helper' || !e.Actor?.ID) return;
    const instance = attrs['io.vplc-orchestrator.instance'] ?? '';
    if (action === 'create') {
      this.helperBorn.set(e.Actor.ID, { instance, at });
      this.helperCount.set(instance, (this.helperCount.get(instance) ?? 0) + 1);
    } else if (action === 'destroy') {
      const born = this.helperBorn.get(e.Actor.ID);
      this.helperBorn.delete(e.Actor.ID);
      if (born) this.helperLife.push({ instance, ms: at - born.at });
    }
  }

  /** Wall-clock ms of the container's last `start` event. */
  lastStart(name: string): number | undefined {
    return this.starts.get(name);
  }

  /** Helper containers created so far by one installation. */
  helpers(instance: string): number {
    return this.helperCount.get(instance) ?? 0;
  }

  /** Lifetimes (create → destroy, ms) of one installation's helpers, from index `from` on. */
  helperLifetimes(instance: string, from = 0): number[] {
    return this.helperLife.filter((h) => h.instance === instance).slice(from).map((h) => h.ms);
  }

  close(): void {
    this.stream?.destroy();
  }
}

// Cleanup by label -----------------------------------------------------------------

async function pool<T>(items: readonly T[], width: number, fn: (t: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let t = queue.shift(); t !== undefined; t = queue.shift()) await fn(t);
    }),
  );
}

/** Force-removes every container, then every network, carrying `label` (`key=value`), a few at a time. */
export async function removeLabelled(label: string): Promise<{ containers: number; networks: number }> {
  const containers = await docker.listContainers({ all: true, filters: { label: [label] } });
  await pool(containers, 4, (c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined));
  const networks = await docker.listNetworks({ filters: { label: [label] } });
  await pool(networks, 4, async (n) => {
    const net = docker.getNetwork(n.Id);
    const info = (await net.inspect().catch(() => null)) as Docker.NetworkInspectInfo | null;
    // An "ep-<id>" key is an endpoint whose container is gone: Docker's forced disconnect finds it by its name.
    for (const [key, c] of Object.entries(info?.Containers ?? {})) {
      const target = key.startsWith('ep-') && c.Name ? c.Name : key;
      await net.disconnect({ Container: target, Force: true }).catch((err: unknown) => console.error(`bench cleanup: ${target} not disconnected from ${n.Name}: ${String(err)}`));
    }
    await net.remove().catch((err: unknown) => {
      // Left behind, the network makes the next run fail with "Pool overlaps": say so now.
      console.error(`bench cleanup: network ${n.Name} (${n.Id.slice(0, 12)}) NOT removed: ${String(err)}`);
    });
  });
  return { containers: containers.length, networks: networks.length };
}

export const instanceLabel = (id: string): string => `io.vplc-orchestrator.instance=${id}`;
export const runLabel = (run: string): string => `${TEST_LABEL}=${run}`;

/** True when no subnet of ours overlaps a LAN we are about to use (another run of the bench, a stale network). */
export async function assertLansFree(subnets: readonly string[]): Promise<void> {
  const nets = (await docker.listNetworks()) as Docker.NetworkInspectInfo[];
  for (const n of nets) {
    for (const c of n.IPAM?.Config ?? []) {
      const hit = subnets.find((s) => c.Subnet && cidrsOverlap(s, c.Subnet));
      if (hit) throw new Error(`Docker network ${n.Name} (${c.Subnet}) overlaps bench LAN ${hit}; is another bench running? remove it first`);
    }
  }
}

export function assertImages(): void {
  for (const img of [RUNTIME_IMAGE]) {
    try {
      execFileSync('docker', ['image', 'inspect', '--format', '{{.Id}}', img], { stdio: 'pipe' });
    } catch {
      throw new Error(`image ${img} is missing: run \`npx tsx test/images/build.ts\``);
    }
  }
}

// Statistics ---------------------------------------------------------------------------

export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (s[lo] ?? 0) + ((s[hi] ?? 0) - (s[lo] ?? 0)) * (pos - lo);
}
export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
export const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
export const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

/** A goal line for the notes; the runner repeats every `goal:` note in its summary. */
export function goalNote(what: string, actual: number, target: number, unit: string): string {
  const met = actual <= target;
  return `goal: ${what} ≤ ${target}${unit} — measured ${actual.toFixed(unit === '×' ? 3 : 0)}${unit} — ${met ? 'MET' : 'NOT MET'}`;
}

export function ms(n: number): string {
  return `${n.toFixed(0)} ms`;
}

// Running a file alone ------------------------------------------------------------------

export function isMain(importMetaUrl: string): boolean {
  return process.argv[1] !== undefined && importMetaUrl === pathToFileURL(process.argv[1]).href;
}

export function runAlone(importMetaUrl: string, run: (opts: BenchOpts) => Promise<BenchResult[]>): void {
  if (!isMain(importMetaUrl)) return;
  run({ quick: process.argv.includes('--quick') }).then(
    (rs) => rs.forEach((r) => console.log(`${formatBenchResult(r)}\n`)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
