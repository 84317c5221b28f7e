/**
 * Host metrics read directly from /proc, /etc/os-release and statfs (docs/protocol.md §10.1, §4.9; docs/architecture.md decision 7).
 * Parsing is pure and exported; the reader class holds the previous CPU sample and the cached totals.
 */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HostMetrics as SharedHostMetrics } from '../../../../shared/domain/host-sample.js';
import { PreadFilePool } from './files.js';

export const GIB = 1024 ** 3;
export const MIB = 1024 ** 2;

/**
 * Disk figures are read again at most this often by `read()`: they move slowly, while the mount table (which grows with
 * every container's overlay, shm and netns mount) and a statfs per mount were a third of the idle sampler's cost.
 */
export const DISK_REFRESH_MS = 30_000;

/** Filesystem types never counted as disk (compared lower-cased). */
export const DISK_SKIP_FSTYPES: ReadonlySet<string> = new Set([
  'tmpfs', 'devtmpfs', 'overlay', 'squashfs', 'ramfs', 'proc', 'sysfs', 'cgroup', 'cgroup2', 'debugfs',
  'tracefs', 'pstore', 'autofs', 'devpts', 'mqueue', 'hugetlbfs', 'fusectl', 'none',
]);

/** Aggregate jiffies from the `cpu` line of /proc/stat. `total` excludes guest and guest_nice. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

export interface ProcStat {
  readonly aggregate: CpuTimes;
  /** Number of `cpuN` lines (online CPUs); at least 1. */
  readonly onlineCpus: number;
}

/** Parse /proc/stat. Returns null when the aggregate `cpu` line is missing or malformed. */
export function parseProcStat(text: string): ProcStat | null {
  let aggregate: CpuTimes | null = null;
  let perCpu = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const parts = line.trim().split(/\s+/);
    const label = parts[0] ?? '';
    if (label === 'cpu') {
      aggregate = cpuTimesFromFields(parts.slice(1));
    } else if (/^cpu\d+$/.test(label)) {
      perCpu += 1;
    }
  }
  if (aggregate === null) return null;
  return { aggregate, onlineCpus: Math.max(1, perCpu) };
}

/**
 * Fields: user nice system idle iowait irq softirq steal guest guest_nice.
 * guest/guest_nice are already part of user/nice, so total is the sum of the first eight.
 */
export function cpuTimesFromFields(fields: readonly string[]): CpuTimes | null {
  const nums = fields.slice(0, 8).map((f) => Number(f));
  if (nums.length < 4 || nums.some((n) => !Number.isFinite(n) || n < 0)) return null;
  const total = nums.reduce((a, b) => a + b, 0);
  const idle = nums[3] ?? 0;
  const iowait = nums[4] ?? 0;
  return { busy: total - idle - iowait, total };
}

/** `100 × Δbusy / Δtotal`, rounded to 1 decimal; 0 when there is no positive Δtotal. */
export function hostCpuPercent(prev: CpuTimes, cur: CpuTimes): number {
  const dTotal = cur.total - prev.total;
  const dBusy = cur.busy - prev.busy;
  if (!(dTotal > 0) || dBusy < 0) return 0;
  return round1(Math.min(100, (100 * dBusy) / dTotal));
}

export interface Meminfo {
  /** All values in bytes. */
  readonly memTotal: number;
  readonly memFree: number;
  readonly buffers: number;
  readonly cached: number;
  readonly sReclaimable: number;
}

/** Parse /proc/meminfo (kB values) into bytes. Missing keys read as 0. */
export function parseMeminfo(text: string): Meminfo {
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+kB)?\s*$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) values.set(m[1], Number(m[2]) * 1024);
  }
  const get = (k: string): number => values.get(k) ?? 0;
  return {
    memTotal: get('MemTotal'),
    memFree: get('MemFree'),
    buffers: get('Buffers'),
    cached: get('Cached'),
    sReclaimable: get('SReclaimable'),
  };
}

/** `MemTotal − MemFree − Buffers − (Cached + SReclaimable)`, or `MemTotal − MemFree` if that is negative. */
export function memoryUsedBytes(m: Meminfo): number {
  const used = m.memTotal - m.memFree - m.buffers - (m.cached + m.sReclaimable);
  return used < 0 ? Math.max(0, m.memTotal - m.memFree) : used;
}

export interface MountEntry {
  readonly device: string;
  readonly mountPoint: string;
  readonly fsType: string;
}

/** Decode the octal escapes (`\040` etc.) used in /proc mount tables. */
export function unescapeMountField(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parse /proc/self/mounts (fstab format). */
export function parseMounts(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const [device, mountPoint, fsType] = parts;
    if (device === undefined || mountPoint === undefined || fsType === undefined) continue;
    out.push({ device: unescapeMountField(device), mountPoint: unescapeMountField(mountPoint), fsType });
  }
  return out;
}

