import { z } from 'zod';
import { PullProgress } from './operations.js';
import { IMAGE_TAG_RE } from './vplc.js';

/** A runtime version to pull: the tag of the runtime repository (the repository is the agent's setting). */
export const PullVersion = z.string().regex(IMAGE_TAG_RE, 'a runtime version is an image tag: letters, digits, `_`, `.`, `-`, at most 128');

/**
 * Progress of an explicit pull (`images:pull`): `pulling` while the engine reports layers and bytes, then `done` or
 * `failed` with the reason.
 */
export const ImagePullProgress = PullProgress.extend({
  ref: z.string(),
  phase: z.enum(['pulling', 'done', 'failed']),
  message: z.string().optional(),
});
export type ImagePullProgress = z.output<typeof ImagePullProgress>;

/** What a pull did: the `repository:tag` pulled and the image id it now names. */
export const ImagePullResult = z.object({ ref: z.string(), id: z.string() });
export type ImagePullResult = z.output<typeof ImagePullResult>;
