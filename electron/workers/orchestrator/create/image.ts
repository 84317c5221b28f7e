import type { PullProgress } from '../../../../shared/domain/operations.js';
import type { Engine } from '../docker/engine.js';
import { dockerMessage, OperationError } from '../docker/errors.js';

export type ImageOutcome = { image: string; warning?: string };

const NOT_FOUND_RE = /not found|manifest unknown|does not exist|pull access denied|repository .* not found/i;

/** The engine's pull error says the registry does not have that image (rather than that it could not be reached). */
export const isMissingInRegistry = (reason: string): boolean => NOT_FOUND_RE.test(reason);

export const runtimeImageRef = (repo: string, tag: string): string => `${repo}:${tag}`;

/** The registry a repository is pulled from: its first part when that names a host, else Docker Hub. */
export function registryOf(repo: string): string {
  const first = repo.split('/')[0] ?? '';
  return repo.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/**
 * `pulling_image` (docs/protocol.md §5.2): always try to pull, fall back to a local copy, and say which happened.
 */
export async function ensureRuntimeImage(engine: Engine, repo: string, tag: string, stallMs: number, onProgress?: (p: PullProgress) => void): Promise<ImageOutcome> {
  const image = runtimeImageRef(repo, tag);
  let pullError: unknown;
  try {
    await engine.pull(image, stallMs, onProgress);
    return { image };
  } catch (err) {
    pullError = err;
  }
  const reason = dockerMessage(pullError);
  if (await engine.imageExists(image)) {
    return { image, warning: `Could not pull ${image} (${reason}); using the local copy` };
  }
  const fix = `Load it with \`vplc-orchestrator image load FILE\` (or Runtime images → Load in the UI), or connect this PC to ${registryOf(repo)}.`;
  if (isMissingInRegistry(reason)) {
    throw new OperationError(`Runtime version '${tag}' not found. The image ${image} does not exist in the registry or locally. ${fix}`, 'pulling_image');
  }
  throw new OperationError(`Runtime image ${image} is not on this PC and could not be pulled (${reason}). ${fix}`, 'pulling_image');
}

/** A recreate that must run one exact image (an update or its rollback): no pull, the image must be here. */
export async function pinnedRuntimeImage(engine: Engine, imageId: string): Promise<ImageOutcome> {
  if (await engine.imageExists(imageId)) return { image: imageId };
  throw new OperationError(`The runtime image ${imageId.slice(0, 19)} needed for this update or rollback is no longer on this PC`, 'pulling_image');
}
