import type { z } from 'zod';
import { events, invoke, type EventName, type EventPayload, type InvokeChannel, type Output } from '../../../shared/api/contract';
import type { Envelope } from '../../../shared/api/envelope';
import type { LinkState, Transport } from './transport';

export type CallInput<C extends InvokeChannel> = z.input<(typeof invoke)[C]['input']>;

/**
 * The typed API the features use. Answers and events are checked against the contract here too: a mismatched agent
 * version shows up as a clear error instead of a broken page.
 */
export class Api {
  constructor(private readonly t: Transport) {}

  get kind(): Transport['kind'] {
    return this.t.kind;
  }

  async call<C extends InvokeChannel>(channel: C, input: CallInput<C>): Promise<Envelope<Output<C>>> {
    const r = await this.t.invoke(channel, input);
    if (!r.ok) return r;
    const parsed = invoke[channel].output.safeParse(r.value);
    if (parsed.success) return { ok: true, value: parsed.data as Output<C> };
    const issue = parsed.error.issues[0];
    return { ok: false, error: { code: 'INTERNAL', message: `the agent's answer to ${channel} does not match this UI (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})` } };
  }

  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void {
    return this.t.on(name, (payload) => {
      const parsed = events[name].safeParse(payload);
      if (parsed.success) listener(parsed.data as EventPayload<E>);
    });
  }

  onState(listener: (s: LinkState) => void): () => void {
    return this.t.onState(listener);
  }

  reauth(token: string): void {
    this.t.reauth?.(token);
  }
}

/** The message to show for a failed call: the agent's own words, with the field when it named one. */
export function errorText(e: { message: string; field?: string }): string {
  return e.field && !e.message.startsWith(`${e.field}:`) ? `${e.field}: ${e.message}` : e.message;
}
