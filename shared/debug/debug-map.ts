import { z } from 'zod';

/**
 * `debug-map.json` of a program bundle (docs/debug.md "Variable map"): the compiler's map of every debuggable leaf to
 * its v4 address, IEC type and size in bytes. `md5` equals the runtime's GET_MD5 answer for the same program.
 */
export const DebugMapLeaf = z.object({
  arrayIdx: z.number().int().min(0).max(255),
  elemIdx: z.number().int().min(0).max(65_535),
  path: z.string().min(1),
  type: z.string().min(1),
  size: z.number().int().positive().max(1_024),
});
export type DebugMapLeaf = z.output<typeof DebugMapLeaf>;

export const DebugMap = z.object({
  version: z.number().int(),
  md5: z.string().regex(/^[0-9a-f]{32}$/i, 'expected 32 hex characters'),
  typeTags: z.record(z.string(), z.number().int()).optional(),
  arrays: z.array(z.object({ index: z.number().int().min(0).max(255), count: z.number().int().nonnegative() })),
  leaves: z.array(DebugMapLeaf).max(100_000),
});
export type DebugMap = z.output<typeof DebugMap>;