/** The mounts counted as disk: skip-listed fstypes, empty devices and already-counted devices are dropped. */
export function selectDiskMounts(mounts: readonly MountEntry[]): MountEntry[] {
  const seen = new Set<string>();
  const out: MountEntry[] = [];
  for (const m of mounts) {
    if (m.device === '' || DISK_SKIP_FSTYPES.has(m.fsType.toLowerCase())) continue;
    if (seen.has(m.device)) continue;
    seen.add(m.device);
    out.push(m);
  }
  return out;
}

/** The subset of fs.StatsFs we use. */
export interface StatfsResult {
  readonly blocks: number;
  readonly bfree: number;
  readonly bsize: number;
}

/** `total = blocks × bsize`, `used = (blocks − bfree) × bsize`. */
export function diskBytes(s: StatfsResult): { total: number; used: number } {
  return { total: s.blocks * s.bsize, used: Math.max(0, s.blocks - s.bfree) * s.bsize };
}

/** PRETTY_NAME from /etc/os-release, unquoted; null when absent or empty. */
export function parseOsReleasePrettyName(text: string): string | null {
  for (const line of text.split('\n')) {
    const m = /^\s*PRETTY_NAME\s*=\s*(.*?)\s*$/.exec(line);
    if (m?.[1] === undefined) continue;
    let v = m[1];
    const q = v[0];
    if ((q === '"' || q === "'") && v.length >= 2 && v.endsWith(q)) {
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    }
    return v === '' ? null : v;
  }
  return null;
}

export function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

export function bytesToGiB1(bytes: number): number {
  return round1(bytes / GIB);
}

/** Injected I/O so unit tests can feed fixture strings. */
export interface HostIo {
  readText(file: string): Promise<string>;
  statfs(mountPoint: string): Promise<StatfsResult>;
}

export interface HostMetricsOptions {
  /** Where /proc lives (default `/proc`). */
  procRoot?: string;
  /** Where /etc lives (default `/etc`). */
  etcRoot?: string;
  io?: Partial<HostIo>;
  /** os facts, injectable for tests. */
  osInfo?: Partial<OsInfo>;
  /** Monotonic ms (default `performance.now`): the age of the cached disk figures. */
  monotonic?: () => number;
}

export interface OsInfo {
  type(): string;
  release(): string;
  cpuCount(): number;
  totalmem(): number;
}

/** The shared host metrics plus the raw `used` memory bytes, for the orchestrator usage ring (§10.3 IMPROVE). */
export type HostMetrics = SharedHostMetrics & { memoryUsedBytes: number };

/** One host reading: the metrics plus the raw CPU counters the per-container CPU % needs. */
export interface HostReading {
  metrics: HostMetrics;
  /** Aggregate /proc/stat jiffies (guest excluded), or null if /proc/stat could not be read. */
  cpuTotalJiffies: number | null;
  onlineCpus: number;
  /** False when /proc/meminfo could not be read (memory fields are then 0). */
  memoryOk: boolean;
}

/** Static host facts for get_consumption_orchestrator (§4.9). */
export interface HostFacts {
  /** Total RAM, integer MiB. */
  memory: number;
  /** Logical CPU count. */
  cpu: number;
  os: string;
  kernel: string;
  /** Sum of disk totals, integer GiB (truncated). */
  disk: number;
}

const defaultOsInfo: OsInfo = {
  type: () => os.type(),
  release: () => os.release(),
  cpuCount: () => os.cpus().length,
  totalmem: () => os.totalmem(),
};

const defaultStatfs = (mountPoint: string): Promise<StatfsResult> => fsp.statfs(mountPoint);

/** Reads host metrics. The CPU baseline is primed at construction; totals are cached after the first read. */
export class HostMetricsReader {
  private readonly procRoot: string;
  private readonly etcRoot: string;
  private readonly io: HostIo;
  private readonly osInfo: OsInfo;
  private prevCpu: CpuTimes | null = null;
  private prime: Promise<ProcStat | null> | null;
  private memTotalGiB: number | null = null;
  private diskTotalGiB: number | null = null;
  private onlineCpus: number;
  /** Keeps /proc files open between samples unless a reader was injected. */
  private readonly pool: PreadFilePool | null;
  private readonly monotonic: () => number;
  /** The last disk reading `read()` made, and when. */
  private disk: { used: number; total: number; at: number } | null = null;

  constructor(options: HostMetricsOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    this.etcRoot = options.etcRoot ?? '/etc';
    const injected = options.io?.readText;
    const pool = injected === undefined ? new PreadFilePool() : null;
    this.pool = pool;
    this.io = {
      readText: injected ?? ((file) => (pool as PreadFilePool).read(file)),
      statfs: options.io?.statfs ?? defaultStatfs,
    };
    this.osInfo = { ...defaultOsInfo, ...options.osInfo };
    this.monotonic = options.monotonic ?? (() => performance.now());
    this.onlineCpus = Math.max(1, this.osInfo.cpuCount());
    this.prime = this.readProcStat().catch(() => null);
  }

