import type { AckBody } from '../../../shared/cloud/acks.js';
import type { RequestOf, RequestTopic } from '../../../shared/cloud/topics.js';

/**
 * Where validated cloud commands are executed. The link owns the envelope (action, correlation_id), validation,
 * deadlines, later-phase answers and the one-ack rule; the target only returns the ack body. In the agent it is a
 * message client of the orchestrator worker (through the core's command router); tests bind it in-process.
 */
export interface CloudCommandTarget {
  execute<T extends RequestTopic>(topic: T, request: RequestOf<T>): Promise<AckBody>;
}
