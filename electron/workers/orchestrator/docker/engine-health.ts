import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type Docker from 'dockerode';
import { sleep, type Clock } from '../../../lib/time/clock.js';
import type { Logger } from '../context.js';
import { dockerMessage } from './errors.js';

/** One period during which the Docker engine did not answer (docs/lifecycle.md "Engine outages"). */
export type EngineOutage = {
  /** Wall-clock ms when the agent first saw the engine go (or begin shutting down). */
  startedAt: number;
  /** Monotonic ms of the same moment. */
  startedMono: number;
  /** Wall-clock ms when the engine answered again; absent while the outage lasts. */
  endedAt?: number;
  reason: string;
};

export type EngineState = { kind: 'up' } | { kind: 'suspect'; since: number; reason: string } | { kind: 'down'; outage: EngineOutage };

export type EngineHealthOptions = {
  /** How often a down engine is pinged. */
  probeMs: number;
  /** Per-ping deadline. */
  pingTimeoutMs: number;
  /**
   * How long a burst of stops nobody in the agent asked for keeps restarts on hold: a daemon shutdown signals every
   * container at once and waits up to each one's stop timeout before its API goes away.
   */
  shutdownGraceMs: number;
};

/** Errors that mean the engine itself is unavailable (socket gone, refused, or the daemon shutting down). */
export function isEngineUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === 'EPIPE' || code === 'ETIMEDOUT') return true;
  const msg = dockerMessage(err);
  // What a 20.10 daemon answers to a start while it is shutting down (measured); and the socket-level texts.
  return /failed to update store for object type|daemon is shutting down|connect (ENOENT|ECONNREFUSED)|socket hang up|Cannot connect to the Docker daemon/i.test(msg);
}

/**
 * Whether the Docker engine is answering, as the watchdog needs to know it (docs/lifecycle.md "Engine outages").
 *
 * INVARIANTS
 * - `up` → `suspect` on a hint (a burst of external stops, a failed call); `suspect` → `down` when a ping fails or the
 *   event stream closes; `suspect` → `up` when the hold passes with the engine answering.
 * - `down` → `up` only after a ping and an info call both answer; listeners hear each outage's end exactly once.
 * - Never throws into its callers; `close()` ends the probe loop.
 */
export class EngineHealth {
  private st: EngineState = { kind: 'up' };
  private readonly listeners = new TypedEmitter<{ state: [EngineState, EngineOutage | undefined] }>((err) => this.log.warn('engine state listener failed', { err: String(err) }));
  private readonly abort = new AbortController();
  private probing = false;
  private suspectTimer?: NodeJS.Timeout;

  constructor(
    private readonly docker: Docker,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly o: EngineHealthOptions,
  ) {}

  get state(): EngineState {
    return this.st;
  }

  /** Up and not on hold: the watchdog may start vPLCs and count their exits. */
  isUp(): boolean {
    return this.st.kind === 'up';
  }

  /** The outage in progress, if any. */
  outage(): EngineOutage | null {
    return this.st.kind === 'down' ? this.st.outage : null;
  }

  onChange(cb: (s: EngineState, ended?: EngineOutage) => void): () => void {
    return this.listeners.on('state', cb);
  }

  /**
   * Something suggests the engine may be going away (stops nobody asked for, a failed call): hold restarts for the
   * shutdown grace and check. A later ping failure or stream close turns this into an outage.
   */
  suspect(reason: string): void {
    if (this.abort.signal.aborted || this.st.kind === 'down') return;
    if (this.st.kind === 'up') this.set({ kind: 'suspect', since: this.clock.monotonic(), reason });
    clearTimeout(this.suspectTimer);
    this.suspectTimer = setTimeout(() => void this.endSuspicion(), this.o.shutdownGraceMs);
    this.suspectTimer.unref();
  }

  /** The event stream closed or a call failed at the socket: ping now; a failure starts an outage. */
  async check(reason: string): Promise<boolean> {
    if (this.abort.signal.aborted) return false;
    if (this.st.kind === 'down') return false;
    if (await this.ping()) return true;
    this.goDown(reason);
    return false;
  }

  /** Resolves once the engine is up (immediately when it is); rejects when the signal aborts. */
  whenUp(signal?: AbortSignal): Promise<void> {
    if (this.st.kind === 'up') return Promise.resolve();
    return new Promise((resolve, reject) => {
      const off = this.onChange((s) => {
        if (s.kind !== 'up') return;
        off();
        signal?.removeEventListener('abort', onAbort);
        resolve();
      });
      const onAbort = (): void => {
        off();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  close(): void {
    this.abort.abort(new Error('engine health closed'));
    clearTimeout(this.suspectTimer);
  }

  private async endSuspicion(): Promise<void> {
    if (this.st.kind !== 'suspect') return;
    if (await this.ping()) {
      if (this.st.kind === 'suspect') this.set({ kind: 'up' });
    } else {
      this.goDown(this.st.kind === 'suspect' ? this.st.reason : 'engine not answering');
    }
  }

  private goDown(reason: string): void {
    if (this.st.kind === 'down' || this.abort.signal.aborted) return;
    clearTimeout(this.suspectTimer);
    // An outage that a burst of external stops announced began with that burst.
    const startedMono = this.st.kind === 'suspect' ? this.st.since : this.clock.monotonic();
    const startedAt = this.clock.now() - (this.clock.monotonic() - startedMono);
    this.log.warn('Docker engine not answering: vPLC restarts are on hold until it returns', { reason });
    this.set({ kind: 'down', outage: { startedAt, startedMono, reason } });
    void this.probeUntilUp();
  }

  private async probeUntilUp(): Promise<void> {
    if (this.probing) return;
    this.probing = true;
    try {
      while (!this.abort.signal.aborted && this.st.kind === 'down') {
        await sleep(this.o.probeMs, this.abort.signal).catch(() => undefined);
        if (this.abort.signal.aborted) return;
        if (!(await this.ping())) continue;
        // A daemon that answers _ping may still be restoring; info answers once it serves the API for real.
        const ready = await this.docker.info().then(
          () => true,
          () => false,
        );
        if (!ready || this.st.kind !== 'down') continue;
        const endedAt = this.clock.now();
        const ended: EngineOutage = { ...this.st.outage, endedAt };
        this.log.info('Docker engine answering again', { downForMs: endedAt - ended.startedAt, reason: ended.reason });
        this.set({ kind: 'up' }, ended);
      }
    } finally {
      this.probing = false;
    }
  }

  private ping(): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), this.o.pingTimeoutMs);
      this.docker.ping().then(
        () => resolve(true),
        () => resolve(false),
      ).finally(() => clearTimeout(timer));
    });
  }

  private set(s: EngineState, ended?: EngineOutage): void {
    this.st = s;
    this.listeners.emit('state', s, ended);
  }
}
