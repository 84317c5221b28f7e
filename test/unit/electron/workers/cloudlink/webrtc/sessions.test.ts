// WebRTC session registry and channels (docs/protocol.md §4.11, docs/debug.md "WebRTC sessions") over a fake peer:
// offer/ice/disconnect answers, replacement, idle timeout on an injected clock, failed state, the cap, candidates held
// until the answer, the data and debug channels. Runtime < 1 s.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebRtcSessions, type SessionClock } from '../../../../../../electron/workers/cloudlink/webrtc/sessions.js';
import { silentLogger, type CloudCommandTarget } from '../../../../../../electron/workers/cloudlink/types.js';
import type { DebugBridge, DebugMessageInput, DebugReply } from '../../../../../../shared/debug/types.js';
import type { PeerFactory } from '../../../../../../electron/workers/cloudlink/webrtc/peer.js';
import { FakePeer, fakeFactory, type FakeChannel } from './fake-peer.js';

class ManualClock implements SessionClock {
  t = 0;
  readonly intervals = new Map<number, { fn: () => void; ms: number }>();
  private n = 0;
  now(): number {
    return this.t;
  }
  setInterval(fn: () => void, ms: number): unknown {
    this.n += 1;
    this.intervals.set(this.n, { fn, ms });
    return this.n;
  }
  clearInterval(h: unknown): void {
    this.intervals.delete(h as number);
  }
  /** Moves time on, firing each interval whose period elapsed. */
  advance(ms: number): void {
    const end = this.t + ms;
    while (this.t < end) {
      const step = Math.min(...[...this.intervals.values()].map((i) => i.ms), end - this.t);
      this.t += step;
      for (const i of [...this.intervals.values()]) if (this.t % i.ms === 0) i.fn();
    }
  }
}

/** A promise the test settles. */
function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve: (v: T) => void = () => undefined;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

function setup(
  over: { target?: CloudCommandTarget; devices?: string[]; maxSessions?: number; emitOk?: boolean; handle?: DebugBridge['handle']; hasDevice?: DebugBridge['hasDevice']; factory?: PeerFactory } = {},
) {
  const made = fakeFactory();
  const peers = made.peers;
  const factory = over.factory ?? made.factory;
  const clock = new ManualClock();
  const closed: string[] = [];
  const handled: DebugMessageInput[] = [];
  const debug: DebugBridge = {
    handle: (i) => {
      handled.push(i);
      return over.handle ? over.handle(i) : Promise.resolve({ type: 'debug_error', error: 'No active debug session. Send debug_start first.' });
    },
    close: (s) => {
      closed.push(s);
      return Promise.resolve();
    },
    hasDevice: over.hasDevice ?? ((d) => Promise.resolve((over.devices ?? ['plc1', 'plc2']).includes(d))),
  };
  const emitted: Array<{ event: string; payload: Record<string, unknown> }> = [];
  const target: CloudCommandTarget = over.target ?? { execute: (_t, req) => Promise.resolve({ status: 'success', http_response: { status_code: 200, body: { echo: (req as { api?: string }).api } } }) };
  const mgr = new WebRtcSessions({
    target,
    debug,
    emit: (event, payload) => {
      emitted.push({ event, payload });
      return over.emitOk ?? true;
    },
    log: silentLogger,
    settings: { maxSessions: over.maxSessions ?? 32, iceServers: [{ urls: 'stun:127.0.0.1:9' }] },
    peerFactory: factory,
    clock,
  });
  const offer = (session_id: string, device_id = 'plc1', sdp = 'offer-sdp') => mgr.offer({ session_id, device_id, sdp, sdp_type: 'offer' });
  return { mgr, peers, clock, closed, handled, emitted, offer };
}

afterEach(() => vi.useRealTimers());

