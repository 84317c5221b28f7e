import { describe, expect, it } from 'vitest';
import { ApiFailure, ApiRegistry } from '../../../../../electron/core/api/registry.js';

describe('ApiRegistry', () => {
  const registry = new ApiRegistry();
  registry.register('vplc:status', ({ name }) => {
    if (name === 'gone') throw new ApiFailure('NOT_FOUND', 'no vPLC gone', 'name');
    if (name === 'boom') throw new Error('disk on fire');
    return Promise.resolve({ status: 'success', device_id: name });
  });

  it('parses input and wraps the value', async () => {
    expect(await registry.call('vplc:status', { name: 'plc1' }, { via: 'test' })).toEqual({ ok: true, value: { status: 'success', device_id: 'plc1' } });
  });

  it('names the field of invalid input and never calls the handler', async () => {
    expect(await registry.call('vplc:status', { name: '-bad' }, { via: 'test' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'name' } });
    expect(await registry.call('vplc:status', { name: 'plc1', extra: 1 }, { via: 'test' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('keeps a deliberate failure’s code and turns anything else into INTERNAL', async () => {
    expect(await registry.call('vplc:status', { name: 'gone' }, { via: 'test' })).toEqual({ ok: false, error: { code: 'NOT_FOUND', message: 'no vPLC gone', field: 'name' } });
    expect(await registry.call('vplc:status', { name: 'boom' }, { via: 'test' })).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'disk on fire' } });
  });

  it('answers unknown and unserved channels with envelopes', async () => {
    expect(await registry.call('nope', {}, { via: 'test' })).toEqual({ ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'no channel "nope"' } });
    expect(await registry.call('vplc:list', {}, { via: 'test' })).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'vplc:list is not served by this agent' } });
  });

  it('refuses a second handler for a channel', () => {
    expect(() => registry.register('vplc:status', () => Promise.resolve({ status: 'not_found' as const }))).toThrow('second handler for vplc:status');
  });
});
