import { z } from 'zod';
import { LinkStateReport } from '../../../shared/domain/link.js';
import { HttpsUrl, SpkiPin } from '../../../shared/domain/settings.js';
import { WebRtcSettings } from '../../../shared/webrtc/settings.js';
import { OrchestratorEvents } from './orchestrator-ops.js';

/** Config and ops of the netmon and cloudlink workers (docs/architecture.md "The worker bus"). */

export const NetmonWorkerConfig = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('builtin') }),
  z.object({ mode: z.literal('external'), socketPath: z.string() }),
]);

/** Requests the netmon worker answers: the latest discovery, replayed to an orchestrator that (re)started. */
export const NetmonOps = {
  'netmon.snapshot': z.object({}),
} as const;

export const CloudlinkWorkerConfig = z.object({
  cloudUrl: HttpsUrl,
  mtlsDir: z.string(),
  caFile: z.string().optional(),
  serverPins: z.array(SpkiPin).default([]),
  runCommandTimeoutMs: z.number().int().positive(),
  webrtc: WebRtcSettings.optional(),
});

/** Requests the cloudlink worker answers. `metrics.sample` is the orchestrator's host sample as it emitted it. */
export const CloudlinkOps = {
  'metrics.sample': OrchestratorEvents['metrics.sample'],
  /** Self-destruct: move the credentials aside and stop connecting. */
  'link.retire': z.object({}),
  'link.stats': z.object({}),
} as const;

export const LinkStateEvent = LinkStateReport;
