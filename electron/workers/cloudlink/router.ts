import {
  AckBody,
  isLaterPhaseTopic,
  LATER_PHASE_CONTRACTS,
  WEBRTC_NOT_SUPPORTED,
  wrapAck,
  type AckEnvelope,
  type LaterPhaseTopic,
} from '../../../shared/cloud/acks.js';
import type { CorrelationId } from '../../../shared/cloud/base.js';
import { echoCorrelationId, isPlainObject, parseCommand, validationAck } from '../../../shared/cloud/parse.js';
import { isRequestTopic, REQUEST_CONTRACTS, type RequestTopic } from '../../../shared/cloud/topics.js';
import { WEBRTC_TURNED_OFF } from '../../../shared/webrtc/settings.js';
import type { CloudCommandTarget, Logger } from './types.js';
import type { WebRtcSignalling } from './webrtc/sessions.js';

export type AckFn = (response: AckEnvelope) => void;

/** Handler deadlines (docs/protocol.md §12 with docs/decisions.md "Handler deadlines"), ms. */
export const DEFAULT_DEADLINES_MS: Readonly<Record<RequestTopic | LaterPhaseTopic, number>> = Object.freeze({
  create_new_runtime: 5_000,
  delete_device: 5_000,
  delete_orchestrator: 5_000,
  // The run_command HTTP timeout (60 s by default) + 5 s, so the proxy's own 504 always answers first.
  run_command: 65_000,
  get_device_status: 10_000,
  get_host_interfaces: 10_000,
  get_serial_devices: 10_000,
  get_consumption_device: 10_000,
  get_consumption_orchestrator: 10_000,
  start_device: 30_000,
  stop_device: 30_000,
  restart_device: 30_000,
  apply_pending_changes: 30_000,
  'webrtc:offer': 10_000,
  'webrtc:ice': 10_000,
  'webrtc:disconnect': 10_000,
});

export interface RouterOptions {
  target: CloudCommandTarget;
  log: Logger;
  deadlines?: Partial<Record<RequestTopic | LaterPhaseTopic, number>>;
  /** The WebRTC sessions (docs/protocol.md §4.11); without them the signalling topics are answered "not supported". */
  webrtc?: WebRtcSignalling;
  /** `cloud.webrtc.enabled` is false: without sessions, the signalling topics are answered "turned off" instead. */
  webrtcTurnedOff?: boolean;
}

class Deadline extends Error {}

