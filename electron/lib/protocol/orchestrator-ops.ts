import { z } from 'zod';
import { Requester, VplcSpec } from '../../../shared/domain/vplc.js';

/**
 * Requests the core may send to the orchestrator worker, each with its input schema. The worker parses every input;
 * outputs are the orchestrator's own shapes (cloud acks and API values), validated where they are consumed.
 */
const name = z.object({ name: z.string().min(1) });
export const OrchestratorOps = {
  'vplc.list': z.object({}),
  'vplc.create': z.object({ spec: VplcSpec, requester: Requester }),
  'vplc.delete': name.extend({ requester: Requester }),
  'vplc.start': name.extend({ requester: Requester }),
  'vplc.stop': name.extend({ requester: Requester }),
  'vplc.restart': name.extend({ requester: Requester }),
  'vplc.status': name,
  /** An explicit confirm of a vPLC's pending changes (the change window of the operations issue). */
  'vplc.apply': name.extend({ requester: Requester }),
  'reconcile.status': z.object({}),
  'metrics.vplcs': z.object({}),
  'vplc.logs': name.extend({ tail: z.number().int().positive().max(5_000) }),
  'host.interfaces': z.object({}),
  'agent.info': z.object({}),
  'metrics.history': z.object({ target: z.string(), seconds: z.number().int().positive() }),
  'metrics.latest': z.object({}),
  /** A netmon event forwarded by the core (the orchestrator's interface cache and re-attachment follow it). */
  'netmon.event': z.unknown(),
  /** A validated cloud command forwarded by the core; the worker validates it again against the topic's contract. */
  'cloud.execute': z.object({ topic: z.string(), request: z.record(z.string(), z.unknown()) }),
} as const;
export type OrchestratorOp = keyof typeof OrchestratorOps;
export type OrchestratorOpInput<O extends OrchestratorOp> = z.input<(typeof OrchestratorOps)[O]>;
export const isOrchestratorOp = (op: string): op is OrchestratorOp => Object.hasOwn(OrchestratorOps, op);

/** Events the orchestrator worker emits. */
export const OrchestratorEvents = {
  'vplc.changed': z.object({ kind: z.string(), name: z.string(), reason: z.string().optional() }),
  'metrics.sample': z.object({ ts: z.number(), cpu_usage: z.number(), memory_usage: z.number(), memory_total: z.number(), disk_usage: z.number(), disk_total: z.number() }),
} as const;

export const OrchestratorWorkerConfig = z.object({
  settings: z.record(z.string(), z.unknown()),
  sampleUsage: z.boolean().default(true),
  /** Local setting "Allow the cloud to remove this orchestrator" (PROTOCOL §4.3 EXTEND). */
  allowRemoteRemoval: z.boolean().default(true),
});
