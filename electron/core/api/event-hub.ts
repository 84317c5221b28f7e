import { events, type EventName, type EventPayload } from '../../../shared/api/contract.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

type Listener = (name: EventName, payload: unknown) => void;

/** Fans contract events out to every transport; payloads are checked against the contract before they leave. */
export class EventHub {
  private readonly listeners = new TypedEmitter<{ event: Parameters<Listener> }>();

  publish<E extends EventName>(name: E, payload: EventPayload<E>): void {
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) throw new Error(`event ${name} does not match the contract: ${parsed.error.issues[0]?.message ?? ''}`);
    this.listeners.emit('event', name, parsed.data);
  }

  subscribe(l: Listener): () => void {
    return this.listeners.on('event', l);
  }
}