describe('WebRtcSessions signalling', () => {
  it('answers an offer with the answer SDP and passes the ICE servers and the short STUN wait to the peer', async () => {
    const { offer, peers } = setup();
    expect(await offer('s1')).toEqual({ status: 'success', session_id: 's1', sdp: 'answer-to:offer-sdp', sdp_type: 'answer' });
    expect(peers[0]?.config).toEqual({ iceServers: [{ urls: 'stun:127.0.0.1:9' }], stunGatherTimeoutS: 0.2 });
  });

  it('refuses an unknown device, a non-offer and a peer failure with the session id', async () => {
    const { mgr, offer, peers } = setup();
    expect(await offer('s1', 'ghost')).toEqual({ status: 'error', error: 'Device ghost not found', session_id: 's1' });
    expect(await mgr.offer({ session_id: 's2', device_id: 'plc1', sdp: 'x', sdp_type: 'answer' })).toEqual({ status: 'error', error: 'sdp_type must be "offer", got "answer"', session_id: 's2' });
    expect(await offer('s3', 'plc1', 'bad')).toEqual({ status: 'error', error: 'Invalid SDP', session_id: 's3' });
    expect(peers[0]?.closed).toBe(true);
    expect(mgr.size).toBe(0);
  });

  it('replaces a session on an offer with the same id, closing the old one and its debug session', async () => {
    const { mgr, offer, peers, closed } = setup();
    await offer('s1');
    await offer('s1', 'plc2');
    expect(peers[0]?.closed).toBe(true);
    expect(peers[1]?.closed).toBe(false);
    expect(closed).toEqual(['webrtc:s1']);
    expect(mgr.size).toBe(1);
  });

  it('refuses an offer beyond the cap, counting offers still being answered', async () => {
    const { offer, mgr } = setup({ maxSessions: 2 });
    const answers = await Promise.all([offer('a'), offer('b'), offer('c')]);
    expect(answers.map((a) => a['status'])).toEqual(['success', 'success', 'error']);
    expect(answers[2]).toEqual({ status: 'error', error: 'Too many WebRTC sessions (at most 2)', session_id: 'c' });
    expect(mgr.size).toBe(2);
  });

  it('ice: adds a candidate, acknowledges the end of candidates, and names an unknown session', async () => {
    const { mgr, offer, peers } = setup();
    await offer('s1');
    expect(await mgr.ice({ session_id: 's1', candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdp_mid: '0', sdp_mline_index: 0 })).toEqual({ status: 'success', session_id: 's1' });
    expect(peers[0]?.added).toEqual([{ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 }]);
    expect(await mgr.ice({ session_id: 's1', candidate: null })).toEqual({ status: 'success', message: 'End of candidates acknowledged', session_id: 's1' });
    expect(await mgr.ice({ session_id: 's1', candidate: '' })).toMatchObject({ message: 'End of candidates acknowledged' });
    expect(await mgr.ice({ session_id: 's1', candidate: 'reject' })).toEqual({ status: 'error', error: 'bad candidate', session_id: 's1' });
    expect(await mgr.ice({ session_id: 'zz', candidate: 'c' })).toEqual({ status: 'error', error: 'Session zz not found', session_id: 'zz' });
  });

  it('disconnect: closes a session, warns for an unknown one', async () => {
    const { mgr, offer, peers, closed } = setup();
    await offer('s1');
    expect(await mgr.disconnect({ session_id: 's1', reason: 'user' })).toEqual({ status: 'success', message: 'Session closed', session_id: 's1' });
    expect(peers[0]?.closed).toBe(true);
    expect(closed).toEqual(['webrtc:s1']);
    expect(await mgr.disconnect({ session_id: 's1' })).toEqual({ status: 'warning', message: 'Session not found (may already be closed)', session_id: 's1' });
  });

  it('holds local candidates until the answer is out, then emits them as webrtc:ice', async () => {
    const { offer, peers, emitted } = setup();
    const pending = offer('s1', 'plc1', 'candidate-during-answer');
    await pending;
    // The offer's ack goes out in the same turn; the held candidate follows on the next one.
    expect(emitted).toEqual([]);
    await new Promise((r) => setImmediate(r));
    peers[0]?.candidate('candidate:late');
    expect(emitted).toEqual([
      { event: 'webrtc:ice', payload: { session_id: 's1', candidate: 'candidate:early', sdp_mid: '0', sdp_mline_index: 0 } },
      { event: 'webrtc:ice', payload: { session_id: 's1', candidate: 'candidate:late', sdp_mid: '0', sdp_mline_index: 0 } },
    ]);
  });

  it('closes a session whose connection failed or closed', async () => {
    const { mgr, offer, peers } = setup();
    await offer('s1');
    await offer('s2');
    peers[0]?.state('failed');
    peers[1]?.state('closed');
    await vi.waitFor(() => expect(mgr.size).toBe(0));
    expect(peers.every((p) => p.closed)).toBe(true);
  });

  it('closes a session after 300 s without channel messages or state changes, checked every 60 s', async () => {
    const { mgr, offer, peers, clock } = setup();
    await offer('quiet');
    await offer('busy');
    const ch = peers[1]!.channel('data');
    ch.open();
    expect([...clock.intervals.values()].map((i) => i.ms)).toEqual([60_000]);
    for (let i = 0; i < 4; i++) {
      clock.advance(60_000);
      ch.deliver({ type: 'ping' });
    }
    expect(mgr.has('quiet')).toBe(true);
    clock.advance(60_000);
    await vi.waitFor(() => expect(mgr.has('quiet')).toBe(false));
    expect(mgr.has('busy')).toBe(true);
    clock.advance(360_000);
    await vi.waitFor(() => expect(mgr.size).toBe(0));
    expect(clock.intervals.size).toBe(0);
  });

  it('keeps a session whose run_command outlives the idle timeout, answers it, and counts idle from the answer', async () => {
    const answer = deferred<Record<string, unknown>>();
    const { mgr, offer, peers, clock } = setup({ target: { execute: () => answer.promise } });
    await offer('slow');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'run_command', correlation_id: 5, device_id: 'plc1', method: 'GET', api: '/api/version' });
    clock.advance(360_000);
    await Promise.resolve();
    expect(mgr.has('slow')).toBe(true);
    answer.resolve({ status: 'success', http_response: { status_code: 200 } });
    await vi.waitFor(() => expect(ch.json().at(-1)).toMatchObject({ type: 'command_response', correlation_id: 5, status: 'success' }));
    clock.advance(240_000);
    await Promise.resolve();
    expect(mgr.has('slow')).toBe(true);
    clock.advance(60_000);
    await vi.waitFor(() => expect(mgr.has('slow')).toBe(false));
  });

  it('keeps a session whose debug request outlives the idle timeout', async () => {
    const reply = deferred<DebugReply>();
    const { mgr, offer, peers, clock } = setup({ handle: () => reply.promise });
    await offer('slow');
    const ch = peers[0]!.channel('debug');
    ch.open();
    ch.deliver({ type: 'debug_start' });
    clock.advance(360_000);
    await Promise.resolve();
    expect(mgr.has('slow')).toBe(true);
    reply.resolve({ type: 'debug_connected' });
    await vi.waitFor(() => expect(ch.json().at(-1)).toEqual({ type: 'debug_connected' }));
    clock.advance(300_000);
    await vi.waitFor(() => expect(mgr.has('slow')).toBe(false));
  });

  it('closeAll closes every session and refuses later offers', async () => {
    const { mgr, offer, peers } = setup();
    await offer('a');
    await offer('b');
    await mgr.closeAll();
    expect(peers.every((p) => p.closed)).toBe(true);
    expect(await offer('c')).toEqual({ status: 'error', error: 'The cloud link is closing', session_id: 'c' });
  });
});

