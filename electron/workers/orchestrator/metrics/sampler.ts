/**
 * The 5 s usage sampler (docs/protocol.md §10.1–§10.3 IMPROVE): on its own timer, whether or not the cloud is connected,
 * it reads the host and every running registered container, appends one tick to the usage rings and emits the
 * latest host sample (the heartbeat and the local UI read it).
 */
import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type { CgroupTarget, ContainerSample, HostCpuCounters } from './cgroup.js';
import { CgroupReader } from './cgroup.js';
import type { SamplerClock, IntervalHandle } from './clock.js';
import { createSystemSamplerClock } from './clock.js';
import type { HostMetrics, HostReading } from './host.js';
import { HostMetricsReader, MIB } from './host.js';
import type { UsageRings, UsageValues } from './ring.js';

export type { ContainerSample } from './cgroup.js';

export const SAMPLE_INTERVAL_MS = 5000;

/** Heartbeat metrics (§10.1) plus the sample time (unix seconds) and the raw used-memory bytes. */
export interface HostSample extends HostMetrics {
  ts: number;
}

/** What the sampler needs from the host reader. */
export interface HostSource {
  read(): Promise<HostReading>;
}

/** What the sampler needs from the cgroup reader. */
export interface ContainerSource {
  sampleMany(
    targets: readonly CgroupTarget[],
    host: HostCpuCounters | null,
    onError?: (target: CgroupTarget, error: Error) => void,
  ): Promise<ContainerSample[]>;
}

export interface UsageSamplerOptions {
  rings: UsageRings;
  /** Running containers of registered devices; `name` is the device id. */
  listTargets(): Promise<Array<{ name: string; containerId: string; pid: number }>>;
  host?: HostSource;
  containers?: ContainerSource;
  clock?: SamplerClock;
  intervalMs?: number;
  /**
   * Non-fatal problems (a container that could not be read, a throwing listener, listTargets failing); `containerId`
   * names the container whose sample failed.
   */
  onError?: (error: Error, context: string, containerId?: string) => void;
}

export interface SampleResult {
  host: HostSample;
  containers: ContainerSample[];
}

type Listener<T> = (value: T) => void;

function toError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}

export class UsageSampler {
  private readonly rings: UsageRings;
  private readonly listTargets: UsageSamplerOptions['listTargets'];
  private readonly host: HostSource;
  private readonly containers: ContainerSource;
  private readonly clock: SamplerClock;
  private readonly intervalMs: number;
  private readonly onError: (error: Error, context: string, containerId?: string) => void;
  private readonly listeners = new TypedEmitter<{ host: [HostSample]; containers: [readonly ContainerSample[]] }>((e, event) =>
    this.onError(toError(e), event === 'host' ? 'onSample listener' : 'onContainerSamples listener'),
  );
  private timer: IntervalHandle | null = null;
  private inFlight: Promise<SampleResult> | null = null;
  private latestHost: HostSample | null = null;
  private latestContainers: readonly ContainerSample[] = [];
  private disposed = false;
  /** Sources this sampler created itself, closed on stop(). */
  private readonly owned: Array<{ close(): Promise<void> }> = [];

  /** A source this sampler made itself: closed with it. */
  private own<T extends { close(): Promise<void> }>(source: T): T {
    this.owned.push(source);
    return source;
  }

  constructor(options: UsageSamplerOptions) {
    this.rings = options.rings;
    this.listTargets = options.listTargets;
    this.host = options.host ?? this.own(new HostMetricsReader());
    this.containers = options.containers ?? this.own(new CgroupReader());
    this.clock = options.clock ?? createSystemSamplerClock();
    this.intervalMs = options.intervalMs ?? SAMPLE_INTERVAL_MS;
    this.onError = options.onError ?? (() => undefined);
  }

  /** Start the periodic timer (idempotent). The first sample comes one interval after start. */
  start(): void {
    if (this.disposed) throw new Error('UsageSampler is stopped');
    if (this.timer !== null) return;
    this.timer = this.clock.setInterval(() => this.tick(), this.intervalMs);
  }

  /**
   * Stop the timer, drop listeners and close the files of readers this sampler created. A sample already in flight
   * completes but emits nothing.
   */
  stop(): void {
    this.disposed = true;
    if (this.timer !== null) this.clock.clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
    const owned = this.owned.splice(0);
    const closeAll = (): void => {
      for (const o of owned) o.close().catch((e: unknown) => this.onError(toError(e), 'close'));
    };
    if (this.inFlight === null) closeAll();
    else void this.inFlight.then(closeAll, closeAll);
  }

  get running(): boolean {
    return this.timer !== null;
  }

  /** Subscribe to host samples; returns an unsubscribe function. */
  onSample(cb: Listener<HostSample>): () => void {
    return this.listeners.on('host', cb);
  }

  /** Subscribe to per-container samples of each tick; returns an unsubscribe function. */
  onContainerSamples(cb: Listener<readonly ContainerSample[]>): () => void {
    return this.listeners.on('containers', cb);
  }

  /** The most recent host sample, or null before the first one. */
  latest(): HostSample | null {
    return this.latestHost;
  }

  latestContainerSamples(): readonly ContainerSample[] {
    return this.latestContainers;
  }

  private tick(): void {
    // A slow tick never overlaps the next one; the timer simply skips.
    if (this.inFlight !== null) return;
    this.sampleOnce().catch((e: unknown) => this.onError(toError(e), 'sample'));
  }

  /** Take one sample now: read, append to the rings, emit. Concurrent calls share the sample in flight. */
  sampleOnce(): Promise<SampleResult> {
    if (this.inFlight !== null) return this.inFlight;
    const p = this.doSample().finally(() => {
      this.inFlight = null;
    });
    this.inFlight = p;
    return p;
  }

  private async doSample(): Promise<SampleResult> {
    const ts = Math.floor(this.clock.now() / 1000);
    const [reading, targets] = await Promise.all([
      this.host.read(),
      this.listTargets().catch((e: unknown) => {
        this.onError(toError(e), 'listTargets');
        return [];
      }),
    ]);
    const hostCpu: HostCpuCounters | null =
      reading.cpuTotalJiffies === null ? null : { totalJiffies: reading.cpuTotalJiffies, onlineCpus: reading.onlineCpus };
    const known = targets.filter((t) => this.rings.has(t.name));
    const containers = await this.containers.sampleMany(known, hostCpu, (t, e) =>
      this.onError(e, `container ${t.name} (${t.containerId.slice(0, 12)})`, t.containerId),
    );
    const host: HostSample = { ts, ...reading.metrics };
    const devices: Array<readonly [string, UsageValues]> = containers.map((c) => [
      c.name,
      { cpu: c.cpuPercent, memory: c.memoryBytes / MIB },
    ]);
    this.rings.append({
      ts,
      orchestrator: { cpu: reading.cpuTotalJiffies === null ? null : host.cpu_usage, memory: reading.memoryOk ? host.memoryUsedBytes / MIB : null },
      devices,
    });
    this.latestHost = host;
    this.latestContainers = containers;
    if (!this.disposed) {
      this.listeners.emit('host', host);
      this.listeners.emit('containers', containers);
    }
    return { host, containers };
  }
}
