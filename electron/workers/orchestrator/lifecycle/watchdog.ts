import { setMaxListeners } from 'node:events';
import type { Readable } from 'node:stream';
import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { EngineHealth } from '../docker/engine-health.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { AutoStartOutcome } from './control.js';
import type { CrashGuard } from './crash-guard.js';

export type WatchdogDeps = {
  ctx: OrchestratorContext;
  guard: CrashGuard;
  health: EngineHealth;
  /** Starts a vPLC in its executor queue and re-provisions it; `engine-unavailable` when the engine refused for its own state. */
  restart: (name: string) => Promise<AutoStartOutcome>;
  /** Called for every `start` event; the receiver ignores the ones the agent caused (docs/protocol.md §6.3). */
  onStart: (name: string, containerId: string) => void;
  /** Called for every `die` and `start` event (e.g. to drop cached PIDs). */
  onContainerEvent?: (containerId: string) => void;
  /** Called when the event stream opens again after it ended or failed: events may have been missed meanwhile. */
  onResubscribe?: () => void;
  /** Called with the vPLC's name for every `start` (true) and `die` (false) event. */
  onRunningChange?: (name: string, running: boolean) => void;
  /** Stops and starts a running vPLC (a PLC fault that outlasted its setting). */
  restartRunning?: (name: string) => Promise<{ ok: boolean; message: string }>;
  isBusy: (name: string) => boolean;
  /** Whether automatic starts may touch this vPLC now (its persisted desired state says running, no recovery runs). */
  mayRun: (name: string) => boolean;
  /** Whether the vPLC should run (its persisted desired state), recovery or not: a stop of it nobody asked for is news. */
  shouldRun: (name: string) => boolean;
  /** Whether the agent's own stop or remove step of this container (full id) is in flight or just ended. */
  stoppedByAgent: (name: string, containerId: string) => boolean;
};

/**
 * docs/protocol.md §6.2: one Docker event subscription for the whole agent plus a 60 s poll.
 * An engine outage is not a crash (docs/lifecycle.md "Engine outages"): a daemon shutdown first signals every container
 * (`kill` events nobody in the agent asked for), then closes its API. Such a stop puts restarts on hold; when the engine
 * turns out to be going away, the exits are left to the recovery that runs when it returns, and never counted.
 *
 * INVARIANTS
 * - At most one exit handler per vPLC is pending at a time.
 * - Nothing restarts a vPLC unless its persisted desired state says running and no create/delete is in flight.
 * - Nothing restarts a vPLC or counts its exit while the engine is down or on hold (`health.isUp()` false).
 * - A restart that fails because the engine is unavailable is taken back from the crash-loop count.
 * - The health poll begins only after boot sync (`startPolling`), as docs/protocol.md §6.1's `startup_done` requires.
 * - `stop()` ends the subscription, the poll and every pending handler.
 */
export class Watchdog {
  private readonly abort = new AbortController();
  private readonly pending = new Set<string>();
  private stream?: Readable;
  private pollTimer?: NodeJS.Timeout;
  private offHealth?: () => void;

  constructor(private readonly d: WatchdogDeps) {
    // One pending exit handler per vPLC waits on it: an engine shutdown stops them all at once.
    setMaxListeners(256, this.abort.signal);
  }

  start(): void {
    // On hold → up again without an outage: the stops were someone's `docker stop`, handled like crashes (docs/protocol.md §6.2).
    this.offHealth = this.d.health.onChange((st, ended) => {
      if (st.kind === 'up' && !ended && this.pollTimer) void this.poll();
    });
    void this.subscribeLoop();
  }

  startPolling(): void {
    if (this.pollTimer || this.abort.signal.aborted) return;
    this.pollTimer = setInterval(() => void this.poll(), this.d.ctx.settings.watchdog.pollMs);
    this.pollTimer.unref();
  }

  stop(): void {
    this.abort.abort(new Error('watchdog stopped'));
    clearInterval(this.pollTimer);
    this.offHealth?.();
    this.stream?.destroy();
  }

  private async subscribeLoop(): Promise<void> {
    const { ctx } = this.d;
    let first = true;
    while (!this.abort.signal.aborted) {
      try {
        const filters = { type: ['container' as const], event: ['die', 'start', 'kill'], label: ownFilter(ctx.store.installationId, 'vplc').label };
        const stream = (await ctx.engine.docker.getEvents({ filters })) as unknown as Readable;
        if (this.abort.signal.aborted) {
          stream.destroy();
          return;
        }
        this.stream = stream;
        if (!first) this.d.onResubscribe?.();
        first = false;
        await this.consume(stream);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        ctx.log.warn('Docker event stream failed; resubscribing', { err: dockerMessage(err) });
      }
      if (this.abort.signal.aborted) return;
      // A closed stream is the first sign of a daemon going away; while it is gone, wait for it instead of retrying.
      if (!(await this.d.health.check('Docker event stream closed'))) {
        await this.d.health.whenUp(this.abort.signal).catch(() => undefined);
        continue;
      }
      await sleep(ctx.settings.watchdog.resubscribeMs, this.abort.signal).catch(() => undefined);
      if (this.pollTimer) void this.poll();
    }
  }

