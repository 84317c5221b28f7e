import type { Socket } from 'socket.io-client';
import type { ClientCredentials } from '../../lib/certs/credentials.js';
import { pruneCredentialGenerations } from '../../lib/certs/store.js';
import { CredentialWatcher } from '../../lib/certs/watcher.js';
import { reconnectDelay } from './backoff.js';
import { HeartbeatBuilder, HeartbeatLoop, type LoopClock } from './heartbeat.js';
import type { CommandRouter } from './router.js';
import { openSocket, socketWritable, type LinkAgent } from './transport.js';
import { DEFAULT_TIMING, type HeartbeatSource, type LinkState, type LinkTiming, type Logger } from './types.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';

export interface CloudLinkOptions {
  url: string;
  mtlsDir: string;
  /** Server trust set (core/certs/trust.ts). */
  trust: string[];
  /** Optional SPKI sha256 pins of the server's key or CA (checked on top of normal verification). */
  serverPins?: readonly string[];
  router: CommandRouter;
  heartbeat: HeartbeatSource;
  log: Logger;
  timing?: Partial<LinkTiming>;
  random?: () => number;
  loopClock?: LoopClock;
}

export interface LinkStats {
  state: LinkState;
  agentId: string | null;
  fingerprint: string | null;
  everConnected: boolean;
  attempt: number;
  attempts: number;
  connects: number;
  activeHeartbeatLoops: number;
  beatsSent: number;
  lastError: string | null;
  certificateWarning: string | null;
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const d = (err as { description?: unknown }).description;
  const inner = d instanceof Error ? d.message : typeof d === 'object' && d !== null && 'message' in d ? String((d as { message: unknown }).message) : '';
  return inner && inner !== err.message ? `${err.message}: ${inner}` : err.message;
}

/**
 * The cloud link: one Socket.IO connection at a time over mutual TLS, its own reconnect loop (docs/protocol.md §2.4), one
 * heartbeat loop per connection (§2.6), certificate hot reload (§2.7) and a graceful close.
 *
 * INVARIANTS
 * - At most one socket (with its own Manager and https.Agent) exists; each attempt builds fresh ones and `finish`
 *   tears them down exactly once.
 * - At most one heartbeat loop is active: a loop is started on `connect` after stopping any previous one, and is
 *   stopped when its connection ends.
 * - Without accepted credentials no attempt is made (state `not_enrolled`); the watcher wakes the loop.
 * - The loop (`run`) is the only place that sleeps between attempts; `wake()` cuts a sleep short; close() awaits it.
 */
export class CloudLink {
  private readonly timing: LinkTiming;
  private readonly watcher: CredentialWatcher;
  private readonly builder: HeartbeatBuilder;
  private readonly listeners = new TypedEmitter<{ state: [LinkState] }>((err) => this.opts.log.warn('link state listener failed', { err: String(err) }));
  private readonly activeLoops = new Set<HeartbeatLoop>();
  private creds: ClientCredentials | null = null;
  private state: LinkState = 'not_enrolled';
  private endAttempt: (() => void) | null = null;
  /** The socket of the connection that is up now (null between connections). */
  private current: Socket | null = null;
  private wakeup: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private closed = false;
  private reconnectNow = false;
  private everConnected = false;
  /** The id of the last accepted certificate; kept across forget() so a re-enrolment after self-destruct is seen. */
  private linkedAgentId: string | null = null;
  private attempt = 0;
  private attempts = 0;
  private connects = 0;
  private beats = 0;
  private lastError: string | null = null;
  private certificateWarning: string | null = null;

  constructor(private readonly opts: CloudLinkOptions) {
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.builder = new HeartbeatBuilder(opts.heartbeat);
    this.watcher = new CredentialWatcher({
      dir: opts.mtlsDir,
      pollMs: this.timing.certPollMs,
      onAccepted: (c) => this.accept(c),
      onRejected: (reason, missing) => {
        this.certificateWarning = reason;
        if (this.creds) opts.log.warn('new client certificate rejected; the current one stays in use', { reason });
        else opts.log.warn(missing ? 'not enrolled: the cloud link waits for credentials' : 'client certificate unusable; not connecting', { reason });
      },
      onExpiry: (w) => {
        this.certificateWarning = w.message;
        opts.log.warn(w.message ?? 'client certificate expiry', { level: w.level });
      },
    });
  }

  async start(): Promise<void> {
    if (this.loop) return;
    await this.watcher.start();
    this.loop = this.run();
  }

  onState(cb: (s: LinkState) => void): () => void {
    return this.listeners.on('state', cb);
  }

  stats(): LinkStats {
    return {
      state: this.state,
      agentId: this.creds?.info.agentId ?? null,
      fingerprint: this.creds?.info.fingerprint256 ?? null,
      everConnected: this.everConnected,
      attempt: this.attempt,
      attempts: this.attempts,
      connects: this.connects,
      activeHeartbeatLoops: this.activeLoops.size,
      beatsSent: this.beats,
      lastError: this.lastError,
      certificateWarning: this.certificateWarning,
    };
  }

  /**
   * Emits an agent event (docs/protocol.md §4.0: only `webrtc:ice` besides the heartbeat) on the connection that is up
   * now, whichever connection was up when the session began; false when there is none (the event is dropped).
   */
  emit(event: string, payload: Record<string, unknown>): boolean {
    const socket = this.current;
    if (!socket || !socketWritable(socket)) return false;
    try {
      socket.emit(event, payload);
      return true;
    } catch (err) {
      this.opts.log.warn('cloud link: emit failed', { event, err: describe(err) });
      return false;
    }
  }

