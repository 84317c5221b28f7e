import { spawn as nodeSpawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { isSkippedName, type NetmonEvent } from '../../../shared/netmon/events.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';
import { fingerprint, netmonTimestamp, parseMonitorLine, parseSnapshot, toNetInterface, type IfaceState } from './snapshot.js';

const run = promisify(execFile);

/** The part of a child process the monitor uses (a fake in unit tests). */
export type MonitorChild = {
  pid?: number | undefined;
  stdout: Readable | null;
  stderr?: Readable | null;
  kill(signal?: NodeJS.Signals): boolean;
  once(event: 'exit', cb: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
  once(event: 'error', cb: (err: Error) => void): unknown;
};

export type MonitorLog = (level: 'debug' | 'info' | 'warn', msg: string, data?: Record<string, unknown>) => void;

export type MonitorDeps = {
  spawn?: () => MonitorChild;
  /** The `ip` binary the default spawn runs (a stand-in in tests). */
  ipCommand?: string;
  /** Re-reads the kernel's state (`ip -json addr` + `ip -json route`). */
  read?: () => Promise<IfaceState[]>;
  now?: () => number;
  log?: MonitorLog;
  /** Per-interface quiet period before a re-read (the only debounce before re-attachment). */
  debounceMs?: number;
  rediscoveryMs?: number;
  backoff?: { baseMs: number; maxMs: number; resetAfterMs: number };
  /** Extra names to skip besides the ones docs/protocol.md §7 skips. */
  skip?: (name: string) => boolean;
};

export const isWifiIface = (n: string): boolean =>
  /^(wlan|wlp|wlx)/.test(n) || existsSync(`/sys/class/net/${n}/wireless`) || existsSync(`/sys/class/net/${n}/phy80211`);

export async function readKernel(): Promise<IfaceState[]> {
  const [addr, route] = await Promise.all([run('ip', ['-json', 'addr', 'show']), run('ip', ['-json', '-4', 'route', 'show'])]);
  return parseSnapshot(addr.stdout, route.stdout, isWifiIface);
}

/**
 * The safety re-read when no netlink line came. Changes arrive as `ip monitor` lines (and a dead child means a full
 * re-read), so this only catches a line the kernel dropped; each re-read forks two `ip` processes.
 */
export const REDISCOVERY_MS = 5 * 60_000;

/**
 * The netlink receive buffer asked of `ip monitor` (`-rc`; iproute2's own default is 1 MiB): a burst of changes (many
 * vPLCs' MACVLAN links at once) that overflows it loses events, which `ip` reports on stderr.
 */
export const MONITOR_RCVBUF_BYTES = 4 * 1024 * 1024;

const spawnIpMonitor = (ip: string): MonitorChild =>
  nodeSpawn(ip, ['-rc', String(MONITOR_RCVBUF_BYTES), '-o', 'monitor', 'address', 'route', 'link'], { stdio: ['ignore', 'pipe', 'pipe'] });

/** `ip monitor`'s report of a netlink overflow (ENOBUFS): the kernel dropped events, so everything is read again. */
export const isOverflowLine = (line: string): boolean => /netlink receive error|No buffer space/i.test(line);

/** What consumers were last told of an interface; `addrs` are its IPv4 `address/prefixlen`s then. */
type Sent = { fp: string; up: boolean; addrs: readonly string[] };

const cidrsOf = (s: IfaceState): string[] => s.addresses.map((a) => `${a.address}/${a.prefixlen}`);

/**
 * The built-in network monitor (docs/architecture.md decision 6): `ip -o monitor` lines mark interfaces dirty, a 3 s quiet
 * timer per interface triggers an `ip -json` re-read, and only differences are emitted (docs/protocol.md §7.2 shapes).
 *
 * INVARIANTS
 * - Owns one `ip monitor` child at a time; when it dies it is respawned with backoff and a full re-read follows, as
 *   one does when it reports a netlink overflow on stderr (events were lost).
 * - One timer per dirty interface, one rediscovery interval, one restart timer; `stop()` clears all and kills the child.
 * - Re-reads run one at a time; `sent` is what consumers were last told, so nothing is emitted twice or missed.
 * - A listener that throws never stops the monitor.
 */
export class BuiltinMonitor {
  private readonly events = new TypedEmitter<{ event: [NetmonEvent]; settling: [string] }>((err) => this.log('warn', 'netmon listener failed', { err: (err as Error).message }));
  /** When each interface last announced a pending address change (`onSettling`), for the once-per-debounce limit. */
  private readonly settlingSince = new Map<string, number>();
  private readonly sent = new Map<string, Sent>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private child: MonitorChild | null = null;
  private childStartedAt = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private rediscovery: NodeJS.Timeout | null = null;
  /** Kernel re-reads done so far (tests and diagnostics). */
  rereads = 0;
  private failures = 0;
  private reads: Promise<void> = Promise.resolve();
  private discovered = false;
  /** A full re-read asked for by an overflow is queued and has not started: further overflow lines add nothing. */
  private resyncQueued = false;
  private stopped = true;
  /** How many times the child has been (re)spawned; tests and diagnostics read it. */
  spawns = 0;

  private readonly spawnChild: () => MonitorChild;
  private readonly read: () => Promise<IfaceState[]>;
  private readonly now: () => number;
  private readonly log: MonitorLog;
  private readonly debounceMs: number;
  private readonly rediscoveryMs: number;
  private readonly backoff: { baseMs: number; maxMs: number; resetAfterMs: number };
  private readonly skip: (name: string) => boolean;

  constructor(deps: MonitorDeps = {}) {
    const ip = deps.ipCommand ?? 'ip';
    this.spawnChild = deps.spawn ?? (() => spawnIpMonitor(ip));
    this.read = deps.read ?? readKernel;
    this.now = deps.now ?? Date.now;
    this.log = deps.log ?? (() => undefined);
    this.debounceMs = deps.debounceMs ?? 3_000;
    this.rediscoveryMs = deps.rediscoveryMs ?? REDISCOVERY_MS;
    this.backoff = deps.backoff ?? { baseMs: 100, maxMs: 5_000, resetAfterMs: 60_000 };
    const extra = deps.skip ?? (() => false);
    this.skip = (n) => isSkippedName(n) || extra(n);
  }

  on(cb: (e: NetmonEvent) => void): () => void {
    return this.events.on('event', cb);
  }

  /**
   * An interface's IPv4 addresses just changed and its `network_change` follows once it is quiet: an internal hint, not
   * a netmon event, so the orchestrator can get ready for a move while the debounce runs (docs/decisions.md "Debounce").
   * At most once per debounce period per interface; a lifetime refresh of an address already reported is no change.
   */
  onSettling(cb: (iface: string) => void): () => void {
    return this.events.on('settling', cb);
  }

  get childPid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.spawnMonitor();
    this.queueRead(null);
    this.rediscovery = setInterval(() => this.queueRead(null), this.rediscoveryMs);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.rediscovery) clearInterval(this.rediscovery);
    this.restartTimer = this.rediscovery = null;
    const c = this.child;
    this.child = null;
    c?.kill('SIGTERM');
  }

  /** Resolves once the queued re-reads are done (tests). */
  idle(): Promise<void> {
    return this.reads;
  }

  private emit(e: NetmonEvent): void {
    this.events.emit('event', e);
  }

  private spawnMonitor(): void {
    let child: MonitorChild;
    try {
      child = this.spawnChild();
    } catch (err) {
      this.log('warn', 'ip monitor could not be started', { err: (err as Error).message });
      this.scheduleRestart();
      return;
    }
    this.spawns++;
    this.child = child;
    this.childStartedAt = this.now();
    let ended = false;
    const onEnd = (why: string): void => {
      if (ended) return;
      ended = true;
      if (this.child !== child) return;
      this.child = null;
      if (this.stopped) return;
      this.log('warn', 'ip monitor ended; restarting', { why });
      this.scheduleRestart();
    };
    child.once('exit', (code, signal) => onEnd(`exit ${code ?? signal ?? ''}`));
    child.once('error', (err) => onEnd(err.message));
    if (child.stdout) {
      const rl = createInterface({ input: child.stdout });
      rl.on('line', (line) => {
        if (this.child === child) this.onLine(line);
      });
    }
    if (child.stderr) {
      const rl = createInterface({ input: child.stderr });
      rl.on('line', (line) => {
        if (this.child === child) this.onStderr(line);
      });
    }
  }

  private onStderr(line: string): void {
    if (!isOverflowLine(line)) {
      this.log('debug', 'ip monitor said', { line });
      return;
    }
    if (this.resyncQueued || this.stopped) return;
    this.resyncQueued = true;
    this.log('warn', 'ip monitor lost netlink events (receive buffer overflow); reading all interfaces again', { line });
    this.queueRead(null);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    if (this.now() - this.childStartedAt >= this.backoff.resetAfterMs) this.failures = 0;
    const delay = Math.min(this.backoff.baseMs * 2 ** this.failures, this.backoff.maxMs);
    this.failures++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopped) return;
      this.spawnMonitor();
      // Whatever changed while no monitor was listening.
      this.queueRead(null);
    }, delay);
  }

  private onLine(line: string): void {
    const m = parseMonitorLine(line);
    if (!m) return;
    if (m.kind === 'route' && m.name === null) {
      for (const name of this.sent.keys()) this.markDirty(name);
      return;
    }
    const name = m.name as string;
    if (this.skip(name)) return;
    if (m.kind === 'link' && (m.deleted || m.down)) this.goneNow(name, m.deleted ? 'removed' : 'down');
    if (m.kind === 'addr' && m.ipv4 !== null && this.changesAddresses(name, m.ipv4, m.deleted)) this.announceSettling(name);
    this.markDirty(name);
  }

  private changesAddresses(name: string, cidr: string, deleted: boolean): boolean {
    const prev = this.sent.get(name);
    if (!prev) return false;
    // A down interface losing its address moves nothing: only what it has when it is up again can.
    if (deleted) return prev.up && prev.addrs.includes(cidr);
    return !prev.addrs.includes(cidr);
  }

  private announceSettling(name: string): void {
    const now = this.now();
    const since = this.settlingSince.get(name);
    if (since !== undefined && now - since < this.debounceMs) return;
    this.settlingSince.set(name, now);
    this.events.emit('settling', name);
  }

  /** Link down and removal skip the quiet timer (docs/protocol.md §7.2 short form). */
  private goneNow(name: string, status: 'down' | 'removed'): void {
    const prev = this.sent.get(name);
    if (status === 'removed') {
      if (!prev) return;
      this.sent.delete(name);
    } else {
      if (!prev?.up) return;
      // The addresses stay: one the kernel drops on carrier loss and gives back unchanged is no address change.
      this.sent.set(name, { fp: '', up: false, addrs: prev.addrs });
    }
    this.emit({ type: 'network_change', data: { interface: name, ipv4_addresses: [], status } });
  }

  private markDirty(name: string): void {
    const t = this.timers.get(name);
    if (t) clearTimeout(t);
    this.timers.set(
      name,
      setTimeout(() => {
        this.timers.delete(name);
        this.queueRead([name]);
      }, this.debounceMs),
    );
  }

  /** `names === null`: a full re-read (start, restart, rediscovery) that emits whatever differs. */
  private queueRead(names: string[] | null): void {
    this.reads = this.reads.then(() => this.reread(names)).catch((err: unknown) => {
      this.log('warn', 'interface re-read failed', { err: (err as Error).message });
      if (names) setTimeout(() => !this.stopped && names.forEach((n) => this.markDirty(n)), this.debounceMs).unref?.();
    });
  }

  private async reread(names: string[] | null): Promise<void> {
    if (this.stopped) return;
    if (names === null) this.resyncQueued = false;
    this.rereads++;
    const states = (await this.read()).filter((s) => !this.skip(s.name));
    if (this.stopped) return;
    const ts = netmonTimestamp(this.now());
    if (!this.discovered) {
      this.discovered = true;
      for (const s of states) this.sent.set(s.name, { fp: s.up ? fingerprint(s) : '', up: s.up, addrs: s.up ? cidrsOf(s) : [] });
      const interfaces = states.filter((s) => s.up).map((s) => toNetInterface(s, ts));
      this.emit({ type: 'network_discovery', data: { interfaces, timestamp: ts } });
      return;
    }
    const byName = new Map(states.map((s) => [s.name, s]));
    // A full re-read leaves interfaces with a pending debounce alone: they are still settling, and their own timer
    // reads them once quiet (one debounce between a kernel event and re-attachment, docs/decisions.md "Debounce").
    const targets = names ?? [...new Set([...this.sent.keys(), ...byName.keys()])].filter((n) => !this.timers.has(n));
    for (const name of targets) {
      const s = byName.get(name);
      if (!s) {
        this.goneNow(name, 'removed');
        continue;
      }
      if (!s.up) {
        if (!this.sent.has(name)) this.sent.set(name, { fp: '', up: false, addrs: [] });
        else this.goneNow(name, 'down');
        continue;
      }
      const fp = fingerprint(s);
      const prev = this.sent.get(name);
      if (prev?.up && prev.fp === fp) continue;
      this.sent.set(name, { fp, up: true, addrs: cidrsOf(s) });
      this.emit({ type: 'network_change', data: toNetInterface(s, ts) });
    }
  }
}
