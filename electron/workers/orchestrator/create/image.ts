import type { Engine } from '../docker/engine.js';
import { dockerMessage, OperationError } from '../docker/errors.js';

export type ImageOutcome = { image: string; warning?: string };

const NOT_FOUND_RE = /not found|manifest unknown|does not exist|pull access denied|repository .* not found/i;

export const runtimeImageRef = (repo: string, tag: string): string => `${repo}:${tag}`;

/**
 * `pulling_image` (PROTOCOL §5.2): always try to pull, fall back to a local copy, and say which happened.
 */
export async function ensureRuntimeImage(engine: Engine, repo: string, tag: string, stallMs: number): Promise<ImageOutcome> {
  const image = runtimeImageRef(repo, tag);
  let pullError: unknown;
  try {
    await engine.pull(image, stallMs);
    return { image };
  } catch (err) {
    pullError = err;
  }
  const reason = dockerMessage(pullError);
  if (await engine.imageExists(image)) {
    return { image, warning: `Could not pull ${image} (${reason}); using the local copy` };
  }
  if (NOT_FOUND_RE.test(reason)) {
    throw new OperationError(`Runtime version '${tag}' not found. The image ${image} does not exist in the registry or locally.`, 'pulling_image');
  }
  throw new OperationError(`Runtime image ${image} is not available: ${reason}`, 'pulling_image');
}
