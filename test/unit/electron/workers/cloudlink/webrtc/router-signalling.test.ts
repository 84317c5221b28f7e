// The router's WebRTC signalling (docs/protocol.md §4.11 "Signalling topics"): acks of exactly the protocol's shapes
// for webrtc:offer / webrtc:ice / webrtc:disconnect, the deadline, and fuzzed payloads (one ack each, never a throw).
// Sessions over a fake peer. Runtime: about 1-2 s (VPLC_FUZZ_RUNS payloads per topic).
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { CommandRouter } from '../../../../../../electron/workers/cloudlink/router.js';
import { silentLogger } from '../../../../../../electron/workers/cloudlink/types.js';
import { WebRtcSessions, type WebRtcSignalling } from '../../../../../../electron/workers/cloudlink/webrtc/sessions.js';
import { fakeFactory } from './fake-peer.js';

const RUNS = Number(process.env.VPLC_FUZZ_RUNS ?? 300);

function routed(signalling?: WebRtcSignalling, deadlines = {}) {
  const { factory, peers } = fakeFactory();
  const webrtc =
    signalling ??
    new WebRtcSessions({
      target: { execute: () => Promise.resolve({ status: 'success' }) },
      debug: { handle: () => Promise.resolve({ type: 'debug_disconnected' }), close: () => Promise.resolve(), hasDevice: (d) => Promise.resolve(d === 'plc1') },
      emit: () => true,
      log: silentLogger,
      peerFactory: factory,
    });
  const router = new CommandRouter({ target: { execute: () => Promise.resolve({ status: 'success' }) }, log: silentLogger, webrtc, deadlines });
  const send = async (topic: string, payload: unknown): Promise<Record<string, unknown>> => {
    const ack = vi.fn();
    router.onEvent(topic, [payload, ack]);
    await vi.waitFor(() => expect(ack).toHaveBeenCalled());
    return ack.mock.calls[0]?.[0] as Record<string, unknown>;
  };
  return { router, send, peers };
}

