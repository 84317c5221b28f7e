import type { AckBody } from '../../../../shared/cloud/acks.js';
import type { DebugBridge } from '../../../../shared/debug/types.js';
import { CHUNKING } from '../../../../shared/webrtc/messages.js';
import { DEFAULT_WEBRTC_SETTINGS, type WebRtcSettings } from '../../../../shared/webrtc/settings.js';
import type { CloudCommandTarget, Logger } from '../types.js';
import { ByteBudget, TransferIds } from './chunking.js';
import type { LocalCandidate, PeerFactory, RemoteCandidate } from './peer.js';
import { WebRtcSession } from './session.js';

export interface OfferRequest {
  session_id: string;
  device_id: string;
  sdp: string;
  sdp_type: string;
}
export interface IceRequest {
  session_id: string;
  candidate?: string | null | undefined;
  sdp_mid?: string | null | undefined;
  sdp_mline_index?: number | null | undefined;
}
export interface DisconnectRequest {
  session_id: string;
  reason?: string | null | undefined;
}

/** What the router calls for the three signalling topics; each returns the ack body and never rejects. */
export interface WebRtcSignalling {
  /** `signal` aborts when the router already answered the offer (its deadline): the session must not outlive that. */
  offer(req: OfferRequest, signal?: AbortSignal): Promise<AckBody>;
  ice(req: IceRequest): Promise<AckBody>;
  disconnect(req: DisconnectRequest): Promise<AckBody>;
}

/** Timers and time, injectable so the idle sweep is unit-tested without waiting. */
export interface SessionClock {
  now(): number;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

const systemClock: SessionClock = {
  now: () => performance.now(),
  setInterval: (fn, ms) => {
    const t = setInterval(fn, ms);
    t.unref();
    return t;
  },
  clearInterval: (h) => clearInterval(h as NodeJS.Timeout),
};

export interface WebRtcSessionsOptions {
  target: CloudCommandTarget;
  debug: DebugBridge;
  /** Emits on the link's socket of the moment; false when the link is offline (the candidate is then dropped). */
  emit(event: string, payload: Record<string, unknown>): boolean;
  log: Logger;
  settings?: Partial<WebRtcSettings>;
  /** run_command's handler deadline (the HTTP timeout + 5 s). */
  runCommandDeadlineMs?: number;
  /** Default: werift, imported on the first offer. */
  peerFactory?: PeerFactory;
  clock?: SessionClock;
}

/** ICE candidates buffered for an offer still being answered; a further one is refused (docs/debug.md "WebRTC sessions"). */
export const MAX_EARLY_CANDIDATES = 64;

/** An offer between its arrival and its registration: its sequence and the ICE that arrived meanwhile. */
interface PendingOffer {
  seq: number;
  candidates: RemoteCandidate[];
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function defaultFactory(): Promise<PeerFactory> {
  return (await import('./werift-peer.js')).weriftPeerFactory;
}

/**
 * The WebRTC sessions of the cloud link (docs/debug.md "WebRTC sessions", docs/protocol.md §4.11 signalling).
 *
 * INVARIANTS
 * - At most one session per session_id, and the NEWEST offer for an id wins: each offer takes a per-id sequence
 *   synchronously on arrival; on registration it ends any older session of the id, and an older offer that finishes
 *   after a newer one arrived ends its own session (its ack is an error).
 * - ICE for an id whose offer is still being answered is buffered (at most MAX_EARLY_CANDIDATES) and handed to the peer
 *   once it exists; dropped if that offer fails.
 * - An offer whose ack already went out (the router's deadline, `signal` aborted) leaves no session behind.
 * - At most `maxSessions` sessions exist (counted when the offer arrives, so concurrent offers cannot overshoot).
 * - A session leaves the map exactly when it starts closing; the idle sweep runs only while sessions exist.
 * - No method rejects: every failure is an error ack body.
 */
export class WebRtcSessions implements WebRtcSignalling {
  private readonly sessions = new Map<string, WebRtcSession>();
  private readonly settings: WebRtcSettings;
  private readonly clock: SessionClock;
  private readonly ids = new TransferIds();
  private readonly budget = new ByteBudget(CHUNKING.maxBufferedBytesPerAgent);
  private seq = 0;
  /** Offers not yet registered, by session_id: the newest one's sequence and its early ICE. */
  private readonly offering = new Map<string, PendingOffer>();
  /** Sessions out of the map whose teardown (ending with the bridge's debug close) is still running, by session_id. */
  private readonly closing = new Map<string, Promise<void>>();
  /** Offers not yet in the map (peer being made), counted against the cap. */
  private pending = 0;
  private sweeper: unknown = null;
  private closedAll = false;
  private factory: Promise<PeerFactory> | null = null;

