import { z } from 'zod';
import { AckBody } from '../../../shared/cloud/acks.js';
import { HeartbeatMetrics } from '../../../shared/cloud/heartbeat.js';
import { NetmonEvent } from '../../../shared/netmon/events.js';
import { LinkStateReport } from '../../../shared/domain/link.js';
import { HttpsUrl, SpkiPin } from '../../../shared/domain/settings.js';

/** Config and messages of the netmon and cloudlink workers, and what the core forwards between the workers. */

export const NetmonWorkerConfig = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('builtin') }),
  z.object({ mode: z.literal('external'), socketPath: z.string() }),
]);
export const NetmonEventMessage = NetmonEvent;

export const CloudlinkWorkerConfig = z.object({
  cloudUrl: HttpsUrl,
  mtlsDir: z.string(),
  caFile: z.string().optional(),
  serverPins: z.array(SpkiPin).default([]),
  runCommandTimeoutMs: z.number().int().positive(),
});

/** cloudlink → core: a validated command for the orchestrator, answered by the `cloud.ack` op with the same key. */
/** Keys carry the worker instance, so a late ack for a command of a previous cloudlink instance can never answer another. */
export const CloudCommandEvent = z.object({ key: z.string().min(1), topic: z.string(), request: z.record(z.string(), z.unknown()) });
export const CloudAckInput = z.object({ key: z.string().min(1), ack: AckBody });
export const MetricsSampleInput = HeartbeatMetrics;
export const LinkStateEvent = LinkStateReport;