describe('data channel', () => {
  it('sends ready on open, answers ping with pong, and pings every 30 s', async () => {
    vi.useFakeTimers();
    const { offer, peers } = setup();
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'ping' });
    ch.deliver({ type: 'pong' });
    expect(ch.json()).toEqual([{ type: 'ready' }, { type: 'pong' }]);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(ch.json().at(-1)).toEqual({ type: 'ping' });
  });

  it('runs run_command through the target and answers command_response with the ack body', async () => {
    const execute = vi.fn((_t: string, req: unknown) => Promise.resolve({ status: 'success', http_response: { status_code: 200, ok: true, body: req } }));
    const { offer, peers } = setup({ target: { execute } as CloudCommandTarget });
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'run_command', correlation_id: 7, device_id: 'plc1', method: 'GET', api: '/api/status' });
    await vi.waitFor(() => expect(ch.sent.length).toBe(2));
    expect(ch.json()[1]).toMatchObject({ type: 'command_response', correlation_id: 7, status: 'success', http_response: { status_code: 200, ok: true } });
    expect(execute).toHaveBeenCalledWith('run_command', { correlation_id: 7, device_id: 'plc1', method: 'GET', api: '/api/status', port: 8443 });
  });

  it('refuses a run_command for another device and one that fails validation, naming the field', async () => {
    const execute = vi.fn();
    const { offer, peers } = setup({ target: { execute } as CloudCommandTarget });
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'run_command', correlation_id: 'a', device_id: 'plc2', method: 'GET', api: '/x' });
    ch.deliver({ type: 'run_command', correlation_id: 'b', device_id: 'plc1', api: '/x' });
    await vi.waitFor(() => expect(ch.sent.length).toBe(3));
    expect(ch.json().slice(1)).toEqual([
      { type: 'command_response', correlation_id: 'a', status: 'error', error: 'Device plc2 is not the device of this session (plc1)' },
      { type: 'command_response', correlation_id: 'b', status: 'error', error: 'Missing required field: method', field: 'method' },
    ]);
    expect(execute).not.toHaveBeenCalled();
  });

  it('answers bad JSON, non-objects, unknown types and bad chunks with an error, never a throw', async () => {
    const { offer, peers } = setup();
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver('{nope');
    ch.deliver('[1,2]');
    ch.deliver({ type: 'teleport' });
    ch.deliver({ type: 'chunk_data', transfer_id: 'x', sequence: 'one', data: '' });
    ch.deliver({ type: 'chunk_end', transfer_id: 'x' });
    const errors = ch.json().slice(1);
    expect(errors.map((e) => e['type'])).toEqual(['error', 'error', 'error', 'error', 'error']);
    expect(errors[0]?.['error']).toMatch(/^Invalid JSON: /);
    expect(errors[1]?.['error']).toBe('Invalid message: expected a JSON object with a string type');
    expect(errors[2]?.['error']).toBe('Unknown message type: teleport');
    expect(errors[3]?.['error']).toMatch(/^Invalid chunk: sequence: /);
    expect(errors[4]?.['error']).toBe('Chunk transfer x dropped: unknown transfer');
  });

  it('reassembles a chunked run_command and chunks a long response', async () => {
    const big = 'y'.repeat(30_000);
    const { offer, peers } = setup({ target: { execute: (_t, req) => Promise.resolve({ status: 'success', http_response: { body: big, got: (req as { data: string }).data.length } }) } });
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    const text = JSON.stringify({ type: 'run_command', correlation_id: 1, device_id: 'plc1', method: 'POST', api: '/x', data: 'z'.repeat(20_000) });
    ch.deliver({ type: 'chunk_start', transfer_id: 't1', total_chunks: 2, total_size: text.length });
    ch.deliver({ type: 'chunk_data', transfer_id: 't1', sequence: 1, data: text.slice(14_000) });
    ch.deliver({ type: 'chunk_data', transfer_id: 't1', sequence: 0, data: text.slice(0, 14_000) });
    ch.deliver({ type: 'chunk_end', transfer_id: 't1' });
    await vi.waitFor(() => expect(ch.json().some((m) => m['type'] === 'chunk_end')).toBe(true));
    const frames = ch.json().slice(1);
    expect(frames[0]).toMatchObject({ type: 'chunk_start', total_chunks: 3 });
    const joined = frames.filter((f) => f['type'] === 'chunk_data').map((f) => f['data'] as string).join('');
    expect(JSON.parse(joined)).toEqual({ type: 'command_response', correlation_id: 1, status: 'success', http_response: { body: big, got: 20_000 } });
  });

  it('purges a stale unfinished transfer on the ping timer even when the peer sends nothing more', async () => {
    vi.useFakeTimers();
    const { offer, peers, mgr, clock } = setup();
    await offer('s1');
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'chunk_start', transfer_id: 't', total_chunks: 3, total_size: 30 });
    ch.deliver({ type: 'chunk_data', transfer_id: 't', sequence: 0, data: 'abcdefghij' });
    // 10 characters, charged the per-part minimum of 64 bytes.
    expect(mgr.bufferedBytes).toBe(64);
    clock.t += 30_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mgr.bufferedBytes).toBe(64);
    clock.t += 30_000;
    await vi.advanceTimersByTimeAsync(30_000);
    expect(mgr.bufferedBytes).toBe(0);
  });

  it('closes the channel on close, and ignores channels with other labels', async () => {
    const { offer, peers } = setup();
    await offer('s1');
    const other = peers[0]!.channel('video-ish');
    other.open();
    other.deliver({ type: 'ping' });
    expect(other.sent).toEqual([]);
    const ch = peers[0]!.channel('data');
    ch.open();
    ch.deliver({ type: 'close' });
    expect(ch.isOpen).toBe(false);
  });
});

