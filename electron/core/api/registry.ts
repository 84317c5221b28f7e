import type { RefusalCode } from '../../../shared/api/errors.js';
import { fail, type Envelope } from '../../../shared/api/envelope.js';
import { invoke, isInvokeChannel, type Input, type InvokeChannel, type Output } from '../../../shared/api/contract.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

/** Who is on the other end of a bridge connection: this PC's UI (desktop window or browser tab) or the CLI. */
export type ApiClientKind = 'ui' | 'cli';
/** `client`: told by the connection (the CLI says so when it attaches); absent means this PC's UI. */
export type CallContext = { via: 'ipc' | 'ws' | 'test'; client?: ApiClientKind };
type Handler<C extends InvokeChannel> = (input: Input<C>, ctx: CallContext) => Promise<Output<C>>;
type Handlers = { [C in InvokeChannel]?: Handler<C> };

/** A handler's deliberate failure, carried to the caller with its code (e.g. NOT_FOUND, CONFLICT). */
export class ApiFailure extends Error {
  constructor(
    readonly code: RefusalCode | 'UNAVAILABLE',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Transport-agnostic API (docs/architecture.md D1): IPC and the WebSocket bridge both call `call`.
 * Input is parsed with the channel's schema (errors name the field); handler errors become envelopes, never throws.
 */
export class ApiRegistry {
  private readonly handlers: Handlers = {};
  private readonly observers: TypedEmitter<{ answered: [channel: string, input: unknown, result: Envelope<unknown>, ctx: CallContext] }>;

  constructor(private readonly onHandlerError: (channel: string, err: unknown) => void = () => undefined) {
    // An observer's failure is reported under the event name ('answered'), never answered to the caller.
    this.observers = new TypedEmitter((err, event) => this.onHandlerError(event, err));
  }

  register<C extends InvokeChannel>(channel: C, handler: Handler<C>): void {
    if (this.handlers[channel]) throw new Error(`second handler for ${channel}`);
    this.handlers[channel] = handler as Handlers[C];
  }

  /** Startup refuses to continue while this is non-empty. */
  unhandled(): InvokeChannel[] {
    return (Object.keys(invoke) as InvokeChannel[]).filter((c) => !this.handlers[c]);
  }

  /** Sees every answered call with its parsed input (the journal records vPLC changes this way). */
  observe(fn: (channel: string, input: unknown, result: Envelope<unknown>, ctx: CallContext) => void): () => void {
    return this.observers.on('answered', fn);
  }

  async call(channel: string, raw: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    const result = await this.answer(channel, raw, ctx);
    if (result.ok || result.error.code !== 'VALIDATION') {
      this.observers.emit('answered', channel, raw, result, ctx);
    }
    return result;
  }

  private async answer(channel: string, raw: unknown, ctx: CallContext): Promise<Envelope<unknown>> {
    if (!isInvokeChannel(channel)) return fail('UNKNOWN_CHANNEL', `no channel "${channel}"`);
    const parsed = invoke[channel].input.safeParse(raw ?? {});
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.map(String).join('.') || undefined;
      return fail('VALIDATION', field ? `${field}: ${issue?.message ?? 'invalid'}` : (issue?.message ?? 'invalid input'), field);
    }
    const handler = this.handlers[channel] as Handler<typeof channel> | undefined;
    if (!handler) return fail('UNAVAILABLE', `${channel} is not served by this agent`);
    try {
      return { ok: true, value: await handler(parsed.data as never, ctx) };
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.code, err.message, err.field);
      this.onHandlerError(channel, err);
      return fail('INTERNAL', err instanceof Error ? err.message : String(err));
    }
  }
}
