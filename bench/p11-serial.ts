/**
 * P11: serial passthrough (docs/serial.md "Device nodes", "Port status"), on the stand-in image, vPLCs without vNICs.
 *
 *   npx tsx bench/p11-serial.ts [--quick]      (--quick: 20 plugs, 5 vPLCs × 4 ports; full: 100 plugs, 20 × 4)
 *
 * (a) plug → node usable: a by-id link to a pseudo-terminal appears (socat pairs behind a temporary by-id dir, as the
 *     tests use; two pairs in turn, so each plug has other device numbers than the last), until the orchestrator says
 *     the port is `connected`, which it does only once the node was made; each plug's node is then checked with
 *     `docker exec stat` (outside the timing). p50/p99. Includes the device cache's 150 ms debounce of plug events.
 * (b) making one node: the orchestrator's exec sequence (rm, mknod, chmod over the Engine API) against the baseline,
 *     the same three commands through the `docker exec` CLI.
 * (c) resync cost with N vPLCs × 4 ports: a resync of every vPLC while nothing changed (what resyncing all vPLCs on
 *     each plug event would cost; the agent resyncs only the vPLCs whose ports match a changed device), wall time and
 *     the orchestrator's CPU; then one device replugged onto another node, shared by all N: until every vPLC has its
 *     node again.
 * Runtime: about 2-3 min (quick: under 1 min).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { SerialPortState, SerialPortsChange } from '../shared/domain/serial.js';
import { Engine } from '../electron/workers/orchestrator/docker/engine.js';
import { Orchestrator } from '../electron/workers/orchestrator/orchestrator.js';
import { makeNode } from '../electron/workers/orchestrator/serial/nodes.js';
import { FakeSerialHost, PtyPair } from '../test/support/serial.js';
import { assertImages, benchSettings, docker, dockerCli, instanceLabel, median, newBenchId, onCleanup, quantile, removeLabelled, runAlone } from './common.js';
import type { BenchResult } from './types.js';

const PLUG = 'usb-Bench_Plug_P11-if00-port0';
const shared = (i: number): string => `usb-Bench_Shared_${i}-if00-port0`;
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** The latest port states per vPLC, from the orchestrator's `serial.ports` changes. */
class PortWatch {
  private readonly latest = new Map<string, SerialPortState[]>();
  private readonly waiters = new Set<() => void>();
  readonly off: () => void;

  constructor(orch: Orchestrator) {
    this.off = orch.onSerialPorts((c: SerialPortsChange) => {
      this.latest.set(c.vplc, c.ports);
      for (const w of [...this.waiters]) w();
    });
  }

  ports(vplc: string): SerialPortState[] {
    return this.latest.get(vplc) ?? [];
  }