  private consume(stream: Readable): Promise<void> {
    return new Promise((resolve, reject) => {
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) this.onEvent(line);
        }
      });
      stream.on('end', resolve);
      stream.on('close', resolve);
      stream.on('error', reject);
    });
  }

  private onEvent(line: string): void {
    let ev: { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } } | null;
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      return;
    }
    const name = ev?.Actor?.Attributes?.[Label.vplc];
    if (!ev || typeof name !== 'string' || !name) return;
    const action = ev.Action ?? ev.status;
    const id = ev.Actor?.ID ?? ev.id ?? '';
    if (action === 'kill') {
      // The agent's own stops are stop or remove steps, or follow `desired_state` stopped. Not `mayRun`: an engine
      // shutdown during the recovery after an outage must put restarts on hold too (its end polls for stopped vPLCs).
      if (this.d.shouldRun(name) && !this.d.stoppedByAgent(name, id)) this.d.health.suspect(`vPLC ${name} was stopped outside the agent`);
      return;
    }
    this.d.onContainerEvent?.(id);
    this.d.onRunningChange?.(name, action === 'start');
    if (action === 'die') this.schedule(name);
    else if (action === 'start') this.d.onStart(name, id);
  }

  /** Health poll: every managed vPLC that is not running and has no operation in flight. */
  async poll(): Promise<void> {
    const { ctx } = this.d;
    if (!this.d.health.isUp()) return;
    try {
      const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
      for (const c of list) {
        const name = c.Labels?.[Label.vplc];
        if (name && c.State !== 'running') this.schedule(name);
      }
    } catch (err) {
      ctx.log.warn('watchdog poll failed', { err: dockerMessage(err) });
      void this.d.health.check('watchdog poll failed');
    }
  }

  /**
   * A PLC fault (`STATUS:ERROR`) that outlasted `plc.faultRestartAfterMs`: the runtime restarts its core by itself, so
   * only a fault this long restarts the container, once, counted by the crash-loop guard (docs/plc.md "Polling").
   */
  async plcFault(name: string, since: string): Promise<void> {
    const { ctx, guard } = this.d;
    if (this.abort.signal.aborted || !this.d.restartRunning || !this.d.mayRun(name) || this.d.isBusy(name) || !this.d.health.isUp()) return;
    if (guard.suspended(name)) {
      ctx.log.error('PLC fault: restarts paused until the crash-loop window allows', { vplc: name, since, restarts: guard.count(name) });
      ctx.emit({ kind: 'restart-suspended', name, restarts: guard.count(name) });
      return;
    }
    guard.record(name);
    const secs = Math.round(ctx.settings.plc.faultRestartAfterMs / 1000);
    const why = `PLC fault since ${since} lasted longer than ${secs} s: the container is restarted`;
    ctx.log.warn('watchdog restarting vPLC for a PLC fault', { vplc: name, since, restartsInWindow: guard.count(name) });
    const r = await this.d.restartRunning(name);
    ctx.emit({ kind: 'changed', name, reason: 'plc-fault-restart', detail: r.ok ? why : `${why}; the restart failed: ${r.message}` });
  }

  /** True while an exit handler for this vPLC is pending (waiting out `delayMs`, inspecting or restarting it). */
  handling(name: string): boolean {
    return this.pending.has(name);
  }

  private schedule(name: string): void {
    if (this.pending.has(name) || this.abort.signal.aborted) return;
    this.pending.add(name);
    void this.handleExit(name).finally(() => this.pending.delete(name));
  }

  /** The exit handler of docs/protocol.md §6.2. */
  private async handleExit(name: string): Promise<void> {
    const { ctx, guard } = this.d;
    if (!this.d.mayRun(name)) return;
    if (guard.suspended(name)) {
      ctx.log.error('crash loop: restarts paused until the window allows', { vplc: name, restarts: guard.count(name) });
      ctx.emit({ kind: 'restart-suspended', name, restarts: guard.count(name) });
      return;
    }
    try {
      await sleep(ctx.settings.watchdog.delayMs, this.abort.signal);
    } catch {
      return;
    }
    // On hold or down: the end of the hold polls again, the engine's return runs the recovery.
    if (!this.d.health.isUp()) return;
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId).catch(() => null);
    if (!info || info.State.Running || this.d.isBusy(name) || !this.d.mayRun(name) || !this.d.health.isUp()) return;
    const token = guard.record(name);
    ctx.log.info('watchdog restarting vPLC', { vplc: name, exitCode: info.State.ExitCode, restartsInWindow: guard.count(name) });
    if ((await this.d.restart(name)) === 'engine-unavailable') {
      guard.retract(name, token);
      ctx.log.info('restart not counted: the Docker engine is unavailable; the vPLC starts when it returns', { vplc: name });
      this.d.health.suspect('a vPLC start failed because the engine is unavailable');
    }
  }
}
