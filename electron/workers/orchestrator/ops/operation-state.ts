import type { OperationStep, PullProgress } from '../../../../shared/domain/operations.js';
import { naiveLocalIso, type Clock } from '../../../lib/time/clock.js';

export type OpStatus = 'creating' | 'deleting' | 'error';
export type OpKind = 'create' | 'delete' | 'unknown';

export type OperationEntry = {
  status: OpStatus;
  operation: OpKind;
  step: OperationStep | null;
  /** How far the image pull has come, only while `step` is `pulling_image` and the engine has reported. */
  pull_progress: PullProgress | null;
  error: string | null;
  started_at: string;
  updated_at: string;
  /** Monotonic-free wall ms of the last update, for expiry. */
  updatedMs: number;
};

export type LastError = { operation: OpKind; error: string; at: string; atMs: number };

/** A started vPLC whose runtime API has not answered yet (docs/lifecycle.md "Start and restart wait for the runtime"). */
export type RuntimeWait = { token: number; step: 'waiting_for_runtime'; since: string };

const ERROR_ENTRY_TTL_MS = 15 * 60_000;
const LAST_ERROR_TTL_MS = 24 * 60 * 60_000;

/**
 * docs/protocol.md §5.9 operation state, one in-memory entry per name.
 *
 * INVARIANTS
 * - A create or delete may begin only while no entry for the name is `creating` or `deleting`.
 * - Error entries expire 15 min after their last update; the last error stays readable for 24 h.
 * - Reads return copies.
 */
export class OperationState {
  private readonly entries = new Map<string, OperationEntry>();
  private readonly lastErrors = new Map<string, LastError>();
  private readonly runtimeWaits = new Map<string, RuntimeWait>();
  /** Creates that ended "created with problems": what they could not verify, kept like the last error. */
  private readonly problems = new Map<string, { problems: string[]; atMs: number }>();
  private waitSeq = 0;

  constructor(private readonly clock: Clock) {}

  inProgress(name: string): OpKind | null {
    const e = this.get(name);
    return e && (e.status === 'creating' || e.status === 'deleting') ? e.operation : null;
  }

  /** Returns false when an operation is already in flight (the caller then refuses). */
  begin(name: string, operation: 'create' | 'delete'): boolean {
    if (this.inProgress(name)) return false;
    if (operation === 'create') this.problems.delete(name);
    const now = this.clock.now();
    const at = naiveLocalIso(now);
    this.entries.set(name, {
      status: operation === 'create' ? 'creating' : 'deleting',
      operation,
      step: null,
      pull_progress: null,
      error: null,
      started_at: at,
      updated_at: at,
      updatedMs: now,
    });
    return true;
  }

  /** A new start/stop/restart on a name clears its stale error entry (docs/protocol.md §4.5). */
  clearError(name: string): void {
    if (this.entries.get(name)?.status === 'error') this.entries.delete(name);
  }

  setStep(name: string, step: OperationStep): void {
    const e = this.entries.get(name);
    if (!e) return;
    const now = this.clock.now();
    e.step = step;
    e.pull_progress = null;
    e.updated_at = naiveLocalIso(now);
    e.updatedMs = now;
  }

  /** Records pull progress of an entry at `pulling_image`; ignored at any other step (a late update after the pull). */
  setPullProgress(name: string, progress: PullProgress): void {
    const e = this.entries.get(name);
    if (!e || e.status !== 'creating' || e.step !== 'pulling_image') return;
    const now = this.clock.now();
    e.pull_progress = { ...progress };
    e.updated_at = naiveLocalIso(now);
    e.updatedMs = now;
  }

  setError(name: string, error: string, operation: OpKind = 'unknown'): void {
    const now = this.clock.now();
    const at = naiveLocalIso(now);
    const e = this.entries.get(name);
    const op = e ? e.operation : operation;
    this.entries.set(name, {
      status: 'error',
      operation: op,
      step: e?.step ?? null,
      pull_progress: null,
      error,
      started_at: e?.started_at ?? at,
      updated_at: at,
      updatedMs: now,
    });
    this.lastErrors.set(name, { operation: op, error, at, atMs: now });
  }

  finish(name: string): void {
    this.entries.delete(name);
  }

  /** Ends a create whose container runs but whose steps were not all verified (docs/status.md "Create outcome"). */
  finishWithProblems(name: string, problems: string[]): void {
    this.entries.delete(name);
    if (problems.length) this.problems.set(name, { problems: [...problems], atMs: this.clock.now() });
  }

  /** What the last create of `name` could not verify, or null when it ended clean (or over 24 h ago). */
  createProblems(name: string): string[] | null {
    const p = this.problems.get(name);
    if (!p) return null;
    if (this.clock.now() - p.atMs >= LAST_ERROR_TTL_MS) {
      this.problems.delete(name);
      return null;
    }
    return [...p.problems];
  }

  get(name: string): OperationEntry | undefined {
    const e = this.entries.get(name);
    if (!e) return undefined;
    if (e.status === 'error' && this.clock.now() - e.updatedMs >= ERROR_ENTRY_TTL_MS) {
      this.entries.delete(name);
      return undefined;
    }
    return { ...e, pull_progress: e.pull_progress ? { ...e.pull_progress } : null };
  }

  lastError(name: string): Omit<LastError, 'atMs'> | null {
    const e = this.lastErrors.get(name);
    if (!e) return null;
    if (this.clock.now() - e.atMs >= LAST_ERROR_TTL_MS) {
      this.lastErrors.delete(name);
      return null;
    }
    return { operation: e.operation, error: e.error, at: e.at };
  }

  /** Marks a started vPLC as waiting for its runtime API; replaces an earlier wait. Returns the token that ends it. */
  beginRuntimeWait(name: string): number {
    const token = ++this.waitSeq;
    this.runtimeWaits.set(name, { token, step: 'waiting_for_runtime', since: naiveLocalIso(this.clock.now()) });
    return token;
  }

  /** Ends the wait; with a token, only that wait (a later start's wait stays). */
  endRuntimeWait(name: string, token?: number): void {
    if (token === undefined || this.runtimeWaits.get(name)?.token === token) this.runtimeWaits.delete(name);
  }

  runtimeWait(name: string): RuntimeWait | undefined {
    const w = this.runtimeWaits.get(name);
    return w ? { ...w } : undefined;
  }

  forget(name: string): void {
    this.entries.delete(name);
    this.lastErrors.delete(name);
    this.runtimeWaits.delete(name);
    this.problems.delete(name);
  }
}
