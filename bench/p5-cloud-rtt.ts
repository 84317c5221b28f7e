/**
 * P5 — cloud command round trip through the real link: the simulator emits with ack over mutual TLS (WebSocket after
 * upgrade) → CloudLink → router → adapter → orchestrator (real dockerd, N stand-in vPLCs) → ack. Measured for
 * `get_device_status` and `get_host_interfaces`, next to a raw emit-with-ack on a bare mTLS socket.io-client that acks
 * at once (same server, same run). Also: the CPU cost of one heartbeat (build + emit), and the observed heartbeat
 * interval of the link while the N vPLCs are sampled. Goal: p99 ≤ 20 ms; heartbeat 5.0 s ± 0.1 s.
 * Run alone: `npx tsx bench/p5-cloud-rtt.ts [--quick]` (full: N=50, about 2-3 min; quick: N=5, about 40 s).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { startNetmon } from '../electron/workers/netmon/index.js';
import { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import { storeCredentials } from '../electron/lib/certs/store.js';
import { HeartbeatBuilder } from '../electron/workers/cloudlink/heartbeat.js';
import { startInProcessLink } from '../test/support/cloud-link.js';
import { openSocket } from '../electron/workers/cloudlink/transport.js';
import { silentLogger } from '../electron/workers/cloudlink/types.js';
import { CloudSim } from '../test/cloud-sim/sim.js';
import { createPkiSet } from '../test/support/pki.js';
import { benchSettings, instanceLabel, newBenchId, onCleanup, removeLabelled, sleep, type BenchOpts } from './common.js';
import { formatBenchResult, type BenchResult, type BenchRow } from './types.js';

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function rtt(n: number, call: (i: number) => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < 20; i++) await call(i);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await call(i);
    out.push(performance.now() - t0);
  }
  out.sort((a, b) => a - b);
  return { p50: pct(out, 50), p99: pct(out, 99) };
}

export async function run(opts: BenchOpts = { quick: false }): Promise<BenchResult> {
  const N = opts.quick ? 5 : 50;
  const CALLS = opts.quick ? 200 : 1_000;
  const BEATS = opts.quick ? 2 : 6;
  const id = newBenchId();
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-p5-'));
  // As in the agent: netmon's interface cache answers get_host_interfaces (no `ip` process per call).
  const netmon = startNetmon({ mode: 'builtin' });
  await netmon.cache.whenReady();
  const orch = await Orchestrator.open({ settings: benchSettings(path.join(dir, 'data')), interfaces: netmon.cache, readiness: netmon.cache });
  const cleanup = onCleanup(async () => {
    netmon.stop();
    await orch.close({ graceMs: 5_000 });
    await removeLabelled(instanceLabel(orch.installationId));
    rmSync(dir, { recursive: true, force: true });
  });
  let sim: CloudSim | null = null;
  try {
    void orch.startLifecycle();
    const names = Array.from({ length: N }, (_, i) => `p5-${id}-${i}`);
    for (let i = 0; i < names.length; i += 10) {
      const batch = names.slice(i, i + 10);
      for (const name of batch) {
        const ack = await orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli');
        if (ack.status !== 'creating') throw new Error(`create ${name}: ${ack.error}`);
      }
      for (const name of batch) await orch.settled(name);
    }
    const pki = await createPkiSet('07048933');
    sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
    const mtlsDir = path.join(dir, 'mtls');
    await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
    const caFile = path.join(dir, 'ca.crt');
    writeFileSync(caFile, pki.ca.cert);
    const link = await startInProcessLink(orch, { mtlsDir, cloudUrl: sim.url, caFile, log: silentLogger });
    const agentConn = await sim.waitForConnection(20_000);
    // The baseline: a bare client with the same certificate that acks every event at once.
    const bare = openSocket(sim.url, { ...pki.client, ca: [pki.ca.cert] }, 20_000);
    bare.socket.onAny((...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack === 'function') (ack as (v: unknown) => void)({ status: 'success' });
    });
    bare.socket.connect();
    const bareConn = await sim.waitForConnection(20_000, 1);
    while (sim.transportOf(agentConn.socketId) !== 'websocket' || sim.transportOf(bareConn.socketId) !== 'websocket') await sleep(50);

    const status = await rtt(CALLS, (i) => sim!.sendTo(agentConn.socketId, 'get_device_status', { correlation_id: i, device_id: names[i % N] }));
    const ifaces = await rtt(CALLS, (i) => sim!.sendTo(agentConn.socketId, 'get_host_interfaces', { correlation_id: i }));
    const raw = await rtt(CALLS, (i) => sim!.sendTo(bareConn.socketId, 'ping', { correlation_id: i }));

    const builder = new HeartbeatBuilder({ latest: () => ({ cpu_usage: 1, memory_usage: 2, memory_total: 3, disk_usage: 4, disk_total: 5 }), uptimeSeconds: () => 1 });
    const BUILDS = 20_000;
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < BUILDS; i++) bare.socket.emit('heartbeat', builder.build('07048933', Date.now()));
    const cpu = process.cpuUsage(cpu0);
    const perBeatUs = (cpu.user + cpu.system) / BUILDS;

    const from = sim.heartbeats.filter((h) => h.socketId === agentConn.socketId).length;
    await sleep(BEATS * 5_000 + 2_500);
    const beats = sim.heartbeats.filter((h) => h.socketId === agentConn.socketId).slice(Math.max(0, from - 1));
    const gaps = beats.slice(1).map((b, i) => (b.at - (beats[i]?.at ?? b.at)) / 1000);
    bare.socket.disconnect();
    bare.agent.destroy();
    await link.close();

    const rows: BenchRow[] = [
      { label: `get_device_status RTT p50 (N=${N})`, value: status.p50, unit: 'ms', baseline: raw.p50, ratio: status.p50 / raw.p50 },
      { label: `get_device_status RTT p99 (N=${N})`, value: status.p99, unit: 'ms', baseline: raw.p99, ratio: status.p99 / raw.p99 },
      { label: 'get_host_interfaces RTT p50', value: ifaces.p50, unit: 'ms', baseline: raw.p50, ratio: ifaces.p50 / raw.p50 },
      { label: 'get_host_interfaces RTT p99', value: ifaces.p99, unit: 'ms', baseline: raw.p99, ratio: ifaces.p99 / raw.p99 },
      { label: 'raw emit-with-ack RTT p50 / p99', value: raw.p50, unit: 'ms', baseline: raw.p99 },
      { label: 'heartbeat CPU per beat (build + emit)', value: perBeatUs, unit: 'µs' },
      { label: 'heartbeat loop CPU (1 beat / 5 s)', value: (perBeatUs / 5_000_000) * 100, unit: '% of a core' },
      { label: `heartbeat interval min (${gaps.length} gaps)`, value: Math.min(...gaps), unit: 's', baseline: 5 },
      { label: `heartbeat interval max (${gaps.length} gaps)`, value: Math.max(...gaps), unit: 's', baseline: 5 },
    ];
    const p99 = Math.max(status.p99, ifaces.p99);
    const beatOk = gaps.length > 0 && gaps.every((g) => Math.abs(g - 5) <= 0.1);
    return {
      id: 'p5-cloud-rtt',
      title: `P5 cloud command RTT through the mTLS link (${N} vPLCs, ${CALLS} calls each)`,
      rows,
      notes: [
        `goal p99 ≤ 20 ms: ${p99 <= 20 ? 'MET' : 'NOT MET'} (worst p99 ${p99.toFixed(2)} ms)`,
        `goal heartbeat 5.0 s ± 0.1 s: ${beatOk ? 'MET' : 'NOT MET'} (${gaps.map((g) => g.toFixed(3)).join(', ')})`,
        'baseline column: the raw emit-with-ack to a bare client on the same server in the same run',
      ],
    };
  } finally {
    await sim?.close();
    await cleanup();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  run({ quick: process.argv.includes('--quick') }).then(
    (r) => console.log(formatBenchResult(r)),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
