import type { AckBody } from '../../../../shared/cloud/acks.js';
import { echoCorrelationId, isPlainObject, parseCommand } from '../../../../shared/cloud/parse.js';
import { REQUEST_CONTRACTS } from '../../../../shared/cloud/topics.js';
import { ChunkMessage, DataEnvelope } from '../../../../shared/webrtc/messages.js';
import type { CloudCommandTarget, Logger } from '../types.js';
import { Reassembler, splitOutbound, type ByteBudget, type TransferIds } from './chunking.js';
import type { PeerChannel } from './peer.js';

export interface DataChannelContext {
  sessionId: string;
  deviceId: string;
  target: CloudCommandTarget;
  log: Logger;
  /** Records inbound activity (the idle timeout of docs/protocol.md §4.11). */
  touch(): void;
  now(): number;
  ids: TransferIds;
  budget: ByteBudget;
  pingMs: number;
  /** The run_command deadline (the HTTP timeout + 5 s, as on the cloud topic). */
  runCommandDeadlineMs: number;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function firstIssue(err: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }): string {
  const i = err.issues[0];
  return i ? `${i.path.map(String).join('.') || '(message)'}: ${i.message}` : 'invalid message';
}

/**
 * The `data` channel of one session (docs/protocol.md §4.11 "Data channels"): ready on open, ping every `pingMs`,
 * pong, close, run_command through the same target as the cloud topic, chunking both ways. Never throws: a bad
 * message gets `{"type":"error","error":…}` (or a `command_response` for a run_command).
 */
export class DataChannelHandler {
  private readonly reassembler: Reassembler;
  private ping: NodeJS.Timeout | null = null;
  private closed = false;
  private inFlight = 0;

  constructor(
    private readonly ch: PeerChannel,
    private readonly ctx: DataChannelContext,
  ) {
    this.reassembler = new Reassembler(ctx.budget);
    ch.onOpen(() => this.opened());
    ch.onMessage((text) => this.onText(text, false));
    ch.onClose(() => this.dispose());
    if (ch.isOpen) this.opened();
  }

  /** True while a run_command received on this channel has not been answered yet. */
  get busy(): boolean {
    return this.inFlight > 0;
  }

  /** Stops the ping and frees buffered chunks (the channel itself is closed by the peer connection). */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.ping) clearInterval(this.ping);
    this.ping = null;
    this.reassembler.clear();
  }

  private opened(): void {
    if (this.closed || this.ping) return;
    this.send({ type: 'ready' });
    this.ping = setInterval(() => {
      this.send({ type: 'ping' });
      // Stale transfers also go when the peer sends nothing more (at most one ping period after 60 s).
      this.reassembler.purge(this.ctx.now());
    }, this.ctx.pingMs);
    this.ping.unref();
  }

  /** Sends one message, chunked when it is long; false when the channel is not open. */
  send(message: Record<string, unknown>): boolean {
    if (this.closed || !this.ch.isOpen) return false;
    try {
      for (const frame of splitOutbound(JSON.stringify(message), this.ctx.ids)) this.ch.send(frame);
      return true;
    } catch (err) {
      this.ctx.log.warn('webrtc: sending on the data channel failed', { session_id: this.ctx.sessionId, err: errorMessage(err) });
      return false;
    }
  }

  private onText(text: string, reassembled: boolean): void {
    if (this.closed) return;
    this.ctx.touch();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.send({ type: 'error', error: `Invalid JSON: ${errorMessage(err)}` });
      return;
    }
    const env = DataEnvelope.safeParse(value);
    if (!env.success || !isPlainObject(value)) {
      this.send({ type: 'error', error: 'Invalid message: expected a JSON object with a string type' });
      return;
    }
    const type = env.data.type;
    switch (type) {
      case 'ping':
        this.send({ type: 'pong' });
        return;
      case 'pong':
        return;
      case 'close':
        this.ch.close();
        this.dispose();
        return;
      case 'run_command':
        void this.runCommand(value);
        return;
      case 'chunk_start':
      case 'chunk_data':
      case 'chunk_end':
        if (reassembled) this.send({ type: 'error', error: 'Invalid message: a chunked message cannot contain chunks' });
        else this.chunk(value);
        return;
      default:
        this.send({ type: 'error', error: `Unknown message type: ${type}` });
    }
  }

  private chunk(value: unknown): void {
    const parsed = ChunkMessage.safeParse(value);
    if (!parsed.success) {
      this.send({ type: 'error', error: `Invalid chunk: ${firstIssue(parsed.error)}` });
      return;
    }
    const r = this.reassembler.accept(parsed.data, this.ctx.now());
    if (r.kind === 'complete') this.onText(r.text, true);
    else if (r.kind === 'dropped') {
      this.ctx.log.info('webrtc: chunk transfer dropped', { session_id: this.ctx.sessionId, transfer_id: r.transfer_id, reason: r.reason });
      this.send({ type: 'error', error: `Chunk transfer ${r.transfer_id} dropped: ${r.reason}`, transfer_id: r.transfer_id });
    }
  }

  private async runCommand(payload: Record<string, unknown>): Promise<void> {
    const correlation_id = echoCorrelationId(payload);
    const respond = (body: AckBody): void => {
      const out: Record<string, unknown> = { type: 'command_response', correlation_id };
      for (const [k, v] of Object.entries(body)) if (k !== 'action' && k !== 'correlation_id' && k !== 'type') out[k] = v;
      this.send(out);
    };
    const parsed = parseCommand(REQUEST_CONTRACTS.run_command, payload);
    if (!parsed.ok) return respond({ status: 'error', error: parsed.error, field: parsed.field });
    if (parsed.value.device_id !== this.ctx.deviceId) {
      return respond({ status: 'error', error: `Device ${parsed.value.device_id} is not the device of this session (${this.ctx.deviceId})` });
    }
    let timer: NodeJS.Timeout | undefined;
    this.inFlight += 1;
    try {
      const body = await Promise.race([
        this.ctx.target.execute('run_command', parsed.value),
        new Promise<AckBody>((resolve) => {
          timer = setTimeout(() => resolve({ status: 'error', error: `Timeout: run_command did not complete within ${Math.round(this.ctx.runCommandDeadlineMs / 1000)} s` }), this.ctx.runCommandDeadlineMs);
        }),
      ]);
      respond(isPlainObject(body) ? body : { status: 'error', error: 'Internal error: the run_command handler returned no ack object' });
    } catch (err) {
      respond({ status: 'error', error: `Internal error: ${errorMessage(err)}` });
    } finally {
      clearTimeout(timer);
      this.inFlight -= 1;
      // The idle clock restarts at the answer: a command longer than the idle timeout must not close the session
      // right after it was answered (docs/debug.md "WebRTC sessions").
      this.ctx.touch();
    }
  }
}
