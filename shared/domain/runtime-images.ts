import { z } from 'zod';

/** A local image of the configured runtime repository and the vPLCs that run it or are set to. */
export const RuntimeImage = z.object({
  repository: z.string(),
  tag: z.string(),
  /** The image id (`sha256:…`). */
  id: z.string(),
  size: z.number().nonnegative(),
  /** ISO time the image was built. */
  created: z.string(),
  usedBy: z.array(z.string()),
});
export type RuntimeImage = z.output<typeof RuntimeImage>;

/**
 * Progress of loading a `docker save` archive: `checking` reads the archive's manifest, `loading` hands the file to
 * the engine; the bytes are those of the file read so far.
 */
export const ImageLoadProgress = z.object({
  file: z.string(),
  phase: z.enum(['checking', 'loading', 'done', 'failed']),
  bytesRead: z.number().nonnegative(),
  totalBytes: z.number().nonnegative(),
  percent: z.number().min(0).max(100),
  message: z.string().optional(),
});
export type ImageLoadProgress = z.output<typeof ImageLoadProgress>;

/** What a load did: the `repository:tag` references the engine reports as loaded. */
export const ImageLoadResult = z.object({ file: z.string(), loaded: z.array(z.string()) });
export type ImageLoadResult = z.output<typeof ImageLoadResult>;
