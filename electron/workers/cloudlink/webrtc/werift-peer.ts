import type * as WeriftModule from 'werift';
import type { RTCDataChannel as WeriftChannel } from 'werift';
import type { Peer, PeerChannel, PeerConfig, PeerFactory, PeerState } from './peer.js';

type Werift = typeof WeriftModule;

let loading: Promise<Werift> | null = null;

/** werift is imported on the first offer only: an agent that never opens a session does not pay its memory. */
function loadWerift(): Promise<Werift> {
  loading ??= import('werift').catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

/**
 * A candidate whose address werift would resolve over multicast DNS (its own test: the address contains ".local").
 * We never hand those to werift: resolving opens a UDP 5353 socket per peer connection, and a failed bind there is an
 * unhandled 'error' event inside werift (docs/debug.md "WebRTC sessions", mDNS candidates). The browser's connectivity
 * checks still reach our candidates, so its address is learnt as peer-reflexive.
 */
export function isMdnsCandidate(candidate: string): boolean {
  const address = candidate.trim().replace(/^a=/, '').split(/\s+/)[4];
  return address !== undefined && address.toLowerCase().includes('.local');
}

function textOf(data: unknown): string {
  if (typeof data === 'string') return data;
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  return String(data);
}

function wrapChannel(ch: WeriftChannel): PeerChannel {
  return {
    get label() {
      return ch.label;
    },
    get isOpen() {
      return ch.readyState === 'open';
    },
    get maxMessageSize() {
      // The remote's a=max-message-size (werift's default 65536 until the answer set it); werift throws above it.
      return ch.sctp.remoteMaxMessageSize;
    },
    send: (text) => ch.send(text),
    close: () => ch.close(),
    onOpen: (cb) => {
      ch.stateChanged.subscribe((s) => s === 'open' && cb());
    },
    onMessage: (cb) => {
      ch.onMessage.subscribe((data) => cb(textOf(data)));
    },
    onClose: (cb) => {
      ch.stateChanged.subscribe((s) => s === 'closed' && cb());
    },
  };
}

/** The answerer side of one session on werift (docs/debug.md "WebRTC sessions"). */
export const weriftPeerFactory: PeerFactory = async (config: PeerConfig): Promise<Peer> => {
  const w = await loadWerift();
  const pc = new w.RTCPeerConnection({ iceServers: config.iceServers, iceStunGatherTimeout: config.stunGatherTimeoutS });
  return {
    answer: async (offerSdp) => {
      await pc.setRemoteDescription(new w.RTCSessionDescription(offerSdp, 'offer'));
      const answer = await pc.setLocalDescription(await pc.createAnswer());
      return pc.localDescription?.sdp ?? answer.toSdp().sdp;
    },
    addCandidate: async (c) => {
      if (isMdnsCandidate(c.candidate)) return;
      await pc.addIceCandidate(new w.RTCIceCandidate({ candidate: c.candidate, ...(c.sdpMid !== undefined ? { sdpMid: c.sdpMid } : {}), ...(c.sdpMLineIndex !== undefined ? { sdpMLineIndex: c.sdpMLineIndex } : {}) }));
    },
    onCandidate: (cb) => {
      pc.onIceCandidate.subscribe((c) => {
        if (c?.candidate) cb({ candidate: c.candidate, sdpMid: c.sdpMid ?? null, sdpMLineIndex: c.sdpMLineIndex ?? null });
      });
    },
    onChannel: (cb) => {
      pc.onDataChannel.subscribe((ch) => cb(wrapChannel(ch)));
    },
    onState: (cb) => {
      pc.connectionStateChange.subscribe((s) => cb(s as PeerState));
    },
    close: () => pc.close(),
  };
};