  /** Drops the credentials (self-destruct moved them away): disconnects and waits, not enrolled, for new ones. */
  forget(): void {
    this.creds = null;
    this.watcher.forget();
    this.endAttempt?.();
    this.wake();
  }

  /** Graceful close (docs/protocol.md §2.7 item 2): refuse new commands, wait for in-flight acks, then disconnect. */
  async close(): Promise<void> {
    if (this.closed) return this.loop ?? undefined;
    this.closed = true;
    this.opts.router.refuseNew();
    const drained = await this.opts.router.drain(this.timing.drainMs);
    if (!drained) this.opts.log.warn('closing the cloud link with commands still unanswered', { pending: this.opts.router.pending });
    this.watcher.stop();
    this.endAttempt?.();
    this.wake();
    await this.loop;
    this.setState('closed');
  }

  private setState(s: LinkState): void {
    if (s === this.state) return;
    this.state = s;
    this.listeners.emit('state', s);
  }

  private accept(c: ClientCredentials): void {
    const previous = this.creds;
    this.creds = c;
    this.certificateWarning = null;
    this.opts.log.info('client certificate accepted', { agent_id: c.info.agentId, fingerprint: c.info.fingerprint256, not_after: c.info.notAfter });
    if (this.linkedAgentId !== null && this.linkedAgentId !== c.info.agentId) {
      // Re-enrolment (also after a self-destruct dropped the old pair): a new id opens a new linking window (docs/decisions.md "Linking window").
      this.everConnected = false;
      this.attempt = 0;
    }
    this.linkedAgentId = c.info.agentId;
    if (previous && this.endAttempt) {
      this.reconnectNow = true;
      this.endAttempt();
    }
    this.wake();
  }

  private wake(): void {
    const w = this.wakeup;
    this.wakeup = null;
    w?.();
  }

  private sleep(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => this.wake(), ms);
      this.wakeup = () => {
        if (timer) clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (!this.closed) {
      const creds = this.creds;
      if (!creds) {
        this.setState('not_enrolled');
        await this.sleep(null);
        continue;
      }
      this.attempts += 1;
      this.setState('connecting');
      await this.connectOnce(creds);
      if (this.closed) break;
      if (this.reconnectNow) {
        // A rotated certificate: reconnect at once, counter unchanged (docs/protocol.md §2.7 item 1).
        this.reconnectNow = false;
        continue;
      }
      if (!this.creds) continue;
      const { delayMs, nextAttempt } = reconnectDelay(this.everConnected, this.attempt, this.timing, this.opts.random);
      this.attempt = nextAttempt;
      this.setState('waiting');
      this.opts.log.debug('cloud link: next attempt', { in_ms: Math.round(delayMs) });
      await this.sleep(delayMs);
    }
  }

  private connectOnce(creds: ClientCredentials): Promise<void> {
    let socket: Socket;
    let agent: LinkAgent;
    try {
      ({ socket, agent } = openSocket(this.opts.url, { cert: creds.tls.cert, key: creds.tls.key, ca: this.opts.trust, pins: this.opts.serverPins ?? [] }, this.timing.connectTimeoutMs));
    } catch (err) {
      this.lastError = describe(err);
      this.opts.log.warn('cloud link: cannot open a connection', { err: this.lastError });
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      let loop: HeartbeatLoop | null = null;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        this.endAttempt = null;
        if (this.current === socket) this.current = null;
        if (loop) {
          loop.stop();
          this.activeLoops.delete(loop);
        }
        socket.offAny();
        socket.removeAllListeners();
        socket.disconnect();
        agent.destroy();
        resolve();
      };
      this.endAttempt = finish;
      socket.onAny((event: string, ...args: unknown[]) => this.opts.router.onEvent(event, args));
      socket.on('connect', () => {
        this.everConnected = true;
        this.attempt = 0;
        this.connects += 1;
        this.lastError = null;
        this.current = socket;
        this.setState('connected');
        this.opts.log.info('cloud link connected', { url: this.opts.url, agent_id: creds.info.agentId });
        // The pair works: the previous ones kept for a failed switch-over can go.
        pruneCredentialGenerations(this.opts.mtlsDir, creds.tls.cert).then(
          (removed) => removed.length > 0 && this.opts.log.info('removed earlier client certificates after connecting with the new one', { removed }),
          (err: unknown) => this.opts.log.warn('could not remove earlier client certificates', { err: describe(err) }),
        );
        for (const old of this.activeLoops) old.stop();
        this.activeLoops.clear();
        loop = this.newHeartbeat(socket);
        this.activeLoops.add(loop);
        loop.start();
      });
      socket.on('connect_error', (err: Error) => {
        const cause = agent.lastError;
        const text = describe(err);
        this.lastError = cause && !text.includes(cause) ? `${text}: ${cause}` : text;
        this.opts.log.warn('cloud link: connection refused or failed', { err: this.lastError });
        finish();
      });
      socket.on('disconnect', (reason: string) => {
        this.opts.log.info('cloud link disconnected', { reason });
        finish();
      });
      socket.connect();
    });
  }

  private newHeartbeat(socket: Socket): HeartbeatLoop {
    return new HeartbeatLoop({
      intervalMs: this.timing.heartbeatMs,
      failureLimit: this.timing.heartbeatFailureLimit,
      agentId: () => this.creds?.info.agentId ?? null,
      builder: this.builder,
      writable: () => socketWritable(socket),
      send: (payload) => {
        socket.emit('heartbeat', payload);
        this.beats += 1;
      },
      onFailureLimit: () => this.endAttempt?.(),
      ...(this.opts.loopClock ? { clock: this.opts.loopClock } : {}),
      log: this.opts.log,
    });
  }
}
