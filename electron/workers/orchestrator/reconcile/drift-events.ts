/**
 * The Docker events that can put our vPLC containers out of their desired state (created, started, stopped, died,
 * renamed or removed by anyone), turned into reconcile nudges. The stream is resubscribed after it ends or fails, and
 * the resubscription nudges too, since events may have been missed meanwhile. The reconcile loop's slow safety sweep
 * covers whatever still slips through.
 */
import type { Readable } from 'node:stream';
import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { ownFilter } from '../docker/labels.js';

export const DRIFT_EVENTS = ['create', 'start', 'stop', 'die', 'rename', 'destroy'] as const;

export class DriftEvents {
  private readonly abort = new AbortController();
  private stream: Readable | undefined;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly ctx: Pick<OrchestratorContext, 'engine' | 'store' | 'log'>,
    private readonly nudge: () => void,
    private readonly resubscribeMs: number,
  ) {}

  /** True while the event stream is open (for tests). */
  get subscribed(): boolean {
    return this.stream !== undefined && !this.stream.destroyed;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Ends the subscription; resolves once the loop has returned. */
  async stop(): Promise<void> {
    this.abort.abort(new Error('drift events stopped'));
    this.stream?.destroy();
    await this.loop;
  }

  private async run(): Promise<void> {
    const filters = { type: ['container' as const], event: [...DRIFT_EVENTS], label: ownFilter(this.ctx.store.installationId, 'vplc').label };
    let first = true;
    while (!this.abort.signal.aborted) {
      try {
        const stream = (await this.ctx.engine.docker.getEvents({ filters })) as unknown as Readable;
        if (this.abort.signal.aborted) {
          stream.destroy();
          return;
        }
        this.stream = stream;
        if (!first) this.nudge();
        first = false;
        await new Promise<void>((resolve, reject) => {
          // Each chunk is one or more events of ours (the filter is Docker's); their content does not matter here.
          stream.on('data', () => this.nudge());
          stream.once('end', resolve);
          stream.once('close', resolve);
          stream.once('error', reject);
        });
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.ctx.log.debug('reconcile: Docker event stream failed; resubscribing', { err: dockerMessage(err) });
      }
      first = false;
      await sleep(this.resubscribeMs, this.abort.signal).catch(() => undefined);
    }
  }
}
