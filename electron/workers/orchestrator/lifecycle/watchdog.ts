import type { Readable } from 'node:stream';
import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { CrashGuard } from './crash-guard.js';

export type WatchdogDeps = {
  ctx: OrchestratorContext;
  guard: CrashGuard;
  /** Starts a vPLC under its lock and re-provisions it; returns false if it did not start. */
  restart: (name: string) => Promise<boolean>;
  /** Called for every `start` event; the receiver ignores the ones the agent caused (PROTOCOL §6.3). */
  onStart: (name: string, containerId: string) => void;
  /** Called for every `die` and `start` event (e.g. to drop cached PIDs). */
  onContainerEvent?: (containerId: string) => void;
  isBusy: (name: string) => boolean;
  /** Whether automatic starts may touch this vPLC (its persisted desired state says running). */
  mayRun: (name: string) => boolean;
};

/**
 * PROTOCOL §6.2: one Docker event subscription for the whole agent plus a 60 s poll.
 *
 * INVARIANTS
 * - At most one exit handler per vPLC is pending at a time.
 * - Nothing restarts a vPLC unless its persisted desired state says running and no create/delete is in flight.
 * - The health poll begins only after boot sync (`startPolling`), as PROTOCOL §6.1's `startup_done` requires.
 * - `stop()` ends the subscription, the poll and every pending handler.
 */
export class Watchdog {
  private readonly abort = new AbortController();
  private readonly pending = new Set<string>();
  private stream?: Readable;
  private pollTimer?: NodeJS.Timeout;

  constructor(private readonly d: WatchdogDeps) {}

  start(): void {
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
    this.stream?.destroy();
  }

  private async subscribeLoop(): Promise<void> {
    const { ctx } = this.d;
    while (!this.abort.signal.aborted) {
      try {
        const filters = { type: ['container' as const], event: ['die', 'start'], label: ownFilter(ctx.store.installationId, 'vplc').label };
        const stream = (await ctx.engine.docker.getEvents({ filters })) as unknown as Readable;
        if (this.abort.signal.aborted) {
          stream.destroy();
          return;
        }
        this.stream = stream;
        await this.consume(stream);
      } catch (err) {
        if (this.abort.signal.aborted) return;
        ctx.log.warn('Docker event stream failed; resubscribing', { err: dockerMessage(err) });
      }
      if (this.abort.signal.aborted) return;
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
    let ev: { Action?: string; status?: string; id?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      ev = JSON.parse(line) as typeof ev;
    } catch {
      return;
    }
    const name = ev.Actor?.Attributes?.[Label.vplc];
    if (!name) return;
    const action = ev.Action ?? ev.status;
    const id = ev.Actor?.ID ?? ev.id ?? '';
    this.d.onContainerEvent?.(id);
    if (action === 'die') this.schedule(name);
    else if (action === 'start') this.d.onStart(name, id);
  }

  /** Health poll: every managed vPLC that is not running and has no operation in flight. */
  async poll(): Promise<void> {
    const { ctx } = this.d;
    try {
      const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
      for (const c of list) {
        const name = c.Labels?.[Label.vplc];
        if (name && c.State !== 'running') this.schedule(name);
      }
    } catch (err) {
      ctx.log.warn('watchdog poll failed', { err: dockerMessage(err) });
    }
  }

  private schedule(name: string): void {
    if (this.pending.has(name) || this.abort.signal.aborted) return;
    this.pending.add(name);
    void this.handleExit(name).finally(() => this.pending.delete(name));
  }

  /** The exit handler of PROTOCOL §6.2. */
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
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId).catch(() => null);
    if (!info || info.State.Running || this.d.isBusy(name) || !this.d.mayRun(name)) return;
    guard.record(name);
    ctx.log.info('watchdog restarting vPLC', { vplc: name, exitCode: info.State.ExitCode, restartsInWindow: guard.count(name) });
    await this.d.restart(name);
  }
}
