/**
 * Per-container CPU and memory read straight from cgroup files, v1 and v2 (docs/protocol.md §10.2; docs/architecture.md decision 7).
 * The cgroup directory is resolved once per (container id, pid) from /proc/<pid>/cgroup and /proc/self/mountinfo,
 * so a sample is a few small file reads.
 */
import * as path from 'node:path';
import { mapLimit, withTimeout } from './async.js';
import { PreadFilePool } from './files.js';
import { unescapeMountField } from './host.js';

/** USER_HZ; 100 on every Linux ABI Node supports. */
export const CLK_TCK = 100;
export const DEFAULT_CONTAINER_TIMEOUT_MS = 2000;
export const DEFAULT_CONCURRENCY = 8;

export interface ProcCgroupLine {
  readonly hierarchyId: number;
  /** Controllers of a v1 hierarchy (e.g. `['cpu', 'cpuacct']`, `['name=systemd']`); empty for the v2 line. */
  readonly controllers: readonly string[];
  readonly path: string;
}

/** Parse /proc/<pid>/cgroup (`id:controllers:path` per line). */
export function parseProcCgroup(text: string): ProcCgroupLine[] {
  const out: ProcCgroupLine[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    if (first < 0 || second < 0) continue;
    const hierarchyId = Number(line.slice(0, first));
    if (!Number.isInteger(hierarchyId)) continue;
    const ctl = line.slice(first + 1, second);
    out.push({ hierarchyId, controllers: ctl === '' ? [] : ctl.split(','), path: line.slice(second + 1) });
  }
  return out;
}

export interface MountinfoEntry {
  /** Root of the mount within its filesystem (for cgroups: the hierarchy path mounted here). */
  readonly root: string;
  readonly mountPoint: string;
  readonly fsType: string;
  readonly superOptions: readonly string[];
}

/** Parse /proc/<pid>/mountinfo. Only the fields we need; escapes decoded. */
export function parseMountinfo(text: string): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    const root = left[3];
    const mountPoint = left[4];
    const fsType = right[0];
    if (root === undefined || mountPoint === undefined || fsType === undefined) continue;
    out.push({
      root: unescapeMountField(root),
      mountPoint: unescapeMountField(mountPoint),
      fsType,
      superOptions: (right[2] ?? '').split(','),
    });
  }
  return out;
}

export type CgroupFiles =
  | { readonly version: 2; readonly dir: string; readonly cpuStat: string; readonly memoryCurrent: string; readonly memoryStat: string }
  | {
      readonly version: 1;
      readonly cpuDir: string;
      readonly memoryDir: string;
      readonly cpuacctUsage: string;
      readonly memoryUsage: string;
      readonly memoryStat: string;
    };

/** Map a cgroup path onto a mount of its hierarchy: strip the mount's root, join with the mount point. */
function mapOntoMount(cgPath: string, mount: MountinfoEntry): string {
  const root = mount.root.replace(/\/+$/, '');
  const rel = root !== '' && rootContains(root, cgPath) ? cgPath.slice(root.length) : cgPath;
  return path.join(mount.mountPoint, rel);
}

function rootContains(root: string, cgPath: string): boolean {
  const r = root.replace(/\/+$/, '');
  return r === '' || cgPath === r || cgPath.startsWith(`${r}/`);
}

/** Among mounts matching `pred`, the one whose root contains the cgroup path most specifically; else the first. */
function pickMount(mounts: readonly MountinfoEntry[], cgPath: string, pred: (m: MountinfoEntry) => boolean): MountinfoEntry | undefined {
  const candidates = mounts.filter(pred);
  const containing = candidates.filter((m) => rootContains(m.root, cgPath)).sort((a, b) => b.root.length - a.root.length);
  return containing[0] ?? candidates[0];
}

/**
 * Resolve the files to read for one process. v1 is preferred when both its `cpuacct` and `memory` hierarchies are
 * mounted (hybrid hosts also carry a controller-less `0::` line); otherwise the v2 (`0::`) line is used.
 */
