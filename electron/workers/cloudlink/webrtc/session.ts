import type { DebugBridge } from '../../../../shared/debug/types.js';
import type { CloudCommandTarget, Logger } from '../types.js';
import type { ByteBudget, TransferIds } from './chunking.js';
import { DataChannelHandler } from './data-channel.js';
import { DebugChannelHandler, webrtcDebugSession } from './debug-channel.js';
import type { LocalCandidate, Peer, PeerChannel, PeerState } from './peer.js';

export interface SessionDeps {
  target: CloudCommandTarget;
  debug: DebugBridge;
  log: Logger;
  now(): number;
  ids: TransferIds;
  budget: ByteBudget;
  pingMs: number;
  /** How long teardown waits for a debug request in flight before closing the bridge's debug session anyway. */
  debugDrainMs?: number;
  runCommandDeadlineMs: number;
  /** Hands one local ICE candidate to the signalling side. */
  onCandidate(c: LocalCandidate): void;
  /** The peer connection reached `failed` or `closed`. */
  onEnded(): void;
}

/** Default bound on the wait for a debug request in flight at teardown (docs/debug.md "WebRTC sessions"). */
export const DEBUG_DRAIN_MS = 5_000;

/**
 * One WebRTC session (docs/debug.md "WebRTC sessions"): a peer connection answering the browser's offer, its `data`
 * and `debug` channels, and its activity clock.
 *
 * INVARIANTS
 * - `close()` runs its teardown once: the ping timers stop, buffered chunks are freed, the debug channel stops taking
 *   messages and the one in flight settles (bounded by `debugDrainMs`), the peer connection closes, and only then the
 *   bridge's `webrtc:<session_id>` debug session is closed (so a debug_start in flight cannot reopen it afterwards).
 * - At most one live `data` and one live `debug` channel: a newer channel with the same label replaces (closes) the
 *   older one, and a closed channel's handler is dropped, so a peer opening channels in a loop holds bounded memory.
 * - Local candidates are held until `release()` (after the offer's ack is out), so the browser never gets a
 *   candidate before the answer.
 */
export class WebRtcSession {
  lastActivity: number;
  private data: { ch: PeerChannel; handler: DataChannelHandler } | null = null;
  private debugChannel: { ch: PeerChannel; handler: DebugChannelHandler } | null = null;
  private held: LocalCandidate[] | null = [];
  private closing: Promise<void> | null = null;

  constructor(
    readonly sessionId: string,
    readonly deviceId: string,
    private readonly peer: Peer,
    private readonly deps: SessionDeps,
  ) {
    this.lastActivity = deps.now();
    peer.onCandidate((c) => {
      if (this.held) this.held.push(c);
      else deps.onCandidate(c);
    });
    peer.onChannel((ch) => this.attach(ch));
    peer.onState((s) => this.onState(s));
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** A request from the browser is still being handled on a live channel: the session is not idle, however long it takes. */
  get busy(): boolean {
    return (this.data?.handler.busy ?? false) || (this.debugChannel?.handler.busy ?? false);
  }

  answer(offerSdp: string): Promise<string> {
    return this.peer.answer(offerSdp);
  }

  addCandidate(candidate: string, sdpMid?: string, sdpMLineIndex?: number): Promise<void> {
    this.touch();
    return this.peer.addCandidate({ candidate, sdpMid, sdpMLineIndex });
  }

  /** Sends the candidates held back until the answer went out, and every later one at once. */
  release(): void {
    const held = this.held ?? [];
    this.held = null;
    for (const c of held) this.deps.onCandidate(c);
  }

  touch(): void {
    this.lastActivity = this.deps.now();
  }

  close(): Promise<void> {
    this.closing ??= this.teardown(true);
    return this.closing;
  }

  /** Closes a session that was never registered: its peer only, not the bridge's debug session of the id. */
  discard(): Promise<void> {
    this.closing ??= this.teardown(false);
    return this.closing;
  }

  private async teardown(closeBridge: boolean): Promise<void> {
    this.held = null;
    this.data?.handler.dispose();
    const drained = this.debugChannel?.handler.dispose();
    try {
      await this.peer.close();
    } catch (err) {
      this.deps.log.warn('webrtc: closing the peer connection failed', { session_id: this.sessionId, err: err instanceof Error ? err.message : String(err) });
    }
    if (drained) await this.drain(drained);
    if (!closeBridge) return;
    try {
      await this.deps.debug.close(webrtcDebugSession(this.sessionId));
    } catch (err) {
      this.deps.log.warn('webrtc: closing the debug session failed', { session_id: this.sessionId, err: err instanceof Error ? err.message : String(err) });
    }
  }

  private async drain(queue: Promise<void>): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const ms = this.deps.debugDrainMs ?? DEBUG_DRAIN_MS;
    const inTime = await Promise.race([queue.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))]);
    clearTimeout(timer);
    if (!inTime) this.deps.log.warn('webrtc: a debug request was still in flight when the session closed', { session_id: this.sessionId, waited_ms: ms });
  }

  private onState(s: PeerState): void {
    if (this.closed) return;
    this.touch();
    this.deps.log.debug('webrtc: connection state', { session_id: this.sessionId, state: s });
    if (s === 'failed' || s === 'closed') this.deps.onEnded();
  }

  private attach(ch: PeerChannel): void {
    if (this.closed) return;
    this.touch();
    const base = { sessionId: this.sessionId, deviceId: this.deviceId, log: this.deps.log, touch: () => this.touch() };
    if (ch.label === 'data') {
      if (this.data) this.replaced(this.data.ch, () => this.data?.handler.dispose());
      const entry = {
        ch,
        handler: new DataChannelHandler(ch, { ...base, target: this.deps.target, now: this.deps.now, ids: this.deps.ids, budget: this.deps.budget, pingMs: this.deps.pingMs, runCommandDeadlineMs: this.deps.runCommandDeadlineMs }),
      };
      this.data = entry;
      ch.onClose(() => {
        if (this.data === entry) this.data = null;
      });
    } else if (ch.label === 'debug') {
      if (this.debugChannel) this.replaced(this.debugChannel.ch, () => void this.debugChannel?.handler.dispose());
      const entry = { ch, handler: new DebugChannelHandler(ch, { ...base, debug: this.deps.debug }) };
      this.debugChannel = entry;
      ch.onClose(() => {
        if (this.debugChannel === entry) this.debugChannel = null;
      });
    } else {
      this.deps.log.debug('webrtc: ignoring a data channel with an unknown label', { session_id: this.sessionId, label: ch.label });
    }
  }

  private replaced(old: PeerChannel, dispose: () => void): void {
    this.deps.log.info('webrtc: a newer channel replaces the open one', { session_id: this.sessionId, label: old.label });
    dispose();
    try {
      old.close();
    } catch (err) {
      this.deps.log.debug('webrtc: closing a replaced channel failed', { session_id: this.sessionId, err: err instanceof Error ? err.message : String(err) });
    }
  }
}