  constructor(private readonly opts: WebRtcSessionsOptions) {
    this.settings = { ...DEFAULT_WEBRTC_SETTINGS, ...opts.settings };
    this.clock = opts.clock ?? systemClock;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Bytes charged for unfinished inbound chunk transfers across all sessions (docs/debug.md "Data channels"). */
  get bufferedBytes(): number {
    return this.budget.inUse;
  }

  has(sessionId: string): boolean {
    return this.sessions.has(sessionId);
  }

  async offer(req: OfferRequest, signal?: AbortSignal): Promise<AckBody> {
    const session_id = req.session_id;
    const fail = (error: string): AckBody => ({ status: 'error', error, session_id });
    if (this.closedAll) return fail('The cloud link is closing');
    if (req.sdp_type !== 'offer') return fail(`sdp_type must be "offer", got "${req.sdp_type}"`);
    // Taken before any await: this offer's rank among offers for the id, and where its early ICE waits.
    const mine: PendingOffer = { seq: ++this.seq, candidates: [] };
    this.offering.set(session_id, mine);
    const newest = (): boolean => this.offering.get(session_id) === mine;
    const timedOut = (): AckBody | null => (signal?.aborted ? fail(`Session ${session_id} was not answered in time`) : null);
    try {
      return await this.answerOffer(req, mine, newest, timedOut, fail);
    } finally {
      if (newest()) this.offering.delete(session_id);
    }
  }

  private async answerOffer(req: OfferRequest, mine: PendingOffer, newest: () => boolean, timedOut: () => AckBody | null, fail: (error: string) => AckBody): Promise<AckBody> {
    const session_id = req.session_id;
    const superseded = (): AckBody => fail(`Session ${session_id} was replaced by a newer offer`);
    try {
      if (!(await this.opts.debug.hasDevice(req.device_id))) return fail(`Device ${req.device_id} not found`);
    } catch (err) {
      return fail(errorMessage(err));
    }
    const late = timedOut();
    if (late) return late;
    if (!newest()) return superseded();
    const previous = this.sessions.get(session_id);
    if (previous) {
      this.opts.log.info('webrtc: offer replaces the session', { session_id });
      await this.end(previous);
    }
    if (this.sessions.size + this.pending >= this.settings.maxSessions) return fail(`Too many WebRTC sessions (at most ${this.settings.maxSessions})`);
    this.pending += 1;
    let reserved = true;
    const unreserve = (): void => {
      if (reserved) this.pending -= 1;
      reserved = false;
    };
    let session: WebRtcSession | null = null;
    try {
      this.factory ??= this.opts.peerFactory ? Promise.resolve(this.opts.peerFactory) : defaultFactory();
      const peer = await (await this.factory)({ iceServers: this.settings.iceServers, stunGatherTimeoutS: this.settings.stunGatherTimeoutMs / 1000 });
      const s = new WebRtcSession(session_id, req.device_id, peer, {
        target: this.opts.target,
        debug: this.opts.debug,
        log: this.opts.log,
        now: () => this.clock.now(),
        ids: this.ids,
        budget: this.budget,
        pingMs: this.settings.pingMs,
        runCommandDeadlineMs: this.opts.runCommandDeadlineMs ?? 65_000,
        onCandidate: (c) => this.emitCandidate(session_id, c),
        onEnded: () => void this.end(s),
      });
      // An older session of the id (registered while this peer was being made, or still closing) closes the bridge's
      // webrtc:<id> debug session when its teardown ends: that must happen before this session can open one.
      const older = this.sessions.get(session_id);
      if (older && newest()) await this.end(older);
      await this.closing.get(session_id);
      const lateAgain = this.closedAll ? fail('The cloud link is closing') : (timedOut() ?? (newest() ? null : superseded()));
      if (lateAgain) {
        // Never registered, so it has no channels and must not close the bridge session of the id (a newer one's).
        await s.discard();
        return lateAgain;
      }
      session = s;
      this.sessions.set(session_id, s);
      unreserve();
      this.startSweeper();
      const sdp = await s.answer(req.sdp);
      if (this.sessions.get(session_id) !== s) return fail(`Session ${session_id} closed before it was answered`);
      const lateAnswer = timedOut();
      if (lateAnswer) {
        await this.end(s);
        return lateAnswer;
      }
      // The ICE that arrived while the offer was being answered (the peer buffers it until the answer is set).
      for (let c = mine.candidates.shift(); c; c = mine.candidates.shift()) await this.addTo(s, c);
      // No await between the last check above and this: later ICE finds the session in the map.
      if (newest()) this.offering.delete(session_id);
      // The candidates go out after this ack (the browser needs the answer first).
      setImmediate(() => s.release());
      this.opts.log.info('webrtc: session opened', { session_id, device_id: req.device_id, sessions: this.sessions.size });
      return { status: 'success', session_id, sdp, sdp_type: 'answer' };
    } catch (err) {
      if (session) await this.end(session);
      return fail(errorMessage(err));
    } finally {
      unreserve();
    }
  }

  private async addTo(s: WebRtcSession, c: RemoteCandidate): Promise<void> {
    try {
      await s.addCandidate(c.candidate, c.sdpMid, c.sdpMLineIndex);
    } catch (err) {
      this.opts.log.info('webrtc: an early ICE candidate was refused by the peer', { session_id: s.sessionId, err: errorMessage(err) });
    }
  }

  async ice(req: IceRequest): Promise<AckBody> {
    const session_id = req.session_id;
    const endOfCandidates = req.candidate === undefined || req.candidate === null || req.candidate.trim() === '';
    // An offer still being answered takes the ICE that follows it (a newer offer's ICE is never fed to the old peer).
    const early = this.offering.get(session_id);
    if (early) {
      if (endOfCandidates) return { status: 'success', message: 'End of candidates acknowledged', session_id };
      if (early.candidates.length >= MAX_EARLY_CANDIDATES) return { status: 'error', error: `Too many ICE candidates before the answer (at most ${MAX_EARLY_CANDIDATES})`, session_id };
      early.candidates.push({ candidate: req.candidate ?? '', sdpMid: req.sdp_mid ?? undefined, sdpMLineIndex: req.sdp_mline_index ?? undefined });
      return { status: 'success', session_id };
    }
    const s = this.sessions.get(session_id);
    if (!s) return { status: 'error', error: `Session ${session_id} not found`, session_id };
    if (endOfCandidates || req.candidate == null) {
      s.touch();
      return { status: 'success', message: 'End of candidates acknowledged', session_id };
    }
    try {
      await s.addCandidate(req.candidate, req.sdp_mid ?? undefined, req.sdp_mline_index ?? undefined);
      return { status: 'success', session_id };
    } catch (err) {
      return { status: 'error', error: errorMessage(err), session_id };
    }
  }

  async disconnect(req: DisconnectRequest): Promise<AckBody> {
    const s = this.sessions.get(req.session_id);
    if (!s) return { status: 'warning', message: 'Session not found (may already be closed)', session_id: req.session_id };
    this.opts.log.info('webrtc: session closed by the cloud', { session_id: req.session_id, reason: req.reason ?? null });
    await this.end(s);
    return { status: 'success', message: 'Session closed', session_id: req.session_id };
  }

  /** Closes sessions idle for `idleTimeoutMs`, never one still handling a request (public so tests drive it with their clock). */
  sweep(): void {
    const now = this.clock.now();
    for (const s of [...this.sessions.values()]) {
      if (!s.busy && now - s.lastActivity >= this.settings.idleTimeoutMs) {
        this.opts.log.info('webrtc: session idle, closing', { session_id: s.sessionId, idle_ms: Math.round(now - s.lastActivity) });
        void this.end(s);
      }
    }
  }

  /** Closes every session: on link close (`final`, later offers are refused) or retire (a re-enrolment may offer again). */
  async closeAll(final = true): Promise<void> {
    if (final) this.closedAll = true;
    await Promise.all([...this.sessions.values()].map((s) => this.end(s)));
    this.stopSweeper();
  }

  private async end(s: WebRtcSession): Promise<void> {
    if (this.sessions.get(s.sessionId) === s) this.sessions.delete(s.sessionId);
    if (this.sessions.size === 0) this.stopSweeper();
    const done = s.close();
    this.closing.set(s.sessionId, done);
    await done;
    if (this.closing.get(s.sessionId) === done) this.closing.delete(s.sessionId);
  }

  private emitCandidate(session_id: string, c: LocalCandidate): void {
    const sent = this.opts.emit('webrtc:ice', { session_id, candidate: c.candidate, sdp_mid: c.sdpMid, sdp_mline_index: c.sdpMLineIndex });
    if (!sent) this.opts.log.debug('webrtc: local candidate dropped, the cloud link is offline', { session_id });
  }

  private startSweeper(): void {
    if (this.sweeper !== null) return;
    this.sweeper = this.clock.setInterval(() => this.sweep(), this.settings.idleCheckMs);
  }

  private stopSweeper(): void {
    if (this.sweeper === null) return;
    this.clock.clearInterval(this.sweeper);
    this.sweeper = null;
  }
}
