import { describe, expect, it } from 'vitest';
import { parseDebugMessage } from '../../../../shared/debug/messages.js';

const ok = (m: unknown, path: 'webrtc' | 'http' | 'local' = 'webrtc') => {
  const r = parseDebugMessage(m, path);
  if (!r.ok) throw new Error(`expected ok, got ${r.error}`);
  return r.request;
};
const error = (m: unknown, path: 'webrtc' | 'http' | 'local' = 'webrtc'): string => {
  const r = parseDebugMessage(m, path);
  if (r.ok) throw new Error('expected an error');
  return r.error;
};

describe('cloud debug messages (docs/protocol.md §4.11 "Debug messages")', () => {
  it('debug_start: port 8443 by default, credentials only when both are given, never a guessed user', () => {
    expect(ok({ type: 'debug_start', device_id: 'plc1' })).toEqual({ type: 'debug_start', device_id: 'plc1', port: 8443 });
    expect(ok({ type: 'debug_start', username: 'u', password: 'p', port: 9000 })).toEqual({ type: 'debug_start', credentials: { username: 'u', password: 'p' }, port: 9000 });
    expect(error({ type: 'debug_start', username: 'u' })).toBe('Authentication failed: username and password must be given together');
    expect(error({ type: 'debug_start', port: 70000 })).toMatch(/^Invalid field port: /);
  });

  it('the argument-free requests', () => {
    for (const type of ['debug_get_md5', 'debug_info', 'debug_stop']) expect(ok({ type })).toEqual({ type });
  });

  it('debug_get_list: flat indexes and {array, element} addresses; the protocol texts for bad ones', () => {
    expect(ok({ type: 'debug_get_list', indexes: [0, 5, { array: 1, element: 2 }] })).toEqual({ type: 'debug_get_list', indexes: [0, 5, { array: 1, element: 2 }] });
    expect(error({ type: 'debug_get_list', indexes: [] })).toBe('indexes must not be empty');
    expect(error({ type: 'debug_get_list' })).toBe('indexes must not be empty');
    expect(error({ type: 'debug_get_list', indexes: [1, 65536] })).toBe('Invalid index: must be an integer 0–65535, got 65536');
    expect(error({ type: 'debug_get_list', indexes: [-1] })).toBe('Invalid index: must be an integer 0–65535, got -1');
    expect(error({ type: 'debug_get_list', indexes: [1.5] })).toBe('Invalid index: must be an integer 0–65535, got 1.5');
    expect(error({ type: 'debug_get_list', indexes: ['3'] })).toBe('Invalid index: must be an integer 0–65535, got "3"');
    expect(error({ type: 'debug_get_list', indexes: [{ array: 256, element: 0 }] })).toBe('Invalid index: must be {array: 0–255, element: 0–65535}, got {"array":256,"element":0}');
    expect(error({ type: 'debug_get_list', indexes: 3 })).toBe('Invalid index: indexes must be a list, got 3');
  });

  it('debug_set: force true and value "00" by default; bad values named', () => {
    expect(ok({ type: 'debug_set', index: 5 })).toEqual({ type: 'debug_set', index: 5, force: true, value: Uint8Array.of(0) });
    expect(ok({ type: 'debug_set', index: { array: 0, element: 1 }, force: false, value: '2a00' })).toEqual({ type: 'debug_set', index: { array: 0, element: 1 }, force: false, value: Uint8Array.of(0x2a, 0) });
    expect(error({ type: 'debug_set', index: 5, value: 'XY' })).toBe('Invalid value hex string: malformed hex: unexpected character "X" at position 0');
    expect(error({ type: 'debug_set', index: 5, value: '' })).toBe('Invalid value hex string: empty input');
    expect(error({ type: 'debug_set', index: 5, value: 12 })).toBe('Invalid value hex string: expected a string, got 12');
    expect(error({ type: 'debug_set' })).toBe('Invalid index: must be an integer 0–65535, got nothing');
    expect(error({ type: 'debug_set', index: 5, force: 'yes' })).toMatch(/^Invalid field force: /);
  });

  it('unknown types are worded per path', () => {
    expect(error({ type: 'debug_nope' }, 'webrtc')).toBe('Unknown message type: debug_nope');
    expect(error({ type: 'debug_nope' }, 'local')).toBe('Unknown message type: debug_nope');
    expect(error({ type: 'debug_nope' }, 'http')).toBe('Unknown debug message type: debug_nope');
    expect(error({}, 'http')).toBe('Unknown debug message type: nothing');
  });

  it('a JSON string is parsed; a string that is not JSON is Invalid JSON; a non-object is refused', () => {
    expect(ok('{"type":"debug_info"}', 'http')).toEqual({ type: 'debug_info' });
    expect(error('{type', 'http')).toMatch(/^Invalid JSON: /);
    expect(error([1, 2])).toBe('Invalid message: expected a JSON object, got [1,2]');
    expect(error(null)).toBe('Invalid message: expected a JSON object, got null');
    expect(error('42')).toBe('Invalid message: expected a JSON object, got 42');
  });
});
