/**
 * Usage ring buffers (docs/protocol.md §10.3; docs/architecture.md decision 7).
 * One shared `Uint32Array` timestamp column (unix seconds) for all rings, plus one `Float32Array` per series per ring
 * (orchestrator and each registered device), `NaN` meaning "absent". Every append fills one slot of every ring,
 * so a device that was not sampled in a tick holds `NaN` there. ≈ 0.28 MB per device at the default capacity.
 */

/** 48 h at 5 s. */
export const DEFAULT_RING_CAPACITY = 34_560;

export type UsageSeries = 'cpu' | 'memory';
export type UsageTarget = 'orchestrator' | { readonly device: string };

export interface CpuPoint {
  timestamp: number;
  cpu: number;
}
export interface MemoryPoint {
  timestamp: number;
  memory: number;
}

/** One value pair: `cpu` in percent (100 = one CPU), `memory` in MiB. Either may be NaN/null when unknown. */
export interface UsageValues {
  readonly cpu: number | null;
  readonly memory: number | null;
}

/** One sampling tick. Devices that are not registered are dropped. */
export interface UsageTick {
  /** Unix seconds. */
  readonly ts: number;
  readonly orchestrator?: UsageValues;
  readonly devices?: Iterable<readonly [device: string, values: UsageValues]>;
}

interface SeriesPair {
  readonly cpu: Float32Array;
  readonly memory: Float32Array;
}

function newSeries(capacity: number): SeriesPair {
  return { cpu: new Float32Array(capacity).fill(NaN), memory: new Float32Array(capacity).fill(NaN) };
}

function fromStored(v: number | undefined): number | null {
  return v === undefined || Number.isNaN(v) ? null : v;
}

/** One host tick as persisted: unix seconds, cpu percent, memory MiB (`null` = not measured). */
export type HostTick = [ts: number, cpu: number | null, memory: number | null];

type Snapshot = { ts: number; cpu: number | null; memory: number | null; devices: Map<string, UsageValues> };

function toStored(v: number | null): number {
  return v === null || !Number.isFinite(v) ? NaN : v;
}

export interface UsageRingsOptions {
  capacity?: number;
}

/** The orchestrator ring plus one ring per registered device, sharing a timestamp column. */
export class UsageRings {
  readonly capacity: number;
  private readonly timestamps: Uint32Array;
  private readonly orchestrator: SeriesPair;
  private readonly devices = new Map<string, SeriesPair>();
  /** Next slot to write. */
  private head = 0;
  /** Slots filled, ≤ capacity. */
  private filled = 0;

  constructor(options: UsageRingsOptions = {}) {
    const capacity = options.capacity ?? DEFAULT_RING_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
    this.timestamps = new Uint32Array(capacity);
    this.orchestrator = newSeries(capacity);
  }

  /** Start keeping history for a device. Registering an already registered device keeps its history. */
  register(device: string): void {
    if (!this.devices.has(device)) this.devices.set(device, newSeries(this.capacity));
  }

  /** Forget a device and its history. */
  unregister(device: string): boolean {
    return this.devices.delete(device);
  }

  has(device: string): boolean {
    return this.devices.has(device);
  }

  list(): string[] {
    return [...this.devices.keys()];
  }

  /** Number of ticks held (the same for every ring). */
  get size(): number {
    return this.filled;
  }