describe('debug channel', () => {
  it('sends debug_ready, hands each message to the bridge on webrtc:<session_id> as it arrived, and replies in order', async () => {
    // The first request's reply is ready LAST: the replies must still go out in request order.
    const replies = [deferred<DebugReply>(), deferred<DebugReply>()];
    let n = 0;
    const { offer, peers, handled } = setup({ handle: () => replies[n++]?.promise ?? Promise.reject(new Error('unexpected')) });
    await offer('s1', 'plc2');
    const ch = peers[0]!.channel('debug');
    ch.open();
    ch.deliver({ type: 'debug_get_md5' });
    ch.deliver('not json');
    await vi.waitFor(() => expect(handled.length).toBe(1));
    replies[1]?.resolve({ type: 'debug_error', error: 'Invalid JSON' });
    await new Promise((r) => setImmediate(r));
    replies[0]?.resolve({ type: 'debug_md5_response', md5: 'abc' });
    await vi.waitFor(() => expect(ch.sent.length).toBe(3));
    expect(ch.json()).toEqual([{ type: 'debug_ready' }, { type: 'debug_md5_response', md5: 'abc' }, { type: 'debug_error', error: 'Invalid JSON' }]);
    expect(handled).toEqual([
      { session: 'webrtc:s1', device_id: 'plc2', path: 'webrtc', message: '{"type":"debug_get_md5"}' },
      { session: 'webrtc:s1', device_id: 'plc2', path: 'webrtc', message: 'not json' },
    ]);
  });

  it('a session ending with a debug_start in flight closes the debug session after the start settled, and skips queued messages', async () => {
    const start = deferred<DebugReply>();
    const events: string[] = [];
    const { mgr, offer, peers, handled, closed } = setup({
      handle: (i) => {
        events.push(`handle ${i.message}`);
        return start.promise.then((r) => {
          events.push('start settled');
          return r;
        });
      },
    });
    await offer('s1');
    const ch = peers[0]!.channel('debug');
    ch.open();
    ch.deliver({ type: 'debug_start' });
    ch.deliver({ type: 'debug_get_list', indexes: [0] });
    await vi.waitFor(() => expect(handled.length).toBe(1));
    const disconnected = mgr.disconnect({ session_id: 's1' });
    await new Promise((r) => setImmediate(r));
    expect(closed).toEqual([]);
    start.resolve({ type: 'debug_connected' });
    expect(await disconnected).toMatchObject({ status: 'success' });
    expect(closed).toEqual(['webrtc:s1']);
    expect(events).toEqual(['handle {"type":"debug_start"}', 'start settled']);
    expect(handled).toHaveLength(1);
    // Nothing goes out on the channel after the session closed.
    expect(ch.json()).toEqual([{ type: 'debug_ready' }]);
  });

  it('a new offer for the id of a session still closing registers only after the old teardown closed the bridge session', async () => {
    const start = deferred<DebugReply>();
    const { mgr, offer, peers, closed, handled } = setup({ handle: () => start.promise });
    await offer('s1');
    const ch = peers[0]!.channel('debug');
    ch.open();
    ch.deliver({ type: 'debug_start' });
    await vi.waitFor(() => expect(handled).toHaveLength(1));
    const disconnected = mgr.disconnect({ session_id: 's1' });
    const again = offer('s1');
    await vi.waitFor(() => expect(peers).toHaveLength(2));
    await new Promise((r) => setImmediate(r));
    // The old teardown still waits for the debug_start: the new session is not registered yet.
    expect(mgr.has('s1')).toBe(false);
    expect(closed).toEqual([]);
    start.resolve({ type: 'debug_connected' });
    await disconnected;
    expect(await again).toMatchObject({ status: 'success', session_id: 's1' });
    expect(closed).toEqual(['webrtc:s1']);
    expect(mgr.has('s1')).toBe(true);
    expect(peers.map((p) => p.closed)).toEqual([true, false]);
  });

  it('a superseded offer whose peer was made after the newer session registered leaves the bridge session alone', async () => {
    const gates = [deferred<void>(), deferred<void>()];
    let n = 0;
    const factory: PeerFactory = async (config) => {
      await gates[n++]?.promise;
      return new FakePeer(config);
    };
    const { offer, closed, mgr } = setup({ factory });
    const first = offer('same', 'plc1', 'first');
    await vi.waitFor(() => expect(n).toBe(1));
    const second = offer('same', 'plc1', 'second');
    await vi.waitFor(() => expect(n).toBe(2));
    gates[1]?.resolve();
    expect(await second).toMatchObject({ status: 'success' });
    gates[0]?.resolve();
    expect(await first).toMatchObject({ status: 'error', error: 'Session same was replaced by a newer offer' });
    expect(closed).toEqual([]);
    expect(mgr.size).toBe(1);
  });

  it('answers a reply larger than the peer max message size with a debug_error naming both sizes', async () => {
    const big: DebugReply = { type: 'debug_values_response', tick: 1, data: 'ab'.repeat(50_000) };
    const { offer, peers } = setup({ handle: () => Promise.resolve(big) });
    await offer('s1');
    const ch = peers[0]!.channel('debug');
    ch.open();
    ch.deliver({ type: 'debug_get_list', indexes: [0] });
    await vi.waitFor(() => expect(ch.sent.length).toBe(2));
    const bytes = Buffer.byteLength(JSON.stringify(big), 'utf8');
    expect(ch.json()[1]).toEqual({ type: 'debug_error', error: `Reply too large (${bytes} bytes, at most 65536); request fewer indexes` });
  });
});

