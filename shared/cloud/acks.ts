import { z } from 'zod';
import { BaseMessage, CorrelationId, num, opt, str } from './base.js';
import { REQUEST_TOPICS, type RequestTopic } from './topics.js';

/**
 * Ack envelope (docs/protocol.md §3.3) and the later-phase WebRTC contracts (§4.11), which are parsed so their answers
 * already name bad fields, and are then refused until the later phase.
 */

/** What a handler returns: the ack without `action` / `correlation_id` (the wrapper sets those). */
export const AckBody = z.record(z.string(), z.unknown());
export type AckBody = z.output<typeof AckBody>;

export interface AckEnvelope {
  action: string;
  correlation_id: CorrelationId | null;
  [key: string]: unknown;
}

/** What a consumer of acks (the simulator, tests) accepts. */
export const AckEnvelopeSchema = z.looseObject({ action: z.string(), correlation_id: CorrelationId.nullable() });

/** `{"action":<topic>,"correlation_id":<echo>,...body}`; the body can never override the first two (§3.3). */
export function wrapAck(topic: string, correlationId: CorrelationId | null, body: AckBody): AckEnvelope {
  const out: AckEnvelope = { action: topic, correlation_id: correlationId };
  for (const [k, v] of Object.entries(body)) {
    if (k !== 'action' && k !== 'correlation_id') out[k] = v;
  }
  return out;
}

export const WebRtcOfferRequest = BaseMessage.extend({ session_id: str(), device_id: str(), sdp: str(), sdp_type: str() });
export const WebRtcIceRequest = BaseMessage.extend({ session_id: str(), candidate: opt(str()), sdp_mid: opt(str()), sdp_mline_index: opt(num()) });
export const WebRtcDisconnectRequest = BaseMessage.extend({ session_id: str(), reason: opt(str()) });

export const LATER_PHASE_CONTRACTS = {
  'webrtc:offer': WebRtcOfferRequest,
  'webrtc:ice': WebRtcIceRequest,
  'webrtc:disconnect': WebRtcDisconnectRequest,
} as const;
export type LaterPhaseTopic = keyof typeof LATER_PHASE_CONTRACTS;

export const WEBRTC_NOT_SUPPORTED = 'WebRTC is not supported by this agent yet';

export function isLaterPhaseTopic(topic: string): topic is LaterPhaseTopic {
  return Object.prototype.hasOwnProperty.call(LATER_PHASE_CONTRACTS, topic);
}

/** Every topic the cloud may send (§4.0). */
export const CLOUD_TOPICS: ReadonlyArray<RequestTopic | LaterPhaseTopic> = [...REQUEST_TOPICS, ...(Object.keys(LATER_PHASE_CONTRACTS) as LaterPhaseTopic[])];
