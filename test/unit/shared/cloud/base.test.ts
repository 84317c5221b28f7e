import { describe, expect, it } from 'vitest';
import { BaseDevice, BaseMessage, isIsoDate } from '../../../../shared/cloud/base.js';
import { formatPath } from '../../../../shared/cloud/errors.js';
import { echoCorrelationId, parseCommand, validationAck } from '../../../../shared/cloud/parse.js';

describe('isoDate (§3.1)', () => {
  it.each([
    '2024-01-15T10:30:00',
    '2024-01-15T10:30:00Z',
    '2024-01-15T10:30:00+05:30',
    '2024-01-01',
    '2024-01-15T10:30:00.123456',
    '2024-01-15T10:30:00.123Z',
    '2024-01-15 10:30',
    '2024-01-15T10',
    '2024-01-15T10:30:00-08:00',
    '2024-01-15T10:30:00+0530',
    '2024-02-29',
    '20240115',
    '20240115T103000',
    '2024-W03',
    '2024-W03-1',
    '2020-W53-7',
  ])('accepts %s', (s) => {
    expect(isIsoDate(s)).toBe(true);
  });

  it.each([
    'not-a-date',
    '12345',
    '',
    '2024-13-01',
    '2023-02-29',
    '2024-01-32',
    '2024-01-15T24:00:00',
    '2024-01-15T10:60',
    '2024-01-15T10:30:00+24:00',
    '2024-01-15T10:30:00ZZ',
    '2024-01-15X10:30',
    '2024-01-15T',
    '0000-01-01',
    '2021-W53',
    'Z',
  ])('rejects %j', (s) => {
    expect(isIsoDate(s)).toBe(false);
  });
});

describe('formatPath', () => {
  it('uses dots for keys and [i] for list items', () => {
    expect(formatPath(['vnic_configs', 1, 'parent_interface'])).toBe('vnic_configs[1].parent_interface');
    expect(formatPath(['vnic_configs', 0, 'dns', 2])).toBe('vnic_configs[0].dns[2]');
    expect(formatPath(['files', 'file'])).toBe('files.file');
    expect(formatPath([])).toBe('');
  });
});

describe('BASE_MESSAGE / BASE_DEVICE', () => {
  it('accepts numeric and string correlation ids, absent or null optionals, and ignores extra keys', () => {
    expect(parseCommand(BaseDevice, { correlation_id: 17, device_id: 'plc1', extra: { x: 1 } })).toEqual({
      ok: true,
      value: { correlation_id: 17, device_id: 'plc1' },
    });
    expect(parseCommand(BaseDevice, { correlation_id: '6f1c-uuid', device_id: 'plc1' })).toEqual({
      ok: true,
      value: { correlation_id: '6f1c-uuid', device_id: 'plc1' },
    });
    const nulls = parseCommand(BaseMessage, { correlation_id: null, action: null, requested_at: null });
    expect(nulls.ok).toBe(true);
    expect(parseCommand(BaseMessage, {}).ok).toBe(true);
    expect(parseCommand(BaseMessage, { requested_at: '2024-01-15T10:30:00Z', action: 'x' }).ok).toBe(true);
  });

  it.each<[string, unknown, string, string]>([
    ['missing device_id', { correlation_id: 17 }, 'Missing required field: device_id', 'device_id'],
    ['null device_id', { device_id: null }, 'Invalid field type: device_id: Value must be a string.', 'device_id'],
    ['number device_id', { device_id: 5 }, 'Invalid field type: device_id: Value must be a string.', 'device_id'],
    ['empty device_id', { device_id: '' }, 'Invalid field type: device_id: Value must be a non-empty string.', 'device_id'],
    ['blank device_id', { device_id: '  ' }, 'Invalid field type: device_id: Value must be a non-empty string.', 'device_id'],
    [
      'boolean correlation_id',
      { correlation_id: true, device_id: 'plc1' },
      'Invalid field type: correlation_id: Value must be a number or a string.',
      'correlation_id',
    ],
    [
      'object correlation_id',
      { correlation_id: { a: 1 }, device_id: 'plc1' },
      'Invalid field type: correlation_id: Value must be a number or a string.',
      'correlation_id',
    ],
    ['action not a string', { action: 3, device_id: 'plc1' }, 'Invalid field type: action: Value must be a string.', 'action'],
    [
      'bad requested_at',
      { requested_at: 'not-a-date', device_id: 'plc1' },
      'Invalid field type: requested_at: Value must be a valid ISO datetime string.',
      'requested_at',
    ],
    [
      'numeric requested_at',
      { requested_at: 12345, device_id: 'plc1' },
      'Invalid field type: requested_at: Value must be a valid ISO datetime string.',
      'requested_at',
    ],
    [
      'first issue in declaration order',
      { correlation_id: false, requested_at: 'x' },
      'Invalid field type: correlation_id: Value must be a number or a string.',
      'correlation_id',
    ],
  ])('%s', (_name, payload, error, field) => {
    expect(parseCommand(BaseDevice, payload)).toEqual({ ok: false, error, field });
  });

  it.each<[string, unknown]>([
    ['null', null],
    ['an array', [{ device_id: 'plc1' }]],
    ['a string', '{"device_id":"plc1"}'],
    ['a number', 17],
    ['undefined', undefined],
    ['a Buffer', new Uint8Array([1, 2])],
  ])('payload that is %s is not a JSON object', (_name, payload) => {
    expect(parseCommand(BaseDevice, payload)).toEqual({
      ok: false,
      error: 'Validation error: message must be a JSON object',
      field: '',
    });
  });
});

