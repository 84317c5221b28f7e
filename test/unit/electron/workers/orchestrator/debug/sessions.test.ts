/**
 * Debug sessions racing their closes (docs/debug.md "Sessions"): a close, debug_stop or vPLC close that comes while an
 * open is still logging in wins, and no connection is left behind on the runtime.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { NO_SESSION, RuntimeDebugBridge } from '../../../../../../electron/workers/orchestrator/debug/bridge.js';
import { DebugSessionRegistry } from '../../../../../../electron/workers/orchestrator/debug/sessions.js';
import { InMemoryTlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { FakeDebugRuntime } from '../../../../../support/debug-runtime.js';

const CREDS = { username: 'user', password: 'secret' };
const runtimes: FakeDebugRuntime[] = [];
const bridges: RuntimeDebugBridge[] = [];
afterEach(async () => {
  for (const b of bridges.splice(0)) await b.closeAll();
  for (const r of runtimes.splice(0)) await r.close();
});

async function setup(): Promise<{ runtime: FakeDebugRuntime; sessions: DebugSessionRegistry; bridge: RuntimeDebugBridge; port: number }> {
  const runtime = await new FakeDebugRuntime({ host: '127.0.0.1', port: 0 }).start();
  runtimes.push(runtime);
  const sessions = new DebugSessionRegistry({
    target: () => Promise.resolve({ internalIp: '127.0.0.1' }),
    pins: new InMemoryTlsPinStore(),
    storedCredentials: () => CREDS,
    timings: { connectMs: 3_000, commandMs: 500 },
  });
  const bridge = new RuntimeDebugBridge({ sessions, hasDevice: () => Promise.resolve(true), now: () => Date.now(), timings: { idleMs: 300_000, sweepMs: 60_000 } });
  bridges.push(bridge);
  return { runtime, sessions, bridge, port: runtime.address.port };
}

const noSockets = async (r: FakeDebugRuntime): Promise<void> => vi.waitFor(() => expect(r.openSockets).toBe(0), { timeout: 3_000, interval: 20 });

describe('debug sessions: closes racing opens', () => {
  it('debug_stop while debug_start logs in: the stop wins, nothing stays open', async () => {
    const { runtime, sessions, bridge, port } = await setup();
    const send = (message: unknown) => bridge.handle({ session: 'webrtc:s1', device_id: 'plc1', path: 'webrtc', message });
    const [start, stop] = await Promise.all([send({ type: 'debug_start', port }), send({ type: 'debug_stop' })]);
    expect(start).toEqual({ type: 'debug_error', error: 'Session closed' });
    expect(stop).toEqual({ type: 'debug_disconnected' });
    expect(await send({ type: 'debug_info' })).toEqual({ type: 'debug_error', error: NO_SESSION });
    expect(sessions.keys()).toEqual([]);
    await noSockets(runtime);
  });

  it('4 concurrent opens of one key queue; closeAll leaves no connection on the runtime', async () => {
    const { runtime, sessions, port } = await setup();
    await Promise.all([1, 2, 3, 4].map(() => sessions.open('k', 'plc1', CREDS, port)));
    expect(sessions.keys()).toEqual(['k']);
    await vi.waitFor(() => expect(runtime.openSockets).toBe(1), { timeout: 3_000, interval: 20 });
    await sessions.closeAll();
    await noSockets(runtime);
  });

  it('opens queued behind a failing one, then closeAll: no connection left', async () => {
    const { runtime, sessions, port } = await setup();
    runtime.acceptTokens = false;
    const first = sessions.open('local:plc1', 'plc1', undefined, port).catch((e: unknown) => {
      runtime.acceptTokens = true;
      return e;
    });
    const more = [1, 2, 3].map(() => sessions.open('local:plc1', 'plc1', undefined, port));
    expect(await first).toMatchObject({ message: 'Authentication failed: Connection rejected by server' });
    await Promise.all(more);
    expect(runtime.connects).toBe(1);
    await sessions.closeAll();
    expect(sessions.keys()).toEqual([]);
    await noSockets(runtime);
  });

  it('closeVplc during a debug_start: the start answers Session closed and nothing stays open', async () => {
    const { runtime, sessions, bridge, port } = await setup();
    // The close comes while the open has logged in and is connecting.
    runtime.onLogin = () => void bridge.closeVplc('plc1');
    const start = bridge.handle({ session: 'webrtc:s2', device_id: 'plc1', path: 'webrtc', message: { type: 'debug_start', port } });
    expect(await start).toEqual({ type: 'debug_error', error: 'Session closed' });
    expect(runtime.connects).toBe(1);
    expect(sessions.keys()).toEqual([]);
    await noSockets(runtime);
  });

  it('bridge.close (webrtc:disconnect) during a debug_start', async () => {
    const { runtime, sessions, bridge, port } = await setup();
    runtime.onLogin = () => void bridge.close('webrtc:s3');
    const start = bridge.handle({ session: 'webrtc:s3', device_id: 'plc1', path: 'webrtc', message: { type: 'debug_start', port } });
    expect(await start).toEqual({ type: 'debug_error', error: 'Session closed' });
    expect(sessions.keys()).toEqual([]);
    await noSockets(runtime);
  });

  it('a close does not spoil a later open of the same key', async () => {
    const { sessions, port } = await setup();
    await sessions.close('k');
    await sessions.open('k', 'plc1', CREDS, port);
    expect(sessions.keys()).toEqual(['k']);
  });
});
