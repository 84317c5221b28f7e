import type { Envelope } from '../../../shared/api/envelope';
import type { LinkState, Transport } from '../../../renderer/src/api/transport';

type Handler = (input: unknown) => Envelope<unknown> | Promise<Envelope<unknown>>;

/** An in-memory transport: answers from per-channel handlers, records calls, and emits events on demand. */
export class FakeTransport implements Transport {
  readonly kind = 'ws' as const;
  readonly calls: Array<{ channel: string; input: unknown }> = [];
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private readonly stateListeners = new Set<(s: LinkState) => void>();

  constructor(private readonly handlers: Record<string, Handler> = {}) {}

  handle(channel: string, h: Handler): void {
    this.handlers[channel] = h;
  }

  invoke(channel: string, input: unknown): Promise<Envelope<unknown>> {
    this.calls.push({ channel, input });
    const h = this.handlers[channel];
    return Promise.resolve(h ? h(input) : { ok: false, error: { code: 'UNAVAILABLE', message: `no fake for ${channel}` } });
  }

  on(name: string, listener: (p: unknown) => void): () => void {
    const set = this.listeners.get(name) ?? new Set();
    set.add(listener);
    this.listeners.set(name, set);
    return () => void set.delete(listener);
  }

  onState(listener: (s: LinkState) => void): () => void {
    this.stateListeners.add(listener);
    return () => void this.stateListeners.delete(listener);
  }

  emit(name: string, payload: unknown): void {
    for (const l of this.listeners.get(name) ?? []) l(payload);
  }

  setState(s: LinkState): void {
    for (const l of this.stateListeners) l(s);
  }

  callsTo(channel: string): unknown[] {
    return this.calls.filter((c) => c.channel === channel).map((c) => c.input);
  }
}

export const ok = <T>(value: T): Envelope<T> => ({ ok: true, value });