export function resolveCgroupFiles(procCgroup: readonly ProcCgroupLine[], mounts: readonly MountinfoEntry[]): CgroupFiles | null {
  const v1Line = (ctl: string): ProcCgroupLine | undefined => procCgroup.find((l) => l.hierarchyId !== 0 && l.controllers.includes(ctl));
  const cpuLine = v1Line('cpuacct');
  const memLine = v1Line('memory');
  if (cpuLine !== undefined && memLine !== undefined) {
    const v1Mount = (ctl: string) => (m: MountinfoEntry): boolean => m.fsType === 'cgroup' && m.superOptions.includes(ctl);
    const cpuMount = pickMount(mounts, cpuLine.path, v1Mount('cpuacct'));
    const memMount = pickMount(mounts, memLine.path, v1Mount('memory'));
    if (cpuMount !== undefined && memMount !== undefined) {
      const cpuDir = mapOntoMount(cpuLine.path, cpuMount);
      const memoryDir = mapOntoMount(memLine.path, memMount);
      return {
        version: 1,
        cpuDir,
        memoryDir,
        cpuacctUsage: path.join(cpuDir, 'cpuacct.usage'),
        memoryUsage: path.join(memoryDir, 'memory.usage_in_bytes'),
        memoryStat: path.join(memoryDir, 'memory.stat'),
      };
    }
  }
  const v2Line = procCgroup.find((l) => l.hierarchyId === 0 && l.controllers.length === 0);
  if (v2Line === undefined) return null;
  const v2Mount = pickMount(mounts, v2Line.path, (m) => m.fsType === 'cgroup2');
  if (v2Mount === undefined) return null;
  const dir = mapOntoMount(v2Line.path, v2Mount);
  return {
    version: 2,
    dir,
    cpuStat: path.join(dir, 'cpu.stat'),
    memoryCurrent: path.join(dir, 'memory.current'),
    memoryStat: path.join(dir, 'memory.stat'),
  };
}

function filesOf(f: CgroupFiles): string[] {
  return f.version === 2 ? [f.cpuStat, f.memoryCurrent, f.memoryStat] : [f.cpuacctUsage, f.memoryUsage, f.memoryStat];
}

/** Value of `key` in a flat-keyed file such as memory.stat or cpu.stat; null when absent. */
export function parseKeyedValue(text: string, key: string): number | null {
  // Searched in place rather than split into lines: memory.stat has dozens of lines and is read for every vPLC at
  // every sample, and only one value of it is wanted.
  let from = 0;
  for (;;) {
    const at = text.indexOf(key, from);
    if (at < 0) return null;
    from = at + key.length;
    const lineStart = at === 0 || text[at - 1] === '\n' || isBlank(text, lineStartOf(text, at), at);
    const next = text[from];
    if (!lineStart || (next !== ' ' && next !== '\t')) continue;
    let end = text.indexOf('\n', from);
    if (end < 0) end = text.length;
    const value = text.slice(from, end).trim().split(/\s+/)[0];
    if (value === undefined || value === '') continue;
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
}

function lineStartOf(text: string, at: number): number {
  return text.lastIndexOf('\n', at - 1) + 1;
}

/** Only spaces or tabs between `from` and `to` (a key indented on its line). */
function isBlank(text: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (text[i] !== ' ' && text[i] !== '\t') return false;
  return true;
}

/** A single integer file such as cpuacct.usage or memory.current. */
export function parseSingleNumber(text: string): number | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return null;
  return Number(t);
}

/** Container memory as `docker stats` shows it: usage minus inactive file cache, never below 0. */
export function workingSetBytes(usage: number, inactiveFile: number | null): number {
  return Math.max(0, usage - (inactiveFile ?? 0));
}

export function jiffiesToNs(jiffies: number, clkTck: number = CLK_TCK): number {
  return (jiffies * 1e9) / clkTck;
}

/** `(Δcontainer_ns / Δhost_ns) × online_cpus × 100`; 0 unless both deltas are > 0. */
export function containerCpuPercent(dContainerNs: number, dHostNs: number, onlineCpus: number): number {
  if (!(dContainerNs > 0) || !(dHostNs > 0)) return 0;
  return (dContainerNs / dHostNs) * Math.max(1, onlineCpus) * 100;
}

