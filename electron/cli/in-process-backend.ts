import type { AgentBackend } from '../core/api/backend.js';
import type { Orchestrator } from '../workers/orchestrator/orchestrator.js';

/** The headless agent's backend: the orchestrator in this process (until the supervisor runs it as a worker). */
export function inProcessBackend(orch: Orchestrator, opts: { cloud: 'disabled' | 'offline' }): AgentBackend {
  return {
    status: async () => ({
      installationId: orch.installationId,
      mode: 'own',
      cloud: opts.cloud,
      workers: [{ name: 'orchestrator', state: 'running' }],
      warnings: await orch.hostWarnings(),
    }),
    listVplcs: () => orch.list(),
    createVplc: async (spec) => {
      const ack = await orch.create(spec, 'ui');
      return ack.status === 'creating' ? { ok: true, operationId: ack.operation_id } : { ok: false, error: ack.error };
    },
    deleteVplc: async (name) => {
      const ack = await orch.delete(name, 'ui');
      return ack.status === 'deleting' ? { ok: true } : { ok: false, error: ack.error };
    },
    control: (action, name) => orch[action](name, 'ui'),
    vplcStatus: (name) => orch.status(name),
    interfaces: async () => (await orch.ctx.interfaces.list()).map(({ index: _index, ...i }) => i),
    history: (target, seconds) => {
      const end = Math.floor(Date.now() / 1000);
      const t = target === 'host' ? ('orchestrator' as const) : { device: target };
      return Promise.resolve({ cpu: orch.rings.query(t, 'cpu', end - seconds, end), memory: orch.rings.query(t, 'memory', end - seconds, end) });
    },
  };
}