  /** Append one tick, evicting the oldest when full. */
  append(tick: UsageTick): void {
    const slot = this.head;
    this.timestamps[slot] = Math.max(0, Math.min(0xffff_ffff, Math.trunc(tick.ts)));
    this.orchestrator.cpu[slot] = toStored(tick.orchestrator?.cpu ?? null);
    this.orchestrator.memory[slot] = toStored(tick.orchestrator?.memory ?? null);
    for (const s of this.devices.values()) {
      s.cpu[slot] = NaN;
      s.memory[slot] = NaN;
    }
    for (const [device, values] of tick.devices ?? []) {
      const s = this.devices.get(device);
      if (s === undefined) continue;
      s.cpu[slot] = toStored(values.cpu);
      s.memory[slot] = toStored(values.memory);
    }
    this.head = (slot + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled += 1;
  }

  /** Chronological `{timestamp, cpu}` points, `start ≤ ts ≤ end`, cpu as truncated integer percent. */
  query(target: UsageTarget, series: 'cpu', start: number, end: number): CpuPoint[];
  /** Chronological `{timestamp, memory}` points, `start ≤ ts ≤ end`, memory as truncated integer MiB. */
  query(target: UsageTarget, series: 'memory', start: number, end: number): MemoryPoint[];
  query(target: UsageTarget, series: UsageSeries, start: number, end: number): CpuPoint[] | MemoryPoint[];
  query(target: UsageTarget, series: UsageSeries, start: number, end: number): CpuPoint[] | MemoryPoint[] {
    const pair = target === 'orchestrator' ? this.orchestrator : this.devices.get(target.device);
    if (pair === undefined) return [];
    const values = pair[series];
    const out: Array<{ timestamp: number; value: number }> = [];
    const oldest = (this.head - this.filled + this.capacity) % this.capacity;
    for (let i = 0; i < this.filled; i++) {
      const slot = (oldest + i) % this.capacity;
      const ts = this.timestamps[slot] ?? 0;
      if (ts < start || ts > end) continue;
      const v = values[slot] ?? NaN;
      if (Number.isNaN(v)) continue;
      out.push({ timestamp: ts, value: Math.trunc(v) });
    }
    return series === 'cpu'
      ? out.map((p) => ({ timestamp: p.timestamp, cpu: p.value }))
      : out.map((p) => ({ timestamp: p.timestamp, memory: p.value }));
  }

  /** Host (orchestrator) ticks with `ts ≥ since`, oldest first, raw values (`null` = not measured). */
  hostTicks(since: number): HostTick[] {
    const out: HostTick[] = [];
    const oldest = (this.head - this.filled + this.capacity) % this.capacity;
    for (let i = 0; i < this.filled; i++) {
      const slot = (oldest + i) % this.capacity;
      const ts = this.timestamps[slot] ?? 0;
      if (ts < since) continue;
      out.push([ts, fromStored(this.orchestrator.cpu[slot]), fromStored(this.orchestrator.memory[slot])]);
    }
    return out;
  }

  /**
   * Puts host ticks of an earlier run before the ticks held (the sampler may already have run when they are read back).
   * Ticks not older than the oldest held one are ignored; over capacity, the oldest go. Returns how many were taken.
   */
  restoreHost(ticks: readonly HostTick[]): number {
    const held = this.snapshot();
    const first = held[0]?.ts ?? Infinity;
    const older = ticks.filter((t) => t[0] < first).sort((a, b) => a[0] - b[0]);
    const combined: Snapshot[] = [...older.map(([ts, cpu, memory]) => ({ ts, cpu, memory, devices: new Map<string, UsageValues>() })), ...held];
    const kept = combined.slice(-this.capacity);
    this.head = 0;
    this.filled = 0;
    for (const t of kept) this.append({ ts: t.ts, orchestrator: { cpu: t.cpu, memory: t.memory }, devices: t.devices });
    return Math.max(0, kept.length - held.length);
  }

  private snapshot(): Snapshot[] {
    const out: Snapshot[] = [];
    const oldest = (this.head - this.filled + this.capacity) % this.capacity;
    for (let i = 0; i < this.filled; i++) {
      const slot = (oldest + i) % this.capacity;
      const devices = new Map<string, UsageValues>();
      for (const [name, s] of this.devices) devices.set(name, { cpu: fromStored(s.cpu[slot]), memory: fromStored(s.memory[slot]) });
      out.push({ ts: this.timestamps[slot] ?? 0, cpu: fromStored(this.orchestrator.cpu[slot]), memory: fromStored(this.orchestrator.memory[slot]), devices });
    }
    return out;
  }

  /** Bytes held by the typed arrays (for budgeting). */
  get byteLength(): number {
    const perSeriesPair = 2 * this.capacity * Float32Array.BYTES_PER_ELEMENT;
    return this.timestamps.byteLength + perSeriesPair * (1 + this.devices.size);
  }
}
