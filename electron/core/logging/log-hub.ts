import { TypedEmitter } from '../../lib/events/typed-emitter.js';

export type LogLine = { ts: string; level: 'debug' | 'info' | 'warn' | 'error'; scope: string; msg: string; data?: unknown };

/**
 * The last few thousand log lines for `logs:tail`, and batched pushes for `logs:line` subscribers.
 *
 * INVARIANTS
 * - The buffer never holds more than `capacity` lines; the oldest go first.
 * - Subscribers get lines in order, at most once per `batchMs`; one throwing subscriber does not stop the others.
 */
export class LogHub {
  private readonly lines: LogLine[] = [];
  // A broken subscriber (a closed socket) must not block the others; reporting it here would feed the hub itself.
  private readonly subscribers = new TypedEmitter<{ batch: [LogLine[]] }>(() => undefined);
  private pending: LogLine[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly capacity = 5_000,
    private readonly batchMs = 250,
  ) {}

  push(line: LogLine): void {
    this.lines.push(line);
    if (this.lines.length > this.capacity) this.lines.splice(0, this.lines.length - this.capacity);
    if (this.subscribers.listenerCount('batch') === 0) return;
    this.pending.push(line);
    this.timer ??= setTimeout(() => this.flush(), this.batchMs).unref();
  }

  tail(limit = 500, minLevel: LogLine['level'] = 'debug'): LogLine[] {
    const order = { debug: 0, info: 1, warn: 2, error: 3 };
    return this.lines.filter((l) => order[l.level] >= order[minLevel]).slice(-limit);
  }

  subscribe(cb: (batch: LogLine[]) => void): () => void {
    return this.subscribers.on('batch', cb);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    this.subscribers.emit('batch', batch);
  }
}
