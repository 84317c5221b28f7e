import { describe, expect, it } from 'vitest';
import { cloudAck, Refusal, refusal } from '../../../../shared/api/errors.js';

describe('refusals', () => {
  it('carry a typed code and, when known, the field', () => {
    expect(refusal('CONFLICT', 'Container name is already in use', 'name')).toEqual({ status: 'error', error: 'Container name is already in use', code: 'CONFLICT', field: 'name' });
    expect(refusal('FORBIDDEN', 'not managed')).toEqual({ status: 'error', error: 'not managed', code: 'FORBIDDEN' });
    expect(Refusal.safeParse({ status: 'error', error: 'x', code: 'TEAPOT' }).success).toBe(false);
  });

  it('reach the cloud exactly as before: no code, no field, same keys in the same order', () => {
    const ack = cloudAck(refusal('CONFLICT', 'Container name is already in use', 'name'));
    expect(JSON.stringify(ack)).toBe('{"status":"error","error":"Container name is already in use"}');
    const ok = { status: 'creating', container_id: 'plc1', message: 'm', operation_id: 'op' };
    expect(JSON.stringify(cloudAck(ok))).toBe(JSON.stringify(ok));
  });
});