function seconds(ms: number): string {
  return String(Math.round((ms / 1000) * 10) / 10);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Turns every cloud event into exactly one ack (docs/protocol.md §2.5, §2.7 items 3–4, §3.3–§3.4).
 *
 * INVARIANTS
 * - Each dispatched event calls its ack at most once, and exactly once unless the process dies: validation, later-phase
 *   answers, handler results, thrown errors and deadlines all end in `reply`.
 * - A handler that outlives its deadline keeps running; its late result is logged and dropped.
 * - Every deadline timer is cleared when its handler settles; `inFlight` holds each dispatch until its ack is sent.
 * - After `refuseNew()`, new events are answered "Agent is shutting down" without reaching the target.
 */
export class CommandRouter {
  private shuttingDown = false;
  private readonly inFlight = new Set<Promise<AckEnvelope>>();
  private readonly deadlines: Record<string, number>;

  constructor(private readonly opts: RouterOptions) {
    this.deadlines = { ...DEFAULT_DEADLINES_MS, ...opts.deadlines };
  }

  /** Socket.IO `onAny` entry: `(event, ...args)`, the ack callback (if any) being the last argument. */
  onEvent(event: string, args: unknown[]): void {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as AckFn) : null;
    const payload = ack !== null && args.length === 1 ? undefined : args[0];
    void this.dispatch(event, payload, ack);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** Answers one command and returns the ack it sent. Never rejects. */
  dispatch(topic: string, payload: unknown, ack: AckFn | null): Promise<AckEnvelope> {
    const started = performance.now();
    const cid = echoCorrelationId(payload);
    let sent = false;
    const reply = (response: AckEnvelope): AckEnvelope => {
      if (sent) return response;
      sent = true;
      const ms = Math.round(performance.now() - started);
      const meta = { topic, correlation_id: cid, status: response['status'] ?? '(none)', ms };
      if (ack === null) this.opts.log.info('cloud event without ack handled', meta);
      else {
        this.opts.log.info('cloud command', meta);
        try {
          ack(response);
        } catch (err) {
          this.opts.log.error('sending an ack failed', { topic, correlation_id: cid, err: errorMessage(err) });
        }
      }
      return response;
    };
    if (this.shuttingDown) return Promise.resolve(reply(wrapAck(topic, cid, { status: 'error', error: 'Agent is shutting down' })));
    const p = this.answer(topic, payload, cid)
      .catch((err: unknown) => wrapAck(topic, cid, { status: 'error', error: `Internal error: ${errorMessage(err)}` }))
      .then(reply);
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
    return p;
  }

  refuseNew(): void {
    this.shuttingDown = true;
  }

  /** Waits up to `ms` for in-flight acks; true when all were sent. */
  async drain(ms: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([
      Promise.allSettled([...this.inFlight]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
    ]);
    clearTimeout(timer);
    return done;
  }

  private async answer(topic: string, payload: unknown, cid: CorrelationId | null): Promise<AckEnvelope> {
    if (isLaterPhaseTopic(topic)) return this.signalling(topic, payload, cid);
    if (!isRequestTopic(topic)) return wrapAck(topic, cid, { status: 'error', error: `Unknown command: ${topic}` });
    const parsed = parseCommand(REQUEST_CONTRACTS[topic], payload);
    if (!parsed.ok) return { ...validationAck(topic, isPlainObject(payload) ? payload['correlation_id'] : null, parsed) };
    const body = await this.withDeadline(topic, () => this.opts.target.execute(topic, parsed.value as never));
    const checked = AckBody.safeParse(body);
    if (!checked.success || !isPlainObject(body)) throw new Error(`the ${topic} handler returned no ack object`);
    return wrapAck(topic, cid, checked.data);
  }

  private async signalling(topic: LaterPhaseTopic, payload: unknown, cid: CorrelationId | null): Promise<AckEnvelope> {
    const validation = (failure: Parameters<typeof validationAck>[2]): AckEnvelope => {
      const sessionId = isPlainObject(payload) ? payload['session_id'] : undefined;
      // The table of docs/protocol.md §4.11 carries session_id on every signalling ack, refusals included.
      return { ...validationAck(topic, isPlainObject(payload) ? payload['correlation_id'] : null, failure), ...(typeof sessionId === 'string' ? { session_id: sessionId } : {}) };
    };
    const webrtc = this.opts.webrtc;
    const refusal = this.opts.webrtcTurnedOff ? WEBRTC_TURNED_OFF : WEBRTC_NOT_SUPPORTED;
    let body: AckBody;
    switch (topic) {
      case 'webrtc:offer': {
        const parsed = parseCommand(LATER_PHASE_CONTRACTS[topic], payload);
        if (!parsed.ok) return validation(parsed);
        if (!webrtc) return wrapAck(topic, cid, { status: 'error', error: refusal, session_id: parsed.value.session_id });
        body = await this.withDeadline(topic, (signal) => webrtc.offer(parsed.value, signal), parsed.value.session_id);
        break;
      }
      case 'webrtc:ice': {
        const parsed = parseCommand(LATER_PHASE_CONTRACTS[topic], payload);
        if (!parsed.ok) return validation(parsed);
        if (!webrtc) return wrapAck(topic, cid, { status: 'error', error: refusal, session_id: parsed.value.session_id });
        body = await this.withDeadline(topic, () => webrtc.ice(parsed.value), parsed.value.session_id);
        break;
      }
      case 'webrtc:disconnect': {
        const parsed = parseCommand(LATER_PHASE_CONTRACTS[topic], payload);
        if (!parsed.ok) return validation(parsed);
        if (!webrtc) return wrapAck(topic, cid, { status: 'error', error: refusal, session_id: parsed.value.session_id });
        body = await this.withDeadline(topic, () => webrtc.disconnect(parsed.value), parsed.value.session_id);
        break;
      }
    }
    return wrapAck(topic, cid, body);
  }

  /** Runs `run` against the topic's deadline; `signal` aborts when the timeout ack is sent, so work can undo itself. */
  private async withDeadline<T>(topic: string, run: (signal: AbortSignal) => Promise<T>, sessionId?: string): Promise<T> {
    const ms = this.deadlines[topic] ?? 10_000;
    let timer: NodeJS.Timeout | undefined;
    const abort = new AbortController();
    const work = Promise.resolve().then(() => run(abort.signal));
    try {
      return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Deadline()), ms)))]);
    } catch (err) {
      if (!(err instanceof Deadline)) throw err;
      abort.abort();
      void work.then(
        () => this.opts.log.warn('cloud command finished after its deadline', { topic }),
        (e: unknown) => this.opts.log.warn('cloud command failed after its deadline', { topic, err: errorMessage(e) }),
      );
      return { status: 'error', error: `Timeout: ${topic} did not complete within ${seconds(ms)} s`, ...(sessionId !== undefined ? { session_id: sessionId } : {}) } as T;
    } finally {
      clearTimeout(timer);
    }
  }
}