describe('early ICE and overlapping offers', () => {
  it('buffers ICE arriving while the offer checks the device, acks it, and hands it to the peer once it exists', async () => {
    const device = deferred<boolean>();
    const { mgr, offer, peers } = setup({ hasDevice: () => device.promise });
    const pending = offer('s1');
    expect(await mgr.ice({ session_id: 's1', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdp_mid: '0', sdp_mline_index: 0 })).toEqual({ status: 'success', session_id: 's1' });
    expect(await mgr.ice({ session_id: 's1', candidate: null })).toEqual({ status: 'success', message: 'End of candidates acknowledged', session_id: 's1' });
    device.resolve(true);
    expect(await pending).toMatchObject({ status: 'success' });
    expect(peers[0]?.added).toEqual([{ candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }]);
    // After the answer, ICE goes straight to the peer.
    expect(await mgr.ice({ session_id: 's1', candidate: 'candidate:2' })).toEqual({ status: 'success', session_id: 's1' });
    expect(peers[0]?.added.map((c) => c.candidate)).toEqual(['candidate:1 1 udp 1 127.0.0.1 9 typ host', 'candidate:2']);
  });

  it('caps the early candidates at 64 and drops them when the offer fails', async () => {
    const device = deferred<boolean>();
    const { mgr, offer } = setup({ hasDevice: () => device.promise });
    const pending = offer('s1');
    const acks = await Promise.all(Array.from({ length: 65 }, (_, i) => mgr.ice({ session_id: 's1', candidate: `candidate:${i}` })));
    expect(acks.slice(0, 64).every((a) => a['status'] === 'success')).toBe(true);
    expect(acks[64]).toEqual({ status: 'error', error: 'Too many ICE candidates before the answer (at most 64)', session_id: 's1' });
    device.resolve(false);
    expect(await pending).toEqual({ status: 'error', error: 'Device plc1 not found', session_id: 's1' });
    expect(await mgr.ice({ session_id: 's1', candidate: 'candidate:late' })).toEqual({ status: 'error', error: 'Session s1 not found', session_id: 's1' });
  });

  it('two overlapping offers for one id: the newer wins even when the older peer is made first', async () => {
    const gates = [deferred<void>(), deferred<void>()];
    const peers: FakePeer[] = [];
    let n = 0;
    const factory: PeerFactory = async (config) => {
      const gate = gates[n++];
      await gate?.promise;
      const p = new FakePeer(config);
      peers.push(p);
      return p;
    };
    const { mgr, offer } = setup({ factory });
    const first = offer('same', 'plc1', 'first');
    await vi.waitFor(() => expect(n).toBe(1));
    const second = offer('same', 'plc1', 'second');
    await vi.waitFor(() => expect(n).toBe(2));
    gates[0]?.resolve();
    expect(await first).toEqual({ status: 'error', error: 'Session same was replaced by a newer offer', session_id: 'same' });
    gates[1]?.resolve();
    expect(await second).toEqual({ status: 'success', session_id: 'same', sdp: 'answer-to:second', sdp_type: 'answer' });
    expect(peers.map((p) => p.closed)).toEqual([true, false]);
    expect(mgr.size).toBe(1);
  });

  it('an older offer registered first is ended when the newer one registers', async () => {
    const gates = [deferred<void>(), deferred<void>()];
    const peers: FakePeer[] = [];
    let n = 0;
    const factory: PeerFactory = async (config) => {
      const gate = gates[n++];
      const p = new FakePeer(config);
      peers.push(p);
      await gate?.promise;
      return p;
    };
    const { mgr, offer } = setup({ factory });
    const first = offer('same', 'plc1', 'first');
    await vi.waitFor(() => expect(n).toBe(1));
    gates[0]?.resolve();
    expect(await first).toMatchObject({ status: 'success', sdp: 'answer-to:first' });
    const second = offer('same', 'plc1', 'second');
    gates[1]?.resolve();
    expect(await second).toMatchObject({ status: 'success', sdp: 'answer-to:second' });
    expect(peers.map((p) => p.closed)).toEqual([true, false]);
    expect(mgr.size).toBe(1);
  });
});

