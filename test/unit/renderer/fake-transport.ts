import type { z } from 'zod';
import { events, invoke, isEventName, isInvokeChannel } from '../../../shared/api/contract';
import { ApiError, type Envelope } from '../../../shared/api/envelope';
import type { LinkState, Transport } from '../../../renderer/src/api/transport';
import { droppedPaths } from '../../support/dropped-paths';

type Handler = (input: unknown) => Envelope<unknown> | Promise<Envelope<unknown>>;

/** A fake answer or event must be something the agent can really send: valid for the contract, with no extra field. */
export function assertAgentShape(schema: z.ZodType, value: unknown, what: string): void {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`fake ${what} does not match the contract: ${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'}`);
  }
  const extra = droppedPaths(value, parsed.data);
  if (extra.length > 0) throw new Error(`fake ${what} has fields the agent never sends: ${extra.join(', ')}`);
}

function assertEnvelope(channel: string, e: Envelope<unknown>): void {
  if (!e.ok) return assertAgentShape(ApiError.strict(), e.error, `${channel} error`);
  if (isInvokeChannel(channel)) assertAgentShape(invoke[channel].output, e.value, `${channel} answer`);
}

/**
 * An in-memory transport: answers from per-channel handlers, records calls, and emits events on demand. Every answer
 * and event is checked against the shared contract first, so a fake cannot return what the agent never sends.
 */
export class FakeTransport implements Transport {
  readonly kind = 'ws' as const;
  readonly calls: Array<{ channel: string; input: unknown }> = [];
  private readonly listeners = new Map<string, Set<(p: unknown) => void>>();
  private readonly stateListeners = new Set<(s: LinkState) => void>();
  private readonly unchecked = new Set<string>();

  constructor(private readonly handlers: Record<string, Handler> = {}) {}

  handle(channel: string, h: Handler): void {
    this.handlers[channel] = h;
  }

  /** Only for tests of the UI's own answer checks: an answer that no agent sends, passed through unchecked. */
  handleUnchecked(channel: string, h: Handler): void {
    this.unchecked.add(channel);
    this.handlers[channel] = h;
  }

  async invoke(channel: string, input: unknown): Promise<Envelope<unknown>> {
    this.calls.push({ channel, input });
    const h = this.handlers[channel];
    const answer = h ? await h(input) : ({ ok: false, error: { code: 'UNAVAILABLE', message: `no fake for ${channel}` } } as const);
    if (!this.unchecked.has(channel)) assertEnvelope(channel, answer);
    return answer;
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
    if (isEventName(name)) assertAgentShape(events[name], payload, `${name} event`);
    this.emitUnchecked(name, payload);
  }

  /** Only for tests of the UI's own event checks: a payload that no agent sends. */
  emitUnchecked(name: string, payload: unknown): void {
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
