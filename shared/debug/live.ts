import { z } from 'zod';

/** The local live variables of docs/debug.md "Live variables": what the UI reads, forces and releases. */

export const LiveValue = z.union([z.boolean(), z.number(), z.string()]);

/** One variable of the map with its value now. */
export const LiveVariable = z.object({
  path: z.string(),
  type: z.string(),
  /** null when the value could not be shown (`error` says why). */
  value: LiveValue.nullable(),
  /** Forced through this agent and not released since (the runtime does not report forcing). */
  forced: z.boolean(),
  error: z.string().optional(),
});
export type LiveVariable = z.output<typeof LiveVariable>;

/**
 * - `ok`: values read;
 * - `no_map`: no variable map for this vPLC (load one, or upload a program bundle that has one);
 * - `no_credentials`: the runtime credentials are not stored;
 * - `md5_mismatch`: the map belongs to another program than the one loaded: no values are shown against its names.
 */
export const LiveReadStatus = z.enum(['ok', 'no_map', 'no_credentials', 'md5_mismatch']);
export type LiveReadStatus = z.output<typeof LiveReadStatus>;

export const LiveRead = z.object({
  status: LiveReadStatus,
  /** What to do about a status other than `ok`, in words. */
  message: z.string().nullable(),
  /** The runtime's scan counter at the read. */
  tick: z.number().int().nonnegative().nullable(),
  md5_ok: z.boolean().nullable(),
  variables: z.array(LiveVariable),
});
export type LiveRead = z.output<typeof LiveRead>;

export const LiveSetResult = z.object({
  path: z.string(),
  forced: z.boolean(),
  /** The forced value as it reads back from its bytes; null on release. */
  value: LiveValue.nullable(),
  message: z.string(),
});
export type LiveSetResult = z.output<typeof LiveSetResult>;

export const DebugMapSummary = z.object({
  source: z.enum(['upload', 'file']),
  source_name: z.string(),
  saved_at: z.string(),
  md5: z.string(),
  leaves: z.array(z.object({ path: z.string(), type: z.string(), size: z.number().int().positive() })),
});
export type DebugMapSummary = z.output<typeof DebugMapSummary>;

export const DebugMapView = z.object({
  name: z.string(),
  map: DebugMapSummary.nullable(),
  /** The loaded program's md5 from the runtime; null when it could not be asked (`check_error`). */
  runtime_md5: z.string().nullable(),
  /** Whether the map belongs to the loaded program; null when either is unknown. */
  md5_ok: z.boolean().nullable(),
  check_error: z.string().nullable(),
});
export type DebugMapView = z.output<typeof DebugMapView>;

/** Live reads are for the rows on screen: at most this many paths per read. */
export const MAX_LIVE_PATHS = 4_096;