  /** Read /proc/stat once (pure parse of the injected file). */
  async readProcStat(): Promise<ProcStat | null> {
    return parseProcStat(await this.io.readText(path.join(this.procRoot, 'stat')));
  }

  /** CPU % since the previous call (or since construction for the first call). */
  async readCpu(): Promise<{ percent: number; stat: ProcStat | null }> {
    if (this.prime !== null) {
      const primed = await this.prime;
      this.prime = null;
      if (primed !== null) this.prevCpu = primed.aggregate;
    }
    const stat = await this.readProcStat();
    if (stat === null) return { percent: 0, stat: null };
    this.onlineCpus = stat.onlineCpus;
    const percent = this.prevCpu === null ? 0 : hostCpuPercent(this.prevCpu, stat.aggregate);
    this.prevCpu = stat.aggregate;
    return { percent, stat };
  }

  async readMemory(): Promise<{ usedBytes: number; usedGiB: number; totalGiB: number }> {
    const info = parseMeminfo(await this.io.readText(path.join(this.procRoot, 'meminfo')));
    const usedBytes = memoryUsedBytes(info);
    this.memTotalGiB ??= bytesToGiB1(info.memTotal);
    return { usedBytes, usedGiB: bytesToGiB1(usedBytes), totalGiB: this.memTotalGiB };
  }

  /** Sum of used/total bytes over the counted mounts; mounts failing statfs are ignored. */
  async readDiskBytes(): Promise<{ used: number; total: number }> {
    const mounts = selectDiskMounts(parseMounts(await this.io.readText(path.join(this.procRoot, 'self', 'mounts'))));
    const results = await Promise.all(
      mounts.map(async (m) => {
        try {
          return diskBytes(await this.io.statfs(m.mountPoint));
        } catch {
          return null;
        }
      }),
    );
    let used = 0;
    let total = 0;
    for (const r of results) {
      if (r === null) continue;
      used += r.used;
      total += r.total;
    }
    return { used, total };
  }

  /** The disk figures, read again once `DISK_REFRESH_MS` old; a failed read is retried at the next call. */
  private async recentDiskBytes(): Promise<{ used: number; total: number }> {
    const now = this.monotonic();
    if (this.disk !== null && now - this.disk.at < DISK_REFRESH_MS) return this.disk;
    try {
      const d = await this.readDiskBytes();
      this.disk = { ...d, at: now };
      return d;
    } catch {
      return { used: 0, total: 0 };
    }
  }

  /** One full reading. A failing source yields zeros for its fields rather than failing the whole sample. */
  async read(): Promise<HostReading> {
    const [cpu, mem, disk] = await Promise.all([
      this.readCpu().catch(() => ({ percent: 0, stat: null })),
      this.readMemory().catch(() => null),
      this.recentDiskBytes(),
    ]);
    if (this.diskTotalGiB === null && disk.total > 0) this.diskTotalGiB = bytesToGiB1(disk.total);
    return {
      metrics: {
        cpu_usage: cpu.percent,
        memory_usage: mem?.usedGiB ?? 0,
        memory_total: mem?.totalGiB ?? this.memTotalGiB ?? 0,
        disk_usage: bytesToGiB1(disk.used),
        disk_total: this.diskTotalGiB ?? 0,
        memoryUsedBytes: mem?.usedBytes ?? 0,
      },
      cpuTotalJiffies: cpu.stat?.aggregate.total ?? null,
      onlineCpus: cpu.stat?.onlineCpus ?? this.onlineCpus,
      memoryOk: mem !== null,
    };
  }

  /** Static facts for get_consumption_orchestrator; collect once at startup. */
  async readFacts(): Promise<HostFacts> {
    let memBytes = 0;
    try {
      memBytes = parseMeminfo(await this.io.readText(path.join(this.procRoot, 'meminfo'))).memTotal;
    } catch {
      /* fall back to os.totalmem() */
    }
    if (!(memBytes > 0)) memBytes = this.osInfo.totalmem();
    let prettyName: string | null = null;
    const osRelease = path.join(this.etcRoot, 'os-release');
    try {
      prettyName = parseOsReleasePrettyName(await this.io.readText(osRelease));
    } catch {
      /* fall back to "<system> <release>" */
    } finally {
      await this.pool?.close(osRelease);
    }
    const kernel = this.osInfo.release();
    const disk = await this.readDiskBytes().catch(() => ({ used: 0, total: 0 }));
    return {
      memory: Math.trunc(memBytes / MIB),
      cpu: Math.max(1, this.osInfo.cpuCount()),
      os: prettyName ?? `${this.osInfo.type()} ${kernel}`,
      kernel,
      disk: Math.trunc(disk.total / GIB),
    };
  }

  /** Close the /proc files kept open. The reader stays usable (files are reopened on demand). */
  async close(): Promise<void> {
    await this.pool?.closeAll();
  }
}
