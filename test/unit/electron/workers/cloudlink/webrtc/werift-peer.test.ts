// The werift adapter (docs/debug.md "WebRTC sessions", mDNS candidates): `.local` candidates never reach werift, so it
// opens no multicast-DNS socket (UDP 5353) for them. Real werift on both sides, no network traffic. Runtime < 2 s.
import { RTCPeerConnection } from 'werift';
import { describe, expect, it } from 'vitest';
import { isMdnsCandidate, weriftPeerFactory } from '../../../../../../electron/workers/cloudlink/webrtc/werift-peer.js';

const udpHandles = (): number => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

describe('werift peer: mDNS candidates', () => {
  it('recognises the address werift would resolve over multicast DNS', () => {
    expect(isMdnsCandidate('candidate:1 1 udp 2122260223 0b6f3a52-6d1e-4c1f-9a7e-2d0d6c0e1f11.local 54321 typ host')).toBe(true);
    expect(isMdnsCandidate('a=candidate:1 1 UDP 2122260223 Host.LOCAL 1 typ host')).toBe(true);
    expect(isMdnsCandidate('candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host')).toBe(false);
    expect(isMdnsCandidate('candidate:1 1 udp')).toBe(false);
  });

  it('adds a .local candidate without werift opening a multicast-DNS socket', async () => {
    const offerer = new RTCPeerConnection({ iceServers: [], iceStunGatherTimeout: 0.2 });
    offerer.createDataChannel('data');
    await offerer.setLocalDescription(await offerer.createOffer());
    const peer = await weriftPeerFactory({ iceServers: [], stunGatherTimeoutS: 0.2 });
    try {
      // Like a browser that trickles: no end-of-candidates in the offer, so werift still takes remote candidates.
      await peer.answer((offerer.localDescription?.sdp ?? '').replace(/a=end-of-candidates\r\n/g, ''));
      const before = udpHandles();
      const added = peer.addCandidate({ candidate: 'candidate:1 1 udp 2122260223 0b6f3a52-6d1e-4c1f-9a7e-2d0d6c0e1f11.local 54321 typ host', sdpMid: '0', sdpMLineIndex: 0 });
      await new Promise((r) => setImmediate(r));
      expect(udpHandles()).toBe(before);
      await added;
    } finally {
      await peer.close();
      await offerer.close();
    }
  });
});
