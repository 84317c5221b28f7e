/** Event name → the arguments its listeners receive. */
export type EventMap = { [event: string]: unknown[] };

/** Told about a listener that threw; the other listeners are called all the same. */
export type ListenerErrorHandler = (err: unknown, event: string) => void;

type Stored = (...args: unknown[]) => void;

const warn: ListenerErrorHandler = (err, event) => process.emitWarning(`a listener of "${event}" failed: ${err instanceof Error ? err.message : String(err)}`);

/**
 * The one listener registry of the agent: typed events, `on` returns its own unsubscribe, and a listener that throws
 * is reported to `onListenerError` without keeping the others from hearing the event or the emitter's caller from
 * going on.
 *
 * INVARIANTS
 * - `emit` calls the listeners registered when it started, in registration order; one added during `emit` hears
 *   the next event, one removed during `emit` may still hear this one.
 * - A listener registered twice is called once (like a `Set`); unsubscribing twice is harmless.
 */
export class TypedEmitter<E extends { [K in keyof E]: unknown[] }> {
  private readonly listeners = new Map<keyof E, Set<Stored>>();

  constructor(private readonly onListenerError: ListenerErrorHandler = warn) {}

  on<K extends keyof E>(event: K, fn: (...args: E[K]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as unknown as Stored);
    return () => this.off(event, fn);
  }

  off<K extends keyof E>(event: K, fn: (...args: E[K]) => void): void {
    this.listeners.get(event)?.delete(fn as unknown as Stored);
  }

  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        fn(...args);
      } catch (err) {
        this.onListenerError(err, String(event));
      }
    }
  }

  listenerCount(event: keyof E): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  /** Drops every listener (on close). */
  clear(): void {
    this.listeners.clear();
  }
}