describe('channel bounds', () => {
  it('keeps one live data channel per session: a newer one closes the older, which stops answering', async () => {
    const { offer, peers } = setup();
    await offer('s1');
    const chans: FakeChannel[] = [];
    for (let i = 0; i < 50; i++) {
      const ch = peers[0]!.channel('data');
      ch.open();
      chans.push(ch);
    }
    expect(chans.filter((c) => c.isOpen)).toHaveLength(1);
    expect(chans.at(-1)?.isOpen).toBe(true);
    const old = chans[0]!;
    old.isOpen = true;
    old.deliver({ type: 'ping' });
    expect(old.json()).toEqual([{ type: 'ready' }]);
    chans.at(-1)?.deliver({ type: 'ping' });
    expect(chans.at(-1)?.json()).toEqual([{ type: 'ready' }, { type: 'pong' }]);
  });

  it('frees the chunks of a replaced data channel, so channels in a loop cannot pile up buffers', async () => {
    const { offer, peers, mgr } = setup();
    await offer('s1');
    for (let i = 0; i < 20; i++) {
      const ch = peers[0]!.channel('data');
      ch.open();
      ch.deliver({ type: 'chunk_start', transfer_id: 't', total_chunks: 2, total_size: 2_000 });
      ch.deliver({ type: 'chunk_data', transfer_id: 't', sequence: 0, data: 'x'.repeat(1_000) });
    }
    expect(mgr.bufferedBytes).toBe(2_000);
  });
});

describe('session cap', () => {
  it('counts an answered session once: a full house of concurrent offers all succeed', async () => {
    const { offer, mgr } = setup({ maxSessions: 5 });
    const first = ['a', 'b', 'c'].map((id) => offer(id, 'plc1', 'slow'));
    await vi.waitFor(() => expect(mgr.size).toBe(3));
    const answers = await Promise.all([...first, offer('d', 'plc1', 'slow'), offer('e', 'plc1', 'slow')]);
    expect(answers.map((a) => a['status'])).toEqual(Array(5).fill('success'));
    expect(mgr.size).toBe(5);
  });
});
