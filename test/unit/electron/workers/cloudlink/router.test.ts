// Command router (docs/protocol.md §2.5, §2.7 items 3-4, §3.3-§3.4, docs/decisions.md "Scope"). Runtime: < 300 ms.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommandRouter } from '../../../../../electron/workers/cloudlink/router.js';
import { silentLogger, type CloudCommandTarget } from '../../../../../electron/workers/cloudlink/types.js';

const ok: CloudCommandTarget = { execute: (topic) => Promise.resolve({ status: 'success', device_id: 'plc1', topic }) };

function route(target: CloudCommandTarget = ok, deadlines = {}) {
  const router = new CommandRouter({ target, log: silentLogger, deadlines });
  const acks: unknown[] = [];
  const send = async (topic: string, payload: unknown): Promise<Record<string, unknown>> => {
    const ack = vi.fn((a: unknown) => acks.push(a));
    router.onEvent(topic, payload === undefined ? [ack] : [payload, ack]);
    await vi.waitFor(() => expect(ack).toHaveBeenCalled());
    return ack.mock.calls[0]?.[0] as Record<string, unknown>;
  };
  return { router, send, acks };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('CommandRouter', () => {
  it('puts action and correlation_id first and never lets the handler override them', async () => {
    const { send } = route({ execute: () => Promise.resolve({ action: 'x', correlation_id: 9, status: 'success' }) });
    const ack = await send('get_device_status', { correlation_id: 'uuid-1', device_id: 'plc1' });
    expect(Object.entries(ack)).toEqual([['action', 'get_device_status'], ['correlation_id', 'uuid-1'], ['status', 'success']]);
  });

  it('echoes an absent correlation id as null', async () => {
    expect(await route().send('get_host_interfaces', {})).toMatchObject({ correlation_id: null });
  });

  it('answers a validation failure with the §3.4 key order and the field path', async () => {
    const ack = await route().send('get_device_status', { correlation_id: 17 });
    expect(Object.entries(ack)).toEqual([
      ['status', 'error'], ['error', 'Missing required field: device_id'], ['action', 'get_device_status'], ['correlation_id', 17], ['field', 'device_id'],
    ]);
  });

  it('answers a payload that is not an object, and an event with no payload at all', async () => {
    const { send } = route();
    expect(await send('delete_device', [1, 2])).toMatchObject({ error: 'Validation error: message must be a JSON object', correlation_id: null });
    expect(await send('delete_device', undefined)).toMatchObject({ error: 'Validation error: message must be a JSON object' });
  });

  it('acks "Internal error" when the handler throws or rejects', async () => {
    const { send } = route({ execute: () => { throw new Error('kaboom'); } });
    expect(await send('start_device', { correlation_id: 1, device_id: 'p1' })).toEqual({ action: 'start_device', correlation_id: 1, status: 'error', error: 'Internal error: kaboom' });
    const r = route({ execute: () => Promise.reject(new Error('nope')) });
    expect(await r.send('stop_device', { device_id: 'p1' })).toMatchObject({ error: 'Internal error: nope' });
  });

  it('acks "Internal error" when the handler returns something that is not an object', async () => {
    const { send } = route({ execute: () => Promise.resolve(null as never) });
    expect(await send('get_device_status', { device_id: 'p1' })).toMatchObject({ status: 'error', error: expect.stringMatching(/^Internal error: /) });
  });

  it('acks a timeout at the deadline and drops the late result', async () => {
    vi.useFakeTimers();
    let finish: (v: Record<string, unknown>) => void = () => undefined;
    const { router } = route({ execute: () => new Promise((r) => (finish = r)) });
    const ack = vi.fn();
    router.onEvent('get_device_status', [{ correlation_id: 3, device_id: 'p1' }, ack]);
    await vi.advanceTimersByTimeAsync(9_999);
    expect(ack).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ack).toHaveBeenCalledWith({ action: 'get_device_status', correlation_id: 3, status: 'error', error: 'Timeout: get_device_status did not complete within 10 s' });
    finish({ status: 'success' });
    await vi.advanceTimersByTimeAsync(10);
    expect(ack).toHaveBeenCalledTimes(1);
  });

  it('uses the run_command deadline it was given (HTTP timeout + 5 s)', async () => {
    vi.useFakeTimers();
    const { router } = route({ execute: () => new Promise(() => undefined) }, { run_command: 65_000 });
    const ack = vi.fn();
    router.onEvent('run_command', [{ device_id: 'p1', method: 'GET', api: '/x' }, ack]);
    await vi.advanceTimersByTimeAsync(64_999);
    expect(ack).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(ack.mock.calls[0]?.[0]).toMatchObject({ error: 'Timeout: run_command did not complete within 65 s' });
  });

  it('answers the WebRTC topics "not supported" when started without sessions, never reaching the target', async () => {
    const execute = vi.fn(ok.execute);
    const { send } = route({ execute });
    expect(await send('webrtc:ice', { session_id: 's9' })).toEqual({ action: 'webrtc:ice', correlation_id: null, status: 'error', error: 'WebRTC is not supported by this agent yet', session_id: 's9' });
    expect(await send('webrtc:offer', { session_id: 's9' })).toMatchObject({ error: 'Missing required field: device_id', field: 'device_id' });
    expect(execute).not.toHaveBeenCalled();
  });

  it('passes run_command with api "debug" to the target (the orchestrator answers it through the debug bridge)', async () => {
    const execute = vi.fn(() => Promise.resolve({ status: 'success', debug_response: { type: 'debug_error', error: 'No active debug session. Send debug_start first.' } }));
    const ack = await route({ execute }).send('run_command', { correlation_id: 2, device_id: 'p1', method: 'POST', api: 'debug', data: { type: 'debug_get_md5' } });
    expect(ack).toEqual({ action: 'run_command', correlation_id: 2, status: 'success', debug_response: { type: 'debug_error', error: 'No active debug session. Send debug_start first.' } });
    expect(execute).toHaveBeenCalledWith('run_command', expect.objectContaining({ api: 'debug', data: { type: 'debug_get_md5' } }));
  });

  it('passes get_serial_devices to the target, the one place that knows the devices', async () => {
    const execute = vi.fn(() => Promise.resolve({ status: 'success', count: 1, devices: [{ path: '/dev/ttyUSB0' }] }));
    const ack = await route({ execute }).send('get_serial_devices', { correlation_id: 4 });
    expect(ack).toEqual({ action: 'get_serial_devices', correlation_id: 4, status: 'success', count: 1, devices: [{ path: '/dev/ttyUSB0' }] });
    expect(execute).toHaveBeenCalledWith('get_serial_devices', { correlation_id: 4 });
  });

  it('answers an unknown topic with an error instead of leaving the cloud waiting', async () => {
    expect(await route().send('reboot_everything', { correlation_id: 5 })).toEqual({ action: 'reboot_everything', correlation_id: 5, status: 'error', error: 'Unknown command: reboot_everything' });
  });

  it('refuses new commands while shutting down and drains the ones in flight', async () => {
    let finish: (v: Record<string, unknown>) => void = () => undefined;
    const { router, send } = route({ execute: () => new Promise((r) => (finish = r)) });
    const first = vi.fn();
    router.onEvent('get_device_status', [{ device_id: 'p1' }, first]);
    router.refuseNew();
    expect(await send('get_device_status', { device_id: 'p1' })).toMatchObject({ status: 'error', error: 'Agent is shutting down' });
    const drained = router.drain(1_000);
    finish({ status: 'success' });
    expect(await drained).toBe(true);
    expect(first).toHaveBeenCalledTimes(1);
  });

  it('handles an event without an ack callback', async () => {
    const execute = vi.fn(ok.execute);
    const { router } = route({ execute });
    router.onEvent('get_device_status', [{ device_id: 'p1' }]);
    await vi.waitFor(() => expect(execute).toHaveBeenCalledTimes(1));
  });
});
