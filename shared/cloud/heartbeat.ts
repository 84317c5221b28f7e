import { z } from 'zod';

/** Naive local ISO with six fractional digits (docs/protocol.md §1.2). */
export const NAIVE_LOCAL_ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

/**
 * The `heartbeat` payload (docs/protocol.md §2.6, MATCH): exactly these keys in this order, no others.
 * `.strict()` here is deliberate: this is what *we* send, and the shape may not grow.
 */
export const HeartbeatPayload = z
  .object({
    agent_id: z.string().min(1),
    cpu_usage: z.number(),
    memory_usage: z.number(),
    memory_total: z.number(),
    disk_usage: z.number(),
    disk_total: z.number(),
    uptime: z.number().int().nonnegative(),
    status: z.literal('active'),
    timestamp: z.string().regex(NAIVE_LOCAL_ISO_RE),
  })
  .strict();
export type HeartbeatPayload = z.output<typeof HeartbeatPayload>;

export const HEARTBEAT_KEYS = ['agent_id', 'cpu_usage', 'memory_usage', 'memory_total', 'disk_usage', 'disk_total', 'uptime', 'status', 'timestamp'] as const;

/** The host metrics a heartbeat carries (docs/protocol.md §10.1): the host sample without its time. */
export { HostMetrics as HeartbeatMetrics } from '../domain/host-sample.js';
