import type { DebugBridge, DebugReply } from '../../../../shared/debug/types.js';
import type { Logger } from '../types.js';
import type { PeerChannel } from './peer.js';

export interface DebugChannelContext {
  sessionId: string;
  deviceId: string;
  debug: DebugBridge;
  log: Logger;
  touch(): void;
}

/** The bridge's session key of a WebRTC session (docs/debug.md). */
export const webrtcDebugSession = (sessionId: string): string => `webrtc:${sessionId}`;

/**
 * The `debug` channel of one session (docs/protocol.md §4.11): `debug_ready` on open, then each message goes to the
 * debug bridge as it arrived (the bridge parses it and words every error) and the reply is sent back unchunked.
 * Replies keep the order of the requests; a reply larger than the peer's max message size becomes a debug_error.
 *
 * INVARIANTS
 * - After `dispose()` (or the channel closing) no queued message reaches the bridge and nothing more is sent;
 *   `dispose()` resolves once the message being handled (if any) has settled, so the session closes the bridge's
 *   debug session only after an in-flight debug_start registered it.
 */
export class DebugChannelHandler {
  private queue: Promise<void> = Promise.resolve();
  private readySent = false;
  private closed = false;
  private pending = 0;

  constructor(
    private readonly ch: PeerChannel,
    private readonly ctx: DebugChannelContext,
  ) {
    ch.onOpen(() => this.opened());
    ch.onMessage((text) => this.onText(text));
    ch.onClose(() => (this.closed = true));
    if (ch.isOpen) this.opened();
  }

  /** True while a message received on this channel is queued or being handled. */
  get busy(): boolean {
    return this.pending > 0;
  }

  /** Stops handling: queued messages are skipped; resolves when the one in flight (if any) has settled. */
  dispose(): Promise<void> {
    this.closed = true;
    return this.queue;
  }

  private opened(): void {
    if (this.readySent) return;
    this.readySent = true;
    this.send({ type: 'debug_ready' });
  }

  private onText(text: string): void {
    if (this.closed) return;
    this.ctx.touch();
    this.pending += 1;
    this.queue = this.queue.then(async () => {
      try {
        if (this.closed) return;
        let reply: DebugReply;
        try {
          reply = await this.ctx.debug.handle({ session: webrtcDebugSession(this.ctx.sessionId), device_id: this.ctx.deviceId, path: 'webrtc', message: text });
        } catch (err) {
          reply = { type: 'debug_error', error: `Internal error: ${err instanceof Error ? err.message : String(err)}` };
        }
        this.send(reply);
      } finally {
        this.pending -= 1;
        this.ctx.touch();
      }
    });
  }

  private send(message: Record<string, unknown>): void {
    if (this.closed || !this.ch.isOpen) return;
    try {
      let text = JSON.stringify(message);
      const bytes = Buffer.byteLength(text, 'utf8');
      const max = this.ch.maxMessageSize;
      // Debug replies are not chunked (docs/protocol.md §4.11): too large a reply is refused in words the user can act on.
      if (max > 0 && bytes > max) text = JSON.stringify({ type: 'debug_error', error: `Reply too large (${bytes} bytes, at most ${max}); request fewer indexes` });
      this.ch.send(text);
    } catch (err) {
      this.ctx.log.warn('webrtc: sending on the debug channel failed', { session_id: this.ctx.sessionId, err: err instanceof Error ? err.message : String(err) });
    }
  }
}