/** Raw counters of one container. */
export interface CgroupUsage {
  readonly version: 1 | 2;
  /** Cumulative CPU time, ns. */
  readonly cpuNs: number;
  /** Usage minus inactive file, bytes. */
  readonly memoryBytes: number;
}

export interface CgroupTarget {
  readonly name: string;
  readonly containerId: string;
  readonly pid: number;
}

export interface ContainerSample {
  readonly name: string;
  readonly containerId: string;
  /** CPU %, 100 = one full CPU; null for the first sample after a (re)start (no previous counters). */
  readonly cpuPercent: number | null;
  readonly memoryBytes: number;
}

/** Host CPU counters taken at (about) the same moment as the container reads. */
export interface HostCpuCounters {
  /** Aggregate /proc/stat jiffies (guest excluded). */
  readonly totalJiffies: number;
  readonly onlineCpus: number;
}

export interface CgroupReaderOptions {
  procRoot?: string;
  /** File reader (tests); default: a {@link PreadFilePool} that keeps cgroup files open between samples. */
  readText?: (file: string) => Promise<string>;
  timeoutMs?: number;
  concurrency?: number;
  clkTck?: number;
}

interface PrevCounters {
  readonly cpuNs: number;
  readonly hostNs: number;
}

/** Reads container usage from cgroup files, caching resolved directories and previous counters per container. */
export class CgroupReader {
  private readonly procRoot: string;
  private readonly readText: (file: string) => Promise<string>;
  private readonly timeoutMs: number;
  private readonly concurrency: number;
  private readonly clkTck: number;
  private readonly files = new Map<string, CgroupFiles>();
  private readonly prev = new Map<string, PrevCounters>();
  private readonly pool: PreadFilePool | null;

  constructor(options: CgroupReaderOptions = {}) {
    this.procRoot = options.procRoot ?? '/proc';
    const pool = options.readText === undefined ? new PreadFilePool() : null;
    this.pool = pool;
    this.readText = options.readText ?? ((file) => (pool as PreadFilePool).read(file));
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CONTAINER_TIMEOUT_MS;
    this.concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    this.clkTck = options.clkTck ?? CLK_TCK;
  }

  private static key(t: Pick<CgroupTarget, 'containerId' | 'pid'>): string {
    return `${t.containerId}@${t.pid}`;
  }

  /** Resolve (and cache) the cgroup files of a container's init process. */
  async resolve(target: Pick<CgroupTarget, 'containerId' | 'pid'>): Promise<CgroupFiles> {
    const key = CgroupReader.key(target);
    const cached = this.files.get(key);
    if (cached !== undefined) return cached;
    if (!Number.isInteger(target.pid) || target.pid <= 0) throw new Error(`container ${target.containerId} has no running pid`);
    const procFiles = [path.join(this.procRoot, String(target.pid), 'cgroup'), path.join(this.procRoot, 'self', 'mountinfo')];
    let texts: string[];
    try {
      texts = await Promise.all(procFiles.map((f) => this.readText(f)));
    } finally {
      // Read once per container start: do not keep these open.
      await this.pool?.closeWhere((f) => procFiles.includes(f));
    }
    const [procCgroup = '', mountinfo = ''] = texts;
    const files = resolveCgroupFiles(parseProcCgroup(procCgroup), parseMountinfo(mountinfo));
    if (files === null) throw new Error(`no usable cgroup hierarchy for pid ${target.pid}`);
    this.files.set(key, files);
    return files;
  }

