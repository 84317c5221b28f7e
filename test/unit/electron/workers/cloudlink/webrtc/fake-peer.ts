import type { LocalCandidate, Peer, PeerChannel, PeerConfig, PeerFactory, PeerState, RemoteCandidate } from '../../../../../../electron/workers/cloudlink/webrtc/peer.js';

/** A data channel driven by the test: `open()`, `deliver(text)`, and what the agent sent in `sent`. */
export class FakeChannel implements PeerChannel {
  isOpen = false;
  maxMessageSize = 65_536;
  readonly sent: string[] = [];
  private readonly opens: Array<() => void> = [];
  private readonly messages: Array<(t: string) => void> = [];
  private readonly closes: Array<() => void> = [];
  constructor(readonly label: string) {}
  send(text: string): void {
    if (!this.isOpen) throw new Error('channel not open');
    this.sent.push(text);
  }
  close(): void {
    if (!this.isOpen) return;
    this.isOpen = false;
    for (const cb of this.closes) cb();
  }
  onOpen(cb: () => void): void {
    this.opens.push(cb);
  }
  onMessage(cb: (text: string) => void): void {
    this.messages.push(cb);
  }
  onClose(cb: () => void): void {
    this.closes.push(cb);
  }
  open(): void {
    this.isOpen = true;
    for (const cb of this.opens) cb();
  }
  deliver(text: string | Record<string, unknown>): void {
    const t = typeof text === 'string' ? text : JSON.stringify(text);
    for (const cb of this.messages) cb(t);
  }
  /** What the agent sent, parsed. */
  json(): Array<Record<string, unknown>> {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
}

export class FakePeer implements Peer {
  closed = false;
  readonly added: RemoteCandidate[] = [];
  private candidateCb: (c: LocalCandidate) => void = () => undefined;
  private channelCb: (c: PeerChannel) => void = () => undefined;
  private stateCb: (s: PeerState) => void = () => undefined;
  constructor(readonly config: PeerConfig) {}
  answer(offerSdp: string): Promise<string> {
    if (offerSdp === 'bad') return Promise.reject(new Error('Invalid SDP'));
    if (offerSdp === 'slow') return new Promise((resolve) => setTimeout(() => resolve('answer-to:slow'), 300));
    if (offerSdp === 'candidate-during-answer') this.candidate('candidate:early');
    return Promise.resolve(`answer-to:${offerSdp}`);
  }
  addCandidate(c: RemoteCandidate): Promise<void> {
    if (c.candidate === 'reject') return Promise.reject(new Error('bad candidate'));
    this.added.push(c);
    return Promise.resolve();
  }
  onCandidate(cb: (c: LocalCandidate) => void): void {
    this.candidateCb = cb;
  }
  onChannel(cb: (ch: PeerChannel) => void): void {
    this.channelCb = cb;
  }
  onState(cb: (s: PeerState) => void): void {
    this.stateCb = cb;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  candidate(c: string): void {
    this.candidateCb({ candidate: c, sdpMid: '0', sdpMLineIndex: 0 });
  }
  channel(label: string): FakeChannel {
    const ch = new FakeChannel(label);
    this.channelCb(ch);
    return ch;
  }
  state(s: PeerState): void {
    this.stateCb(s);
  }
}

/** A factory that keeps every peer it made, newest last. */
export function fakeFactory(): { factory: PeerFactory; peers: FakePeer[] } {
  const peers: FakePeer[] = [];
  return {
    peers,
    factory: (config) => {
      const p = new FakePeer(config);
      peers.push(p);
      return Promise.resolve(p);
    },
  };
}