  until(what: string, ok: () => boolean, timeoutMs = 10_000): Promise<void> {
    if (ok()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`P11: timed out waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!ok()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }
}

const minorOf = (pty: string): number => Number(path.basename(pty));

async function createAll(orch: Orchestrator, specs: Array<Parameters<Orchestrator['create']>[0]>, parallel: number): Promise<void> {
  for (let i = 0; i < specs.length; i += parallel) {
    const batch = specs.slice(i, i + parallel);
    for (const s of batch) {
      const ack = await orch.create(s, 'cli');
      if (ack.status !== 'creating') throw new Error(`P11: create ${s.name} refused: ${ack.error}`);
    }
    for (const s of batch) await orch.settled(s.name);
    for (const s of batch) {
      const st = await orch.status(s.name);
      if (st.status !== 'success') throw new Error(`P11: create ${s.name} ended as ${st.status}`);
    }
  }
}

async function stat(container: string, p: string): Promise<string> {
  const [maj, min] = (await dockerCli(['exec', container, 'stat', '-c', '%t %T', p])).trim().split(' ');
  return `${parseInt(maj ?? '', 16)}:${parseInt(min ?? '', 16)}`;
}

export async function run(opts: { quick: boolean }): Promise<BenchResult> {
  assertImages();
  const plugs = opts.quick ? 20 : 100;
  const vplcs = opts.quick ? 5 : 20;
  const id = newBenchId();
  const dataDir = mkdtempSync(path.join(tmpdir(), 'vplc-bench-p11-'));
  const host = new FakeSerialHost();
  const ptys = await Promise.all(Array.from({ length: 6 }, () => PtyPair.open()));
  ptys.forEach((p, i) => host.addAdapter({ name: `ttyUSB${i}`, pty: p.ends[0], byId: i < 2 ? PLUG : shared(i - 2), usb: { idVendor: '0403', idProduct: '6001' } }));
  host.link(PLUG, 'ttyUSB0');
  for (let i = 0; i < 4; i++) host.link(shared(i), `ttyUSB${i + 2}`);
  const orch = await Orchestrator.open({ settings: { ...benchSettings(dataDir), serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } } });
  const watch = new PortWatch(orch);
  const done = onCleanup(async () => {
    watch.off();
    await orch.close({ graceMs: 5_000 });
    await removeLabelled(instanceLabel(orch.installationId));
    await Promise.all(ptys.map((p) => p.close()));
    host.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });
  try {
    // (a) plug → connected
    const plugVplc = `vb-${id}-plug`;
    await createAll(orch, [{ name: plugVplc, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'p', deviceId: PLUG, containerPath: '/dev/ttyBENCH' }] }], 1);
    const port = (): SerialPortState | undefined => watch.ports(plugVplc)[0];
    await orch.resyncSerialPorts();
    await watch.until('the plug port connected', () => port()?.status === 'connected');
    const plugMs: number[] = [];
    for (let i = 0; i < plugs; i++) {
      host.unlink(PLUG);
      await watch.until('the unplug', () => port()?.status === 'disconnected');
      const target = (i + 1) % 2;
      const minor = minorOf(ptys[target]!.ends[0]);
      const t0 = performance.now();
      host.link(PLUG, `ttyUSB${target}`);
      await watch.until('the plug', () => port()?.status === 'connected' && port()?.minor === minor);
      plugMs.push(performance.now() - t0);
      const seen = await stat(plugVplc, '/dev/ttyBENCH');
      if (seen !== `136:${minor}`) throw new Error(`P11: node is ${seen}, expected 136:${minor}`);
    }

    // (b) one node: the orchestrator's exec sequence against the docker CLI
    const engine = new Engine(docker);
    const cid = (await docker.getContainer(plugVplc).inspect()).Id;
    const oursMs: number[] = [];
    const cliMs: number[] = [];
    const reps = opts.quick ? 10 : 30;
    for (let i = 0; i < reps; i++) {
      const minor = minorOf(ptys[i % 2]!.ends[0]);
      let t0 = performance.now();
      const r = await makeNode({ engine, log: silent }, cid, { containerPath: '/dev/ttyOURS', major: 136, minor }, { vplc: plugVplc, port: 'bench', why: 'bench' });
      oursMs.push(performance.now() - t0);
      if (!r.ok) throw new Error(`P11: makeNode failed: ${r.reason}`);
      t0 = performance.now();
      await dockerCli(['exec', '-u', '0', cid, 'rm', '-f', '/dev/ttyBASE']);
      await dockerCli(['exec', '-u', '0', cid, 'mknod', '/dev/ttyBASE', 'c', '136', String(minor)]);
      await dockerCli(['exec', '-u', '0', cid, 'chmod', '666', '/dev/ttyBASE']);
      cliMs.push(performance.now() - t0);
    }

    // (c) N vPLCs × 4 ports on the four shared devices
    const names = Array.from({ length: vplcs }, (_, i) => `vb-${id}-s${String(i).padStart(2, '0')}`);
    // One device used by every vPLC: each port says so (serial/validate.ts refuses an unmarked second user).
    const portsSpec = Array.from({ length: 4 }, (_, i) => ({ name: `p${i}`, deviceId: shared(i), containerPath: `/dev/ttyS${i + 4}`, shared: true }));
    await createAll(
      orch,
      names.map((name) => ({ name, runtimeVersion: 'latest', vnics: [], serialPorts: portsSpec })),
      4,
    );
    const allConnected = (minor0?: number): boolean => names.every((n) => watch.ports(n).length === 4 && watch.ports(n).every((p) => p.status === 'connected') && (minor0 === undefined || watch.ports(n)[0]?.minor === minor0));
    await orch.resyncSerialPorts();
    await watch.until('every shared port connected', () => allConnected(), 30_000);
    const steadyMs: number[] = [];
    const steadyCpuMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await orch.resyncSerialPorts();
      steadyMs.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      steadyCpuMs.push((c.user + c.system) / 1000);
    }
    // Replug shared device 0 onto the plug bench's second pty: every vPLC's port p0 gets a new node.
    host.unlink(PLUG);
    const free = ptys[1]!.ends[0];
    const t0 = performance.now();
    host.unlink(shared(0));
    host.link(shared(0), 'ttyUSB1');
    await watch.until('every vPLC with its new node', () => allConnected(minorOf(free)), 30_000);
    const replugMs = performance.now() - t0;

    const notes = [
      `plug → connected includes the device cache's debounce (150 ms after the last event); ${plugs} plugs alternating between two ptys`,
      `each plug's node checked with docker exec stat (136:minor) after the timing`,
      `resync of ${vplcs} vPLCs × 4 ports with nothing changed: one container inspect per vPLC, no exec; the agent resyncs only vPLCs with a port matching a changed device`,
    ];
    return {
      id: 'p11-serial',
      title: 'Serial passthrough: plug → node in the container, node making, resync cost',
      rows: [
        { label: 'plug → connected p50', value: median(plugMs), unit: 'ms' },
        { label: 'plug → connected p99', value: quantile(plugMs, 0.99), unit: 'ms' },
        { label: 'make one node (Engine API execs) p50 vs docker exec CLI', value: median(oursMs), unit: 'ms', baseline: median(cliMs), ratio: median(oursMs) / median(cliMs) },
        { label: `resync ${vplcs}×4 ports, unchanged, wall p50`, value: median(steadyMs), unit: 'ms' },
        { label: `resync ${vplcs}×4 ports, unchanged, agent CPU p50`, value: median(steadyCpuMs), unit: 'ms' },
        { label: `replug of a device shared by ${vplcs} vPLCs → all nodes remade`, value: replugMs, unit: 'ms' },
      ],
      notes,
    };
  } finally {
    await done();
  }
}

runAlone(import.meta.url, async (o) => [await run(o)]);
