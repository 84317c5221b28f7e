import type { z } from 'zod';
import { isOrchestratorOp, OrchestratorOps, OrchestratorWorkerConfig, type OrchestratorOp } from '../../lib/protocol/orchestrator-ops.js';
import { WorkerError, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import type { HostSample } from './metrics/sampler.js';
import { Orchestrator } from './orchestrator.js';
import type { OrchestratorSettingsInput } from './settings.js';

type Handlers = { [O in OrchestratorOp]: (orch: Orchestrator, input: z.output<(typeof OrchestratorOps)[O]>) => Promise<unknown> };

const handlers: Handlers = {
  'vplc.list': (o) => o.list(),
  'vplc.create': (o, i) => o.create(i.spec, i.requester),
  'vplc.delete': (o, i) => o.delete(i.name, i.requester),
  'vplc.start': (o, i) => o.start(i.name, i.requester),
  'vplc.stop': (o, i) => o.stop(i.name, i.requester),
  'vplc.restart': (o, i) => o.restart(i.name, i.requester),
  'vplc.status': (o, i) => o.status(i.name),
  'host.interfaces': async (o) => (await o.ctx.interfaces.list()).map(({ index: _index, ...rest }) => rest),
  'agent.info': async (o) => ({ installationId: o.installationId, warnings: await o.hostWarnings() }),
  'metrics.history': (o, i) => {
    const end = Math.floor(Date.now() / 1000);
    const t = i.target === 'host' ? ('orchestrator' as const) : { device: i.target };
    return Promise.resolve({ cpu: o.rings.query(t, 'cpu', end - i.seconds, end), memory: o.rings.query(t, 'memory', end - i.seconds, end) });
  },
  'metrics.latest': (o) => Promise.resolve(o.latestHostSample()),
};

/**
 * The orchestrator as a supervised worker: the same core the tests drive in-process, behind the worker protocol.
 * Stopping the worker stops the agent's loops only; vPLC containers keep running.
 */
export class OrchestratorWorker implements WorkerImpl {
  private orch?: Orchestrator;

  async start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = OrchestratorWorkerConfig.parse(rawConfig);
    const orch = await Orchestrator.open({ settings: config.settings as OrchestratorSettingsInput, log: api.log });
    this.orch = orch;
    orch.onEvent((e) => api.emit('vplc.changed', { kind: e.kind, name: e.name, ...(e.kind === 'changed' ? { reason: e.reason } : {}) }));
    void orch.startLifecycle({ sampleUsage: config.sampleUsage });
    if (config.sampleUsage) {
      orch.onHostSample(({ ts, cpu_usage, memory_usage, memory_total, disk_usage, disk_total }: HostSample) =>
        api.emit('metrics.sample', { ts, cpu_usage, memory_usage, memory_total, disk_usage, disk_total }),
      );
    }
  }

  async handle(op: string, input: unknown): Promise<unknown> {
    const orch = this.orch;
    if (!orch) throw new WorkerError('UNAVAILABLE', 'the orchestrator is not started');
    if (!isOrchestratorOp(op)) throw new WorkerError('UNKNOWN_OP', `no orchestrator op ${op}`, 'op');
    const parsed = OrchestratorOps[op].safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new WorkerError('VALIDATION', `${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid'}`, issue?.path.join('.'));
    }
    return (handlers[op] as (o: Orchestrator, i: unknown) => Promise<unknown>)(orch, parsed.data);
  }

  async stop(graceMs: number): Promise<void> {
    await this.orch?.close({ graceMs });
  }
}
