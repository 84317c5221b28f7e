import { describe, expect, it } from 'vitest';
import type { AgentBackend } from '../../../../../electron/core/api/backend.js';
import { registerHandlers } from '../../../../../electron/core/api/handlers/register.js';
import { workerBackend } from '../../../../../electron/core/api/worker-backend.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { LogHub } from '../../../../../electron/core/logging/log-hub.js';
import { refusal } from '../../../../../shared/api/errors.js';

/** The API over a worker backend whose orchestrator answers every request with `answer`. */
function apiAnswering(answer: unknown): ApiRegistry {
  const backend: AgentBackend = workerBackend(
    () => Promise.resolve({ ok: true, value: answer }),
    () => Promise.reject(new Error('not used')),
    { stop: () => Promise.resolve(), start: () => Promise.resolve() },
  );
  const registry = new ApiRegistry();
  registerHandlers(registry, backend, new LogHub());
  return registry;
}

const spec = { name: 'plc1', vnics: [] };
const ctx = { via: 'test' as const };

describe('API errors of refused creates and deletes', () => {
  it('carry the code and field the orchestrator put on its refusal', async () => {
    const r = await apiAnswering(refusal('CONFLICT', 'Container name is already in use', 'name')).call('vplc:create', spec, ctx);
    expect(r).toEqual({ ok: false, error: { code: 'CONFLICT', message: 'Container name is already in use', field: 'name' } });
    const d = await apiAnswering(refusal('FORBIDDEN', 'Container plc1 is not managed by this orchestrator')).call('vplc:delete', { name: 'plc1', confirm: true }, ctx);
    expect(d).toEqual({ ok: false, error: { code: 'FORBIDDEN', message: 'Container plc1 is not managed by this orchestrator' } });
  });

  it('never read the code from the message text', async () => {
    // Words that the old text matching keyed on, without a code: the defaults apply.
    const c = await apiAnswering({ status: 'error', error: 'Container name is already in use' }).call('vplc:create', spec, ctx);
    expect(c.ok === false && c.error.code).toBe('VALIDATION');
    const d = await apiAnswering({ status: 'error', error: 'Container plc1 is not managed by this orchestrator' }).call('vplc:delete', { name: 'plc1', confirm: true }, ctx);
    expect(d.ok === false && d.error.code).toBe('CONFLICT');
    // And a code wins whatever the words say.
    const n = await apiAnswering(refusal('NOT_FOUND', 'Container name is already in use')).call('vplc:delete', { name: 'plc1', confirm: true }, ctx);
    expect(n.ok === false && n.error.code).toBe('NOT_FOUND');
  });

  it('refuses an orchestrator answer with an unknown code instead of passing it on', async () => {
    const r = await apiAnswering({ status: 'error', error: 'x', code: 'TEAPOT' }).call('vplc:create', spec, ctx);
    expect(r.ok === false && r.error.code).toBe('INTERNAL');
  });
});
