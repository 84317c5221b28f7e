/**
 * A "browser" for the WebRTC tests: a real werift OFFERER that signals through the cloud simulator over the real mTLS
 * link (offer and its ICE go out as cloud topics; the agent's `webrtc:ice` events come back through the simulator),
 * with its own chunking (written from docs/protocol.md §4.11, independent of the agent's) so both sides are checked.
 */
import { RTCPeerConnection, RTCSessionDescription, type RTCDataChannel } from 'werift';
import type { CloudSim } from '../cloud-sim/sim.js';

type Json = Record<string, unknown>;

const CHUNK_AT = 15_000;
const CHUNK_CHARS = 14_000;
let transfers = 0;

/** The frames a browser sends for one message (chunked at 15000 characters into 14000-character pieces). */
export function browserFrames(message: Json): string[] {
  const text = JSON.stringify(message);
  if (text.length < CHUNK_AT) return [text];
  const id = `${Date.now()}-b${++transfers}`;
  const n = Math.ceil(text.length / CHUNK_CHARS);
  const out = [JSON.stringify({ type: 'chunk_start', transfer_id: id, total_chunks: n, total_size: text.length })];
  for (let i = 0; i < n; i++) out.push(JSON.stringify({ type: 'chunk_data', transfer_id: id, sequence: i, data: text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS) }));
  out.push(JSON.stringify({ type: 'chunk_end', transfer_id: id }));
  return out;
}

/**
 * One channel as the test sees it: every frame received, messages reassembled, and waits for a matching one. Like a
 * browser, it answers the agent's `ping` with `pong` (docs/debug.md "WebRTC sessions": that keeps a quiet session
 * open) unless `answerPings` is false. A wait ends with an error as soon as the channel closes.
 */
export class TestChannel {
  readonly frames: Json[] = [];
  readonly messages: Json[] = [];
  private readonly partial = new Map<string, string[]>();
  private readonly waiters = new Set<() => void>();
  private isClosed = false;
  private failOpen: (err: Error) => void = () => undefined;
  opened: Promise<void>;
  closed: Promise<void>;

  constructor(
    readonly dc: RTCDataChannel,
    private readonly answerPings = true,
  ) {
    this.opened = new Promise((resolve, reject) => {
      this.failOpen = reject;
      dc.stateChanged.subscribe((s) => {
        if (s === 'open') resolve();
        else if (s === 'closed') reject(new Error(`${dc.label}: closed before it opened`));
      });
    });
    // Handled here so a channel nobody awaits the opening of may close; an awaiter still gets the rejection.
    this.opened.catch(() => undefined);
    this.closed = new Promise((resolve) =>
      dc.stateChanged.subscribe((s) => {
        if (s !== 'closed') return;
        this.isClosed = true;
        resolve();
        for (const w of [...this.waiters]) w();
      }),
    );
    dc.onMessage.subscribe((data) => this.receive(typeof data === 'string' ? data : data.toString('utf8')));
  }

  private receive(text: string): void {
    const frame = JSON.parse(text) as Json;
    this.frames.push(frame);
    const id = String(frame['transfer_id'] ?? '');
    if (frame['type'] === 'chunk_start') this.partial.set(id, new Array<string>(Number(frame['total_chunks'])).fill(''));
    else if (frame['type'] === 'chunk_data') {
      const parts = this.partial.get(id);
      if (parts) parts[Number(frame['sequence'])] = String(frame['data']);
    } else if (frame['type'] === 'chunk_end') {
      const parts = this.partial.get(id);
      this.partial.delete(id);
      if (parts) this.messages.push(JSON.parse(parts.join('')) as Json);
    } else this.messages.push(frame);
    if (frame['type'] === 'ping' && this.answerPings && this.dc.readyState === 'open') this.dc.send(JSON.stringify({ type: 'pong' }));
    for (const w of [...this.waiters]) w();
  }

  /** The peer connection failed or closed: a channel that never opened will not, and no wait can succeed. */
  ended(state: string): void {
    this.failOpen(new Error(`${this.dc.label}: the connection is ${state}`));
    this.isClosed = true;
    for (const w of [...this.waiters]) w();
  }

  send(message: Json): void {
    for (const f of browserFrames(message)) this.dc.send(f);
  }

  sendRaw(text: string): void {
    this.dc.send(text);
  }

