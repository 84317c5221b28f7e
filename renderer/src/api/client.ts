import { z } from 'zod';
import { events, invoke, type EventName, type EventPayload, type InvokeChannel, type Output } from '../../../shared/api/contract';
import { ApiError, type Envelope } from '../../../shared/api/envelope';
import { ChosenFile } from '../../../shared/api/shell';
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
    return this.checked(channel, await this.t.invoke(channel, input));
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

  /** The browser page can upload a file to the agent; the desktop client chooses one with a native dialog instead. */
  get canUploadImage(): boolean {
    return this.t.uploadImage !== undefined;
  }

  get canChooseImageFile(): boolean {
    return this.t.chooseImageFile !== undefined;
  }

  /** Uploads a runtime image archive; answers like `images:load`. */
  async uploadImage(file: File, o: { id: string; onProgress(sent: number, total: number): void }): Promise<Envelope<Output<'images:load'>>> {
    if (!this.t.uploadImage) return { ok: false, error: { code: 'UNAVAILABLE', message: 'this client cannot upload files' } };
    return this.checked('images:load', await this.t.uploadImage(file, o));
  }

  get canUploadProgram(): boolean {
    return this.t.uploadProgram !== undefined;
  }

  /** Uploads a PLC program bundle for vPLC `name`; answers like `plc:upload` (the compile's end). */
  async uploadProgram(file: File, o: { name: string; onProgress(sent: number, total: number): void }): Promise<Envelope<Output<'plc:upload'>>> {
    if (!this.t.uploadProgram) return { ok: false, error: { code: 'UNAVAILABLE', message: 'this client cannot upload files' } };
    return this.checked('plc:upload', await this.t.uploadProgram(file, o));
  }

  /** The path the user chose in the desktop client's dialog, or null when they cancelled. */
  async chooseImageFile(): Promise<Envelope<string | null>> {
    if (!this.t.chooseImageFile) return { ok: false, error: { code: 'UNAVAILABLE', message: 'this client has no file dialog' } };
    const r = ShellAnswer.safeParse(await this.t.chooseImageFile());
    if (!r.success) return { ok: false, error: { code: 'INTERNAL', message: 'the app answered the file dialog with something this UI does not understand' } };
    return r.data.ok ? { ok: true, value: r.data.value.path } : r.data;
  }

  private checked<C extends InvokeChannel>(channel: C, r: Envelope<unknown>): Envelope<Output<C>> {
    if (!r.ok) return r;
    const parsed = invoke[channel].output.safeParse(r.value);
    if (parsed.success) return { ok: true, value: parsed.data as Output<C> };
    const issue = parsed.error.issues[0];
    return { ok: false, error: { code: 'INTERNAL', message: `the agent's answer to ${channel} does not match this UI (${issue?.path.join('.') || 'value'}: ${issue?.message ?? 'invalid'})` } };
  }

  reauth(token: string): void {
    this.t.reauth?.(token);
  }
}

const ShellAnswer = z.union([z.object({ ok: z.literal(true), value: ChosenFile }), z.object({ ok: z.literal(false), error: ApiError })]);

/** The message to show for a failed call: the agent's own words, with the field when it named one. */
export function errorText(e: { message: string; field?: string }): string {
  return e.field && !e.message.startsWith(`${e.field}:`) ? `${e.field}: ${e.message}` : e.message;
}
