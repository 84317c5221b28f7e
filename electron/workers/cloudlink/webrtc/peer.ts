/**
 * The part of a WebRTC peer connection the sessions use, so the session logic is tested without a network and werift
 * is loaded only when the first offer arrives (webrtc/werift-peer.ts).
 */

export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface LocalCandidate {
  candidate: string;
  sdpMid: string | null;
  sdpMLineIndex: number | null;
}

export interface RemoteCandidate {
  candidate: string;
  sdpMid?: string | undefined;
  sdpMLineIndex?: number | undefined;
}

export type PeerState = 'new' | 'connecting' | 'connected' | 'disconnected' | 'failed' | 'closed';

export interface PeerChannel {
  readonly label: string;
  /** True once the channel is open (it may already be when the peer hands it over). */
  readonly isOpen: boolean;
  /** The largest message (UTF-8 bytes) the remote accepts; 0 means no limit. */
  readonly maxMessageSize: number;
  send(text: string): void;
  close(): void;
  onOpen(cb: () => void): void;
  /** Binary frames arrive as their UTF-8 text. */
  onMessage(cb: (text: string) => void): void;
  onClose(cb: () => void): void;
}

export interface Peer {
  /** Applies the remote offer and returns the local answer's SDP. */
  answer(offerSdp: string): Promise<string>;
  /** Buffered by the implementation until the remote description is set. */
  addCandidate(c: RemoteCandidate): Promise<void>;
  onCandidate(cb: (c: LocalCandidate) => void): void;
  onChannel(cb: (ch: PeerChannel) => void): void;
  onState(cb: (s: PeerState) => void): void;
  close(): Promise<void>;
}

export interface PeerConfig {
  iceServers: IceServer[];
  /** Seconds to wait for server-reflexive candidates; short, so an unreachable STUN server never delays the answer. */
  stunGatherTimeoutS: number;
}

export type PeerFactory = (config: PeerConfig) => Promise<Peer>;
