import type { LogHub } from '../../logging/log-hub.js';
import type { AgentBackend } from '../backend.js';
import { ApiFailure, type ApiRegistry } from '../registry.js';

/** Binds every contract channel to the backend; `ApiRegistry.unhandled()` is empty afterwards. */
export function registerHandlers(registry: ApiRegistry, backend: AgentBackend, logs: LogHub): void {
  registry.register('agent:status', () => backend.status());
  registry.register('vplc:list', () => backend.listVplcs());
  registry.register('vplc:create', async (spec) => {
    const r = await backend.createVplc(spec);
    if (!r.ok) throw new ApiFailure(r.code ?? 'VALIDATION', r.error, r.field);
    return { operationId: r.operationId };
  });
  registry.register('vplc:delete', async ({ name }) => {
    const r = await backend.deleteVplc(name);
    if (!r.ok) throw new ApiFailure(r.code ?? 'CONFLICT', r.error, r.field);
    return { accepted: true as const };
  });
  registry.register('vplc:start', ({ name }) => backend.control('start', name));
  registry.register('vplc:stop', ({ name }) => backend.control('stop', name));
  registry.register('vplc:restart', ({ name }) => backend.control('restart', name));
  registry.register('vplc:status', async ({ name }) => {
    const s = await backend.vplcStatus(name);
    if (s.status === 'not_found') throw new ApiFailure('NOT_FOUND', s.message ?? `no vPLC ${name}`, 'name');
    return s;
  });
  registry.register('vplc:apply', async ({ name }) => {
    const r = await backend.applyChanges(name);
    if (!r.ok) throw new ApiFailure('NOT_FOUND', r.error, 'name');
    return { message: r.message };
  });
  registry.register('reconcile:status', () => backend.reconcileStatus());
  registry.register('engine:live-restore', () => backend.liveRestore());
  registry.register('engine:enable-live-restore', () => backend.enableLiveRestore());
  registry.register('netmon:interfaces', () => backend.interfaces());
  registry.register('metrics:history', ({ target, seconds }) => backend.history(target, seconds));
  registry.register('logs:tail', ({ limit, level }) => Promise.resolve(logs.tail(limit, level)));
  registry.register('vplc:logs', ({ name, tail }) => backend.vplcLogs(name, tail));
  registry.register('agent:stop', async () => {
    await backend.stopAgent();
    return null;
  });
  registry.register('agent:start', async () => {
    await backend.startAgent();
    return null;
  });
}
