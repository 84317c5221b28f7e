import type { PlcConnection, PlcHistoryPoint, PlcStatusWord, PlcTaskView, PlcView } from '../../../../shared/domain/plc.js';
import type { Clock } from '../../../lib/time/clock.js';
import type { Logger, VplcEvent } from '../context.js';
import { decideChange, type ChangeDecision } from './change-rule.js';
import { historyCapacity, PlcHistory } from './history.js';
import type { PlcMonitorApi, PlcSessions } from './types.js';
import { connectionOf, errorText, programLoaded, taskView } from './view.js';

export type PlcTimers = {
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
};

const realTimers: PlcTimers = {
  setInterval: (fn, ms) => setInterval(fn, ms).unref(),
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export type PlcMonitorDeps = {
  sessions: PlcSessions;
  clock: Clock;
  /** One round over every running vPLC with credentials this often (docs/plc.md "Polling"). */
  pollMs: number;
  /** A fault (`STATUS:ERROR`) longer than this asks for one container restart; 0: never. */
  faultRestartAfterMs: number;
  /** The vPLCs the agent manages (desired records not being deleted). */
  names(): string[];
  /** The names of the vPLCs whose containers run now (one Docker list call). */
  listRunning(): Promise<string[]>;
  /** false when the vPLC runs without the real-time ulimits; null when unknown. */
  realtime(name: string): boolean | null;
  policy(name: string): { changePolicy: 'confirm' | 'immediate' | undefined; plcAware: boolean };
  emit(e: VplcEvent): void;
  /**
   * Told when a poll got an answer from the vPLC's runtime (true) or could not reach it (false); a poll that failed
   * otherwise tells nothing (its runtime-answer fact, docs/status.md "Runtime answers").
   */
  answered?: (name: string, answered: boolean) => void;
  log: Logger;
  timers?: PlcTimers;
};

type Entry = {
  connection: PlcConnection;
  status: PlcStatusWord | null;
  tasks: PlcTaskView[];
  error: string | null;
  /** Wall ms of the last answer. */
  checkedAt: number | null;
  /** Monotonic ms of the last status read (for the change rule's freshness). */
  readAt: number | null;
  /** The first ERROR of the current run of them: wall ms for the view, monotonic ms for its length. */
  fault: { wall: number; mono: number; restartAsked: boolean } | null;
  running: boolean;
  inFlight: Promise<void> | null;
};

export type LongFaultListener = (name: string, since: string) => void;

const freshEntry = (): Entry => ({ connection: 'connecting', status: null, tasks: [], error: null, checkedAt: null, readAt: null, fault: null, running: true, inFlight: null });

/**
 * Polls the runtimes of the running vPLCs that have credentials, keeps their PLC view and scan-cycle history, tells
 * state changes as vPLC events, and decides the PLC-aware change rule (docs/plc.md "Polling",
 * "Changes only when the PLC allows").
 *
 * INVARIANTS
 * - Without any credentials there is no timer and no per-vPLC state: the idle cost is zero.
 * - At most one poll per vPLC is in flight; a round does not start while the last one runs.
 * - Never throws out of a timer, an event or a public method.
 */
export class PlcMonitor implements PlcMonitorApi {
  private readonly entries = new Map<string, Entry>();
  private readonly points: PlcHistory;
  private readonly timers: PlcTimers;
  private readonly longFault = new Set<LongFaultListener>();
  private timer: unknown = null;
  private round: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly d: PlcMonitorDeps) {
    this.points = new PlcHistory(historyCapacity(d.pollMs));
    this.timers = d.timers ?? realTimers;
    d.sessions.onCredentialsChanged((name) => this.credentialsChanged(name));
  }

  /** Starts polling when some vPLC has credentials (and whenever one gets them later). */
  start(): void {
    this.stopped = false;
    this.arm();
    if (this.timer !== null) void this.runRound();
  }

  stop(): void {
    this.stopped = true;
    this.disarm();
  }

  /** Called with the vPLC and the ISO start of a fault that lasted longer than `faultRestartAfterMs`, once per fault. */
  onLongFault(listener: LongFaultListener): () => void {
    this.longFault.add(listener);
    return () => this.longFault.delete(listener);
  }

  // Events ---------------------------------------------------------------------------------------------------------

  /** The vPLC's container started: poll it at once (its runtime may need a few seconds; the next round retries). */
  containerStarted(name: string): void {
    if (!this.d.sessions.hasCredentials(name)) return;
    const e = this.entries.get(name);
    if (e) e.running = true;
    void this.refresh(name);
  }

  /** The vPLC's container stopped: nothing to poll until it starts again. */
  containerStopped(name: string): void {
    const e = this.entries.get(name);
    if (!e) return;
    Object.assign(e, { running: false, connection: 'unreachable', status: null, tasks: [], fault: null, error: 'the vPLC is not running' });
  }

  /** The vPLC was deleted: its view and history go. */
  forget(name: string): void {
    this.entries.delete(name);
    this.points.forget(name);
  }

  private credentialsChanged(name: string): void {
    try {
      this.entries.delete(name);
      if (this.d.sessions.hasCredentials(name)) {
        this.arm();
        void this.refresh(name);
      }
      // No detail: the UI refreshes; the journal has the user's action itself.
      this.d.emit({ kind: 'changed', name, reason: 'plc-state' });
    } catch (err) {
      this.d.log.warn('PLC monitor: credentials change not handled', { vplc: name, err: errorText(err) });
    }
  }

  // Polling --------------------------------------------------------------------------------------------------------

  private withCredentials(): string[] {
    return this.d.names().filter((n) => this.d.sessions.hasCredentials(n));
  }

  private arm(): void {
    if (this.stopped || this.timer !== null || this.withCredentials().length === 0) return;
    this.timer = this.timers.setInterval(() => void this.runRound(), this.d.pollMs);
  }

  private disarm(): void {
    if (this.timer === null) return;
    this.timers.clearInterval(this.timer);
    this.timer = null;
  }

  /** One round: every running vPLC with credentials, in parallel; resolves when all its polls ended. */
  runRound(): Promise<void> {
    this.round ??= this.doRound().finally(() => (this.round = null));
    return this.round;
  }

  private async doRound(): Promise<void> {
    const names = this.withCredentials();
    for (const n of this.entries.keys()) if (!names.includes(n)) this.entries.delete(n);
    if (names.length === 0) {
      this.disarm();
      return;
    }
    let running: Set<string>;
    try {
      running = new Set(await this.d.listRunning());
    } catch (err) {
      this.d.log.warn('PLC monitor: running vPLCs not listed; this round is skipped', { err: errorText(err) });
      return;
    }
    const polls: Array<Promise<void>> = [];
    for (const n of names) {
      if (running.has(n)) {
        const e = this.entries.get(n);
        if (e) e.running = true;
        polls.push(this.refresh(n));
      } else {
        if (!this.entries.has(n)) this.entries.set(n, freshEntry());
        this.containerStopped(n);
      }
    }
    await Promise.all(polls);
  }

  refresh(name: string): Promise<void> {
    if (!this.d.sessions.hasCredentials(name)) return Promise.resolve();
    let e = this.entries.get(name);
    if (!e) this.entries.set(name, (e = freshEntry()));
    const entry = e;
    entry.inFlight ??= this.poll(name, entry)
      .catch((err: unknown) => this.d.log.warn('PLC monitor: poll failed unexpectedly', { vplc: name, err: errorText(err) }))
      .finally(() => (entry.inFlight = null));
    return entry.inFlight;
  }

  private async poll(name: string, e: Entry): Promise<void> {
    const session = this.d.sessions.session(name);
    const before = { status: e.status, connection: e.connection };
    if (!session) {
      Object.assign(e, { connection: 'unreachable', error: 'the runtime address of this vPLC is not known yet' });
      return this.tell(name, before, e);
    }
    try {
      const reading = await session.status({ stats: true, signal: AbortSignal.timeout(Math.max(5_000, 2 * this.d.pollMs)) });
      if (this.entries.get(name) !== e) return; // forgotten or credentials replaced meanwhile
      this.d.answered?.(name, true);
      const wall = this.d.clock.now();
      const mono = this.d.clock.monotonic();
      e.connection = 'connected';
      e.error = null;
      e.status = reading.status;
      e.tasks = (reading.tasks ?? []).map(taskView);
      e.checkedAt = wall;
      e.readAt = mono;
      e.running = true;
      if (reading.status !== 'ERROR') e.fault = null;
      else e.fault ??= { wall, mono, restartAsked: false };
      const first = e.tasks[0];
      if (first) this.points.append(name, historyPoint(Math.floor(wall / 1000), first));
    } catch (err) {
      if (this.entries.get(name) !== e) return;
      e.connection = connectionOf(err);
      // Only a poll that could not reach the runtime says anything about it: a refused login or an odd answer is an answer.
      if (e.connection === 'unreachable') this.d.answered?.(name, false);
      e.error = errorText(err);
    }
    this.tell(name, before, e);
    this.checkLongFault(name, e);
  }

  private checkLongFault(name: string, e: Entry): void {
    const limit = this.d.faultRestartAfterMs;
    if (!e.fault || e.fault.restartAsked || limit <= 0 || this.d.clock.monotonic() - e.fault.mono < limit) return;
    e.fault.restartAsked = true;
    const since = new Date(e.fault.wall).toISOString();
    for (const l of this.longFault) {
      try {
        l(name, since);
      } catch (err) {
        this.d.log.warn('PLC monitor: long-fault listener failed', { vplc: name, err: errorText(err) });
      }
    }
  }

  /** Emits the state changes the journal and the UI follow: the status word, and the refusal of the credentials. */
  private tell(name: string, before: { status: PlcStatusWord | null; connection: PlcConnection }, e: Entry): void {
    const details: string[] = [];
    if (e.status !== before.status && e.status !== null) {
      const change = before.status === null ? `PLC status ${e.status}` : `${before.status} → ${e.status}`;
      if (e.status === 'ERROR') details.push(`PLC fault: ${change} (the runtime restarts its core)`);
      else if (before.status === 'ERROR') details.push(`PLC fault over: ${change}`);
      else details.push(change);
    }
    if (e.connection === 'auth_failed' && before.connection !== 'auth_failed') details.push('runtime refused the stored credentials: give new ones');
    else if (before.connection === 'auth_failed' && e.connection === 'connected') details.push('runtime accepts the stored credentials again');
    for (const detail of details) this.d.emit({ kind: 'changed', name, reason: 'plc-state', detail });
  }

  // Reading --------------------------------------------------------------------------------------------------------

  /** The change window of a vPLC before any confirm (the reconciler's and the edit's rule). */
  changeDecision(name: string, running: boolean): ChangeDecision {
    const e = this.entries.get(name);
    const p = this.d.policy(name);
    return decideChange({
      running,
      changePolicy: p.changePolicy,
      plcAware: p.plcAware,
      hasCredentials: this.d.sessions.hasCredentials(name),
      status: e?.status ?? null,
      readAt: e?.readAt ?? null,
      now: this.d.clock.monotonic(),
      pollMs: this.d.pollMs,
    });
  }

  view(name: string): PlcView {
    const has = this.d.sessions.hasCredentials(name);
    const e = has ? this.entries.get(name) : undefined;
    const rule = this.changeDecision(name, e?.running ?? true);
    const base = { username: has ? this.d.sessions.username(name) : null, realtime: this.d.realtime(name), change_rule: rule.rule, change_rule_reason: rule.reason };
    if (!e) {
      return { ...base, connection: has ? 'connecting' : 'not_connected', status: null, program_loaded: null, tasks: [], fault_since: null, checked_at: null, error: null };
    }
    return {
      ...base,
      connection: e.connection,
      status: e.status,
      program_loaded: programLoaded(e.status),
      tasks: e.tasks.map((t) => ({ ...t })),
      fault_since: e.fault ? new Date(e.fault.wall).toISOString() : null,
      checked_at: e.checkedAt === null ? null : new Date(e.checkedAt).toISOString(),
      error: e.error,
    };
  }

  history(name: string, seconds: number): PlcHistoryPoint[] {
    const end = Math.floor(this.d.clock.now() / 1000);
    return this.points.query(name, end - Math.max(0, seconds), end);
  }

  lastStatus(name: string): PlcStatusWord | null {
    return this.d.sessions.hasCredentials(name) ? (this.entries.get(name)?.status ?? null) : null;
  }

  /** Whether a timer runs (tests: no timer without credentials). */
  get polling(): boolean {
    return this.timer !== null;
  }
}

function historyPoint(timestamp: number, t: PlcTaskView): PlcHistoryPoint {
  return {
    timestamp,
    task: t.name,
    scan_avg: t.scan_time.avg,
    scan_max: t.scan_time.max,
    cycle_avg: t.cycle_time.avg,
    latency_avg: t.cycle_latency.avg,
    latency_max: t.cycle_latency.max,
    overruns: t.overruns,
  };
}