  /** The first message (from `from` on) matching `pred`. */
  next(pred: (m: Json) => boolean, timeoutMs = 15_000, from = 0): Promise<Json> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = this.messages.slice(from).find(pred);
        if (!hit && !this.isClosed) return;
        this.waiters.delete(check);
        clearTimeout(timer);
        if (hit) resolve(hit);
        else reject(new Error(`${this.dc.label}: the channel closed with no matching message; got ${JSON.stringify(this.messages).slice(0, 500)}`));
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.dc.label}: no matching message within ${timeoutMs} ms; got ${JSON.stringify(this.messages).slice(0, 500)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Sends `message` and waits for the reply of `replyType` after it. */
  async request(message: Json, pred: (m: Json) => boolean, timeoutMs = 15_000): Promise<Json> {
    const from = this.messages.length;
    this.send(message);
    return this.next(pred, timeoutMs, from);
  }
}

export interface BrowserPeer {
  pc: RTCPeerConnection;
  ack: Json;
  data: TestChannel;
  debug: TestChannel;
  /** ms from sending webrtc:offer to the `data` channel open. */
  openMs(): Promise<number>;
  /** The acks of every webrtc:ice this browser sent so far (a send that failed is an error ack with its reason). */
  iceAcks(): Promise<Json[]>;
  close(): Promise<void>;
}

/**
 * Offers a session to the agent through the simulator and wires ICE both ways. Like a real browser, its own candidates
 * trickle right behind the offer, without waiting for the answer (the agent buffers them). Resolves with the offer's
 * ack as soon as it arrives (the channels open later: await `data.opened`).
 */
export async function offerSession(sim: CloudSim, sessionId: string, deviceId: string, correlationId: number, opts: { answerPings?: boolean } = {}): Promise<BrowserPeer> {
  const pc = new RTCPeerConnection({ iceServers: [], iceStunGatherTimeout: 0.2 });
  const data = new TestChannel(pc.createDataChannel('data'), opts.answerPings ?? true);
  const debug = new TestChannel(pc.createDataChannel('debug'));
  pc.connectionStateChange.subscribe((state) => {
    if (state !== 'failed' && state !== 'closed') return;
    data.ended(state);
    debug.ended(state);
  });
  let remoteSet = false;
  const early: Json[] = [];
  const addRemote = (p: Json): void => {
    const candidate = p['candidate'];
    if (typeof candidate !== 'string') return;
    void pc.addIceCandidate({ candidate, sdpMid: (p['sdp_mid'] as string | null) ?? undefined, sdpMLineIndex: (p['sdp_mline_index'] as number | null) ?? undefined }).catch(() => undefined);
  };
  const unsubscribe = sim.onAgentEvent((r) => {
    const p = r.payload as Json;
    if (r.event !== 'webrtc:ice' || p['session_id'] !== sessionId) return;
    if (remoteSet) addRemote(p);
    else early.push(p);
  });
  let offered = false;
  const mine: Json[] = [];
  const acks: Array<Promise<Json>> = [];
  const sendIce = (c: Json): void => {
    acks.push(
      sim.send('webrtc:ice', { correlation_id: correlationId, session_id: sessionId, ...c }).then(
        (a) => a as Json,
        (err: unknown) => ({ status: 'error', error: `not acked: ${err instanceof Error ? err.message : String(err)}` }),
      ),
    );
  };
  pc.onIceCandidate.subscribe((c) => {
    if (!c?.candidate) return;
    const payload = { candidate: c.candidate, sdp_mid: c.sdpMid ?? null, sdp_mline_index: c.sdpMLineIndex ?? null };
    if (offered) sendIce(payload);
    else mine.push(payload);
  });
  await pc.setLocalDescription(await pc.createOffer());
  const started = performance.now();
  const openAt = data.opened.then(() => performance.now() - started);
  openAt.catch(() => undefined);
  const acked = sim.send('webrtc:offer', { correlation_id: correlationId, session_id: sessionId, device_id: deviceId, sdp: pc.localDescription?.sdp ?? '', sdp_type: 'offer' });
  // The candidates gathered with the offer go out at once, behind it on the same connection.
  offered = true;
  for (const c of mine.splice(0)) sendIce(c);
  const ack = (await acked) as Json;
  if (ack['status'] === 'success') {
    await pc.setRemoteDescription(new RTCSessionDescription(String(ack['sdp']), 'answer'));
    remoteSet = true;
    for (const p of early.splice(0)) addRemote(p);
  }
  return {
    pc,
    ack,
    data,
    debug,
    openMs: () => openAt,
    iceAcks: () => Promise.all(acks),
    close: async () => {
      unsubscribe();
      await pc.close();
    },
  };
}
