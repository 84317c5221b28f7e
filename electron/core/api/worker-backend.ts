import { z } from 'zod';
import type { AgentStatus } from '../../../shared/api/contract.js';
import { ControlOutcome, HostInterfaceView, LiveRestoreChange, LiveRestoreView, ReconcileView, UsagePoint, VplcStatus, VplcSummary } from '../../../shared/api/contract.js';
import { Refusal } from '../../../shared/api/errors.js';
import type { Envelope } from '../../lib/protocol/messages.js';
import type { OrchestratorOp, OrchestratorOpInput } from '../../lib/protocol/orchestrator-ops.js';
import type { AgentBackend, Refused } from './backend.js';
import { ApiFailure } from './registry.js';

export type RequestFn = (op: string, input: unknown, timeoutMs: number) => Promise<Envelope>;

const CreateAck = z.union([z.object({ status: z.literal('creating'), operation_id: z.string() }).passthrough(), Refusal]);
const ApplyAck = z.union([z.object({ status: z.literal('success'), message: z.string() }), z.object({ status: z.literal('error'), error: z.string() })]);
const DeleteAck = z.union([z.object({ status: z.literal('deleting') }).passthrough(), Refusal]);

/**
 * One request to the orchestrator worker, its answer parsed with `schema`: a refusal keeps its code (VALIDATION,
 * FORBIDDEN, NOT_FOUND, CONFLICT, with the field) and anything else the worker answers with becomes UNAVAILABLE.
 */
export async function callOrchestrator<S extends z.ZodType>(request: RequestFn, op: string, input: unknown, schema: S, timeoutMs = 30_000): Promise<z.output<S>> {
  const env = await request(op, input, timeoutMs);
  if (!env.ok) {
    const c = env.error.code;
    const code = c === 'VALIDATION' || c === 'FORBIDDEN' || c === 'NOT_FOUND' || c === 'CONFLICT' ? c : 'UNAVAILABLE';
    throw new ApiFailure(code, env.error.message, env.error.field);
  }
  const parsed = schema.safeParse(env.value);
  if (!parsed.success) throw new Error(`orchestrator answered ${op} with an unexpected shape: ${parsed.error.issues[0]?.message ?? ''}`);
  return parsed.data;
}

const refused = (r: Refusal): Refused => ({ ok: false, error: r.error, ...(r.code ? { code: r.code } : {}), ...(r.field ? { field: r.field } : {}) });

/**
 * The API backend over the orchestrator worker: every answer crossing the thread boundary is parsed with zod, and a
 * worker that is down answers UNAVAILABLE instead of hanging the UI.
 */
export function workerBackend(
  request: RequestFn,
  status: () => Promise<z.output<typeof AgentStatus>>,
  lifecycle: { stop(): Promise<void>; start(): Promise<void> },
): AgentBackend {
  const call = <S extends z.ZodType>(op: OrchestratorOp, input: OrchestratorOpInput<typeof op>, schema: S, timeoutMs = 30_000): Promise<z.output<S>> =>
    callOrchestrator(request, op, input, schema, timeoutMs);
  return {
    status,
    listVplcs: () => call('vplc.list', {}, z.array(VplcSummary)),
    createVplc: async (spec) => {
      const ack = await call('vplc.create', { spec, requester: 'ui' }, CreateAck);
      return ack.status === 'creating' ? { ok: true, operationId: ack.operation_id } : refused(ack);
    },
    deleteVplc: async (name) => {
      const ack = await call('vplc.delete', { name, requester: 'ui' }, DeleteAck);
      return ack.status === 'deleting' ? { ok: true } : refused(ack);
    },
    control: (action, name) => call(`vplc.${action}`, { name, requester: 'ui' }, ControlOutcome, 45_000),
    vplcStatus: (name) => call('vplc.status', { name }, VplcStatus),
    applyChanges: async (name) => {
      const r = await call('vplc.apply', { name, requester: 'ui' }, ApplyAck);
      return r.status === 'success' ? { ok: true, message: r.message } : { ok: false, error: r.error };
    },
    reconcileStatus: () => call('reconcile.status', {}, ReconcileView),
    liveRestore: () => call('engine.live-restore', {}, LiveRestoreView),
    enableLiveRestore: () => call('engine.enable-live-restore', {}, LiveRestoreChange),
    interfaces: () => call('host.interfaces', {}, z.array(HostInterfaceView)),
    history: (target, seconds) => call('metrics.history', { target, seconds }, z.object({ cpu: z.array(UsagePoint), memory: z.array(UsagePoint) })),
    vplcLogs: (name, tail) => call('vplc.logs', { name, tail }, z.array(z.string())),
    stopAgent: () => lifecycle.stop(),
    startAgent: () => lifecycle.start(),
  };
}