describe('router: WebRTC signalling acks', () => {
  it('webrtc:offer: success with the answer, and Device X not found', async () => {
    const { send } = routed();
    expect(await send('webrtc:offer', { correlation_id: 1, session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer', correlation_id: 1, status: 'success', session_id: 's1', sdp: 'answer-to:o', sdp_type: 'answer',
    });
    expect(await send('webrtc:offer', { correlation_id: 2, session_id: 's2', device_id: 'nope', sdp: 'o', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer', correlation_id: 2, status: 'error', error: 'Device nope not found', session_id: 's2',
    });
  });

  it('webrtc:ice: success, End of candidates acknowledged, Session X not found', async () => {
    const { send } = routed();
    await send('webrtc:offer', { session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' });
    expect(await send('webrtc:ice', { correlation_id: 3, session_id: 's1', candidate: 'candidate:1', sdp_mid: '0', sdp_mline_index: 0 })).toEqual({ action: 'webrtc:ice', correlation_id: 3, status: 'success', session_id: 's1' });
    expect(await send('webrtc:ice', { correlation_id: 4, session_id: 's1', candidate: null })).toEqual({ action: 'webrtc:ice', correlation_id: 4, status: 'success', message: 'End of candidates acknowledged', session_id: 's1' });
    expect(await send('webrtc:ice', { correlation_id: 5, session_id: 'x', candidate: 'candidate:1' })).toEqual({ action: 'webrtc:ice', correlation_id: 5, status: 'error', error: 'Session x not found', session_id: 'x' });
  });

  it('webrtc:disconnect: Session closed, then the warning', async () => {
    const { send } = routed();
    await send('webrtc:offer', { session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' });
    expect(await send('webrtc:disconnect', { correlation_id: 6, session_id: 's1', reason: 'done' })).toEqual({ action: 'webrtc:disconnect', correlation_id: 6, status: 'success', message: 'Session closed', session_id: 's1' });
    expect(await send('webrtc:disconnect', { correlation_id: 7, session_id: 's1' })).toEqual({
      action: 'webrtc:disconnect', correlation_id: 7, status: 'warning', message: 'Session not found (may already be closed)', session_id: 's1',
    });
  });

  it('names the failing field of a bad signalling payload', async () => {
    const { send } = routed();
    expect(await send('webrtc:ice', { correlation_id: 8, session_id: 's1', sdp_mline_index: 'zero' })).toMatchObject({ status: 'error', action: 'webrtc:ice', correlation_id: 8, field: 'sdp_mline_index' });
  });

  it('keeps the session id on a validation refusal when the payload carries one as a string', async () => {
    const { send } = routed();
    expect(await send('webrtc:ice', { correlation_id: 8, session_id: 's1', sdp_mline_index: 'zero' })).toMatchObject({ session_id: 's1', field: 'sdp_mline_index' });
    expect(await send('webrtc:offer', { correlation_id: 9, session_id: 's2', device_id: 'plc1' })).toMatchObject({ status: 'error', action: 'webrtc:offer', session_id: 's2', field: 'sdp' });
    expect(await send('webrtc:disconnect', { correlation_id: 10, session_id: 's3', reason: 5 })).toMatchObject({ status: 'error', session_id: 's3', field: 'reason' });
    expect(await send('webrtc:ice', { correlation_id: 11, session_id: 12 })).not.toHaveProperty('session_id');
  });

  it('an offer outliving the deadline leaves no session: the timeout ack aborts it', async () => {
    const { factory, peers } = fakeFactory();
    let deviceKnown: (v: boolean) => void = () => undefined;
    const hasDevice = vi.fn(() => new Promise<boolean>((resolve) => (deviceKnown = resolve)));
    const sessions = new WebRtcSessions({
      target: { execute: () => Promise.resolve({ status: 'success' }) },
      debug: { handle: () => Promise.resolve({ type: 'debug_disconnected' }), close: () => Promise.resolve(), hasDevice },
      emit: () => true,
      log: silentLogger,
      peerFactory: factory,
    });
    const { router } = routed(sessions, { 'webrtc:offer': 50 });
    const settled = vi.spyOn(sessions, 'offer');
    const ack = await router.dispatch('webrtc:offer', { correlation_id: 1, session_id: 'late', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' }, () => undefined);
    expect(ack).toMatchObject({ status: 'error', error: 'Timeout: webrtc:offer did not complete within 0.1 s', session_id: 'late' });
    deviceKnown(true);
    expect(await settled.mock.results[0]?.value).toEqual({ status: 'error', error: 'Session late was not answered in time', session_id: 'late' });
    expect(sessions.size).toBe(0);
    expect(peers.every((p) => p.closed)).toBe(true);
  });

  it('an offer aborted while the peer answers ends the registered session', async () => {
    const { factory, peers } = fakeFactory();
    const sessions = new WebRtcSessions({
      target: { execute: () => Promise.resolve({ status: 'success' }) },
      debug: { handle: () => Promise.resolve({ type: 'debug_disconnected' }), close: () => Promise.resolve(), hasDevice: () => Promise.resolve(true) },
      emit: () => true,
      log: silentLogger,
      peerFactory: factory,
    });
    const abort = new AbortController();
    const pending = sessions.offer({ session_id: 'slow', device_id: 'plc1', sdp: 'slow', sdp_type: 'offer' }, abort.signal);
    await vi.waitFor(() => expect(sessions.size).toBe(1));
    abort.abort();
    expect(await pending).toEqual({ status: 'error', error: 'Session slow was not answered in time', session_id: 'slow' });
    expect(sessions.size).toBe(0);
    expect(peers[0]?.closed).toBe(true);
  });

  it('acks a timeout with the session id when the sessions never answer', async () => {
    vi.useFakeTimers();
    try {
      const never: WebRtcSignalling = { offer: () => new Promise(() => undefined), ice: () => new Promise(() => undefined), disconnect: () => new Promise(() => undefined) };
      const { router } = routed(never);
      const ack = vi.fn();
      router.onEvent('webrtc:offer', [{ correlation_id: 9, session_id: 's1', device_id: 'plc1', sdp: 'o', sdp_type: 'offer' }, ack]);
      await vi.advanceTimersByTimeAsync(10_000);
      expect(ack).toHaveBeenCalledWith({ action: 'webrtc:offer', correlation_id: 9, status: 'error', error: 'Timeout: webrtc:offer did not complete within 10 s', session_id: 's1' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('acks every fuzzed signalling payload exactly once and never throws', async () => {
    const { router } = routed();
    const junk = fc.oneof(fc.anything({ maxDepth: 2 }), fc.string({ maxLength: 10 }), fc.integer(), fc.constant(null), fc.constant(''));
    const either = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ weight: 3, arbitrary: good }, { weight: 1, arbitrary: junk });
    const payload = fc.oneof(
      { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
      {
        weight: 5,
        arbitrary: fc.record(
          {
            correlation_id: either(fc.oneof(fc.integer(), fc.uuid())),
            session_id: either(fc.constantFrom('s1', 's2', 's3')),
            device_id: either(fc.constantFrom('plc1', 'plc2')),
            sdp: either(fc.constantFrom('o', 'bad', 'v=0')),
            sdp_type: either(fc.constantFrom('offer', 'answer')),
            candidate: either(fc.constantFrom('candidate:1', '', 'reject')),
            sdp_mid: either(fc.constantFrom('0', '1')),
            sdp_mline_index: either(fc.constantFrom(0, 1, -1)),
            reason: either(fc.string({ maxLength: 5 })),
          },
          { requiredKeys: [] },
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('webrtc:offer', 'webrtc:ice', 'webrtc:disconnect'), payload, async (topic, p) => {
        const ack = vi.fn();
        await router.dispatch(topic, p, ack);
        expect(ack).toHaveBeenCalledTimes(1);
        const a = ack.mock.calls[0]?.[0] as Record<string, unknown>;
        expect(a['action']).toBe(topic);
        expect(['success', 'error', 'warning']).toContain(a['status']);
        await new Promise((r) => setImmediate(r));
        expect(ack).toHaveBeenCalledTimes(1);
      }),
      { numRuns: RUNS },
    );
  });
});