describe('validationAck (§3.4)', () => {
  const err = { error: 'Missing required field: device_id', field: 'device_id' };

  it('has the exact key order and echoes a numeric id', () => {
    expect(JSON.stringify(validationAck('get_device_status', 17, err))).toBe(
      '{"status":"error","error":"Missing required field: device_id","action":"get_device_status","correlation_id":17,"field":"device_id"}',
    );
  });

  it('echoes a string id unchanged', () => {
    expect(validationAck('get_device_status', 'a-uuid', err).correlation_id).toBe('a-uuid');
    expect(validationAck('get_device_status', '', err).correlation_id).toBe('');
  });

  it('echoes null for an absent or invalid id', () => {
    for (const id of [undefined, null, true, false, { a: 1 }, [1], Number.NaN]) {
      expect(validationAck('get_device_status', id, err).correlation_id).toBeNull();
    }
  });

  it('end to end: boolean correlation id', () => {
    const payload = { correlation_id: true, device_id: 'plc1' };
    const r = parseCommand(BaseDevice, payload);
    if (r.ok) throw new Error('expected a failure');
    expect(JSON.stringify(validationAck('delete_device', echoCorrelationId(payload), r))).toBe(
      '{"status":"error","error":"Invalid field type: correlation_id: Value must be a number or a string.","action":"delete_device","correlation_id":null,"field":"correlation_id"}',
    );
  });

  it('end to end: payload not an object', () => {
    const r = parseCommand(BaseDevice, 'nope');
    if (r.ok) throw new Error('expected a failure');
    expect(JSON.stringify(validationAck('delete_device', echoCorrelationId('nope'), r))).toBe(
      '{"status":"error","error":"Validation error: message must be a JSON object","action":"delete_device","correlation_id":null,"field":""}',
    );
  });

  it('echoCorrelationId', () => {
    expect(echoCorrelationId({ correlation_id: 5 })).toBe(5);
    expect(echoCorrelationId({ correlation_id: 'x' })).toBe('x');
    expect(echoCorrelationId({})).toBeNull();
    expect(echoCorrelationId({ correlation_id: true })).toBeNull();
    expect(echoCorrelationId(null)).toBeNull();
  });
});
