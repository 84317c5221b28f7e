import { z } from 'zod';

/**
 * The host figures of one sample (docs/protocol.md §10.1): CPU and memory use in percent, memory and the root file
 * system in GiB rounded to one decimal. The heartbeat carries exactly these.
 */
export const HostMetrics = z.object({
  cpu_usage: z.number(),
  memory_usage: z.number(),
  memory_total: z.number(),
  disk_usage: z.number(),
  disk_total: z.number(),
});
export type HostMetrics = z.infer<typeof HostMetrics>;

/**
 * One host sample with its time (whole Unix seconds): what the orchestrator's sampler posts every 5 s, the cloud link
 * keeps for its heartbeat and the UI draws (`metrics:sample`).
 */
export const HostSample = HostMetrics.extend({ ts: z.number().int() });
export type HostSample = z.infer<typeof HostSample>;

