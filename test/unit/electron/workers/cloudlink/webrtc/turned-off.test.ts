// cloud.webrtc.enabled = false (docs/debug.md "WebRTC sessions"): the link makes no sessions (werift never loads) and
// the router answers the three signalling topics with the "turned off" error and the session_id. Runtime < 300 ms.
import { describe, expect, it, vi } from 'vitest';
import { CommandRouter } from '../../../../../../electron/workers/cloudlink/router.js';
import { webrtcSignalling } from '../../../../../../electron/workers/cloudlink/start.js';
import { silentLogger } from '../../../../../../electron/workers/cloudlink/types.js';
import type { WebRtcSettingsInput } from '../../../../../../shared/webrtc/settings.js';
import type { DebugBridge } from '../../../../../../shared/debug/types.js';
import { fakeFactory } from './fake-peer.js';

const TURNED_OFF = 'WebRTC is turned off on this orchestrator (cloud.webrtc.enabled)';

function link(webrtc: WebRtcSettingsInput) {
  const made = fakeFactory();
  const peerFactory = vi.fn(made.factory);
  const debug: DebugBridge = { handle: () => Promise.resolve({ type: 'debug_disconnected' }), close: () => Promise.resolve(), hasDevice: (d) => Promise.resolve(d === 'plc1') };
  const target = { execute: vi.fn(() => Promise.resolve({ status: 'success' })) };
  const { sessions, routing } = webrtcSignalling({ target, log: silentLogger, debug, webrtc, peerFactory }, () => true, 65_000);
  const router = new CommandRouter({ target, log: silentLogger, ...routing });
  const send = async (topic: string, payload: unknown): Promise<Record<string, unknown>> => {
    const ack = vi.fn();
    router.onEvent(topic, [payload, ack]);
    await vi.waitFor(() => expect(ack).toHaveBeenCalled());
    return ack.mock.calls[0]?.[0] as Record<string, unknown>;
  };
  return { sessions, send, peerFactory, target };
}

describe('cloud.webrtc.enabled', () => {
  it('false: no sessions, and offer / ice / disconnect are answered "turned off" with their session_id, no peer made', async () => {
    const { sessions, send, peerFactory, target } = link({ enabled: false });
    expect(sessions).toBeNull();
    expect(await send('webrtc:offer', { correlation_id: 1, session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer',
      correlation_id: 1,
      status: 'error',
      error: TURNED_OFF,
      session_id: 's1',
    });
    expect(await send('webrtc:ice', { correlation_id: 2, session_id: 's1', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' })).toEqual({
      action: 'webrtc:ice',
      correlation_id: 2,
      status: 'error',
      error: TURNED_OFF,
      session_id: 's1',
    });
    expect(await send('webrtc:disconnect', { session_id: 's1' })).toEqual({ action: 'webrtc:disconnect', correlation_id: null, status: 'error', error: TURNED_OFF, session_id: 's1' });
    expect(peerFactory).not.toHaveBeenCalled();
    expect(target.execute).not.toHaveBeenCalled();
  });

  it('false: a malformed payload still gets its validation error first', async () => {
    const { send } = link({ enabled: false });
    expect(await send('webrtc:offer', { session_id: 's9' })).toMatchObject({ status: 'error', error: 'Missing required field: device_id', session_id: 's9' });
  });

  it('true (the default): the offer reaches a peer and is answered', async () => {
    const { sessions, send, peerFactory } = link({});
    expect(sessions).not.toBeNull();
    expect(await send('webrtc:offer', { correlation_id: 1, session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' })).toMatchObject({ status: 'success', session_id: 's1', sdp_type: 'answer' });
    expect(peerFactory).toHaveBeenCalledTimes(1);
    await sessions?.closeAll();
  });
});
