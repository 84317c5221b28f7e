/** The plc:* API channels over the orchestrator worker: the op sent, and refusals keeping their code and field. */
import { describe, expect, it } from 'vitest';
import { registerPlc } from '../../../../../electron/core/api/handlers/plc.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import type { Envelope } from '../../../../../electron/lib/protocol/messages.js';

function apiAnswering(answer: Envelope): { registry: ApiRegistry; sent: Array<{ op: string; input: unknown }> } {
  const sent: Array<{ op: string; input: unknown }> = [];
  const registry = new ApiRegistry();
  registerPlc(registry, (op, input) => {
    sent.push({ op, input });
    return Promise.resolve(answer);
  });
  return { registry, sent };
}

const ctx = { via: 'test' as const };

describe('plc:* channels', () => {
  it('send the credentials to the worker once, as the UI', async () => {
    const { registry, sent } = apiAnswering({ ok: true, value: { outcome: 'verified', message: 'ok' } });
    const r = await registry.call('plc:set-credentials', { name: 'plc1', username: 'admin', password: 'pw' }, ctx);
    expect(r).toEqual({ ok: true, value: { outcome: 'verified', message: 'ok' } });
    expect(sent).toEqual([{ op: 'plc.set-credentials', input: { name: 'plc1', credentials: { username: 'admin', password: 'pw' }, requester: 'ui' } }]);
  });

  it.each([
    ['NOT_FOUND', 'no vPLC named plc1', 'name'],
    ['CONFLICT', 'no runtime credentials for plc1: give them in the vPLC\'s PLC card', undefined],
    ['VALIDATION', 'the runtime of plc1 refused this user name and password', 'password'],
  ] as const)('a %s refusal keeps its code and field', async (code, message, field) => {
    const { registry } = apiAnswering({ ok: false, error: { code, message, ...(field ? { field } : {}) } });
    const r = await registry.call('plc:stop', { name: 'plc1', confirm: true }, ctx);
    expect(r).toEqual({ ok: false, error: { code, message, ...(field ? { field } : {}) } });
  });

  it('anything else the worker says is UNAVAILABLE', async () => {
    const { registry } = apiAnswering({ ok: false, error: { code: 'INTERNAL', message: 'boom' } });
    const r = await registry.call('plc:compile-status', { name: 'plc1' }, ctx);
    expect(r.ok === false && r.error.code).toBe('UNAVAILABLE');
  });

  it('an answer of the wrong shape is not passed on', async () => {
    const { registry } = apiAnswering({ ok: true, value: { ok: 'yes' } });
    const r = await registry.call('plc:start', { name: 'plc1', confirm: true }, ctx);
    expect(r.ok).toBe(false);
  });
});