  /** Current raw counters of one container. */
  async readUsage(target: Pick<CgroupTarget, 'containerId' | 'pid'>): Promise<CgroupUsage> {
    const files = await this.resolve(target);
    if (files.version === 2) {
      const [cpuStat, current, memStat] = await Promise.all([
        this.readText(files.cpuStat),
        this.readText(files.memoryCurrent),
        this.readText(files.memoryStat),
      ]);
      const usec = parseKeyedValue(cpuStat, 'usage_usec');
      const usage = parseSingleNumber(current);
      if (usec === null || usage === null) throw new Error(`unreadable cgroup v2 counters in ${files.dir}`);
      return { version: 2, cpuNs: usec * 1000, memoryBytes: workingSetBytes(usage, parseKeyedValue(memStat, 'inactive_file')) };
    }
    const [cpuacct, usageText, memStat] = await Promise.all([
      this.readText(files.cpuacctUsage),
      this.readText(files.memoryUsage),
      this.readText(files.memoryStat),
    ]);
    const cpuNs = parseSingleNumber(cpuacct);
    const usage = parseSingleNumber(usageText);
    if (cpuNs === null || usage === null) throw new Error(`unreadable cgroup v1 counters in ${files.cpuDir}`);
    return { version: 1, cpuNs, memoryBytes: workingSetBytes(usage, parseKeyedValue(memStat, 'total_inactive_file')) };
  }

  /**
   * Sample one container against the given host counters, computing CPU % from this reader's previous sample.
   * Throws on failure (including the timeout); the cached directory is dropped so the next call re-resolves.
   */
  async sample(target: CgroupTarget, host: HostCpuCounters | null): Promise<ContainerSample> {
    const key = CgroupReader.key(target);
    let usage: CgroupUsage;
    try {
      usage = await withTimeout(this.readUsage(target), this.timeoutMs, `cgroup sample of ${target.name}`);
    } catch (e) {
      this.dropKeys([key]);
      throw e;
    }
    let cpuPercent: number | null = null;
    if (host !== null) {
      const hostNs = jiffiesToNs(host.totalJiffies, this.clkTck);
      const before = this.prev.get(key);
      if (before !== undefined) cpuPercent = containerCpuPercent(usage.cpuNs - before.cpuNs, hostNs - before.hostNs, host.onlineCpus);
      this.prev.set(key, { cpuNs: usage.cpuNs, hostNs });
    }
    return { name: target.name, containerId: target.containerId, cpuPercent, memoryBytes: usage.memoryBytes };
  }

  /**
   * Sample many containers with bounded concurrency. Failed containers are left out (and reported via `onError`);
   * cache entries of containers no longer listed are dropped.
   */
  async sampleMany(
    targets: readonly CgroupTarget[],
    host: HostCpuCounters | null,
    onError?: (target: CgroupTarget, error: Error) => void,
  ): Promise<ContainerSample[]> {
    this.retain(targets);
    const results = await mapLimit(targets, this.concurrency, async (t) => {
      try {
        return await this.sample(t, host);
      } catch (e) {
        onError?.(t, e instanceof Error ? e : new Error(String(e)));
        return null;
      }
    });
    return results.filter((r): r is ContainerSample => r !== null);
  }

  /** Drop cached state (and open files) of every container not in `targets`. */
  retain(targets: readonly Pick<CgroupTarget, 'containerId' | 'pid'>[]): void {
    const keep = new Set(targets.map((t) => CgroupReader.key(t)));
    this.dropKeys([...new Set([...this.files.keys(), ...this.prev.keys()])].filter((k) => !keep.has(k)));
  }

  /** Drop cached state of one container (e.g. on stop or delete). */
  forget(containerId: string): void {
    const prefix = `${containerId}@`;
    this.dropKeys([...new Set([...this.files.keys(), ...this.prev.keys()])].filter((k) => k.startsWith(prefix)));
  }

  /** Close every file kept open. The reader stays usable (files are reopened on demand). */
  async close(): Promise<void> {
    this.files.clear();
    this.prev.clear();
    await this.pool?.closeAll();
  }

  private dropKeys(keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const k of keys) {
      this.files.delete(k);
      this.prev.delete(k);
    }
    if (this.pool === null) return;
    const inUse = new Set([...this.files.values()].flatMap(filesOf));
    void this.pool.closeWhere((f) => !inUse.has(f) && !f.startsWith(this.procRoot + path.sep));
  }

  /** Number of cached directory resolutions (for tests). */
  get cachedCount(): number {
    return this.files.size;
  }

  /** Number of cgroup files kept open (0 with an injected reader). */
  get openFileCount(): number {
    return this.pool?.openCount ?? 0;
  }
}
