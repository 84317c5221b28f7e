import type { AckBody } from '../../../shared/cloud/acks.js';
import type { RequestOf, RequestTopic } from '../../../shared/cloud/topics.js';
import type { Envelope } from './messages.js';

/**
 * Where validated cloud commands are executed. The link owns the envelope (action, correlation_id), validation,
 * deadlines, later-phase answers and the one-ack rule; the target only returns the ack body. In the agent it is one
 * `cloud.execute` request from the cloudlink worker to the orchestrator worker over the bus; tests bind it in-process.
 */
export interface CloudCommandTarget {
  execute<T extends RequestTopic>(topic: T, request: RequestOf<T>): Promise<AckBody>;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The ack body a `cloud.execute` answer stands for: the orchestrator's own, or an error body when it gave none. */
export function ackOf(env: Envelope): Record<string, unknown> {
  if (!env.ok) return { status: 'error', error: env.error.message };
  return isRecord(env.value) ? env.value : { status: 'error', error: 'the orchestrator gave no answer' };
}
