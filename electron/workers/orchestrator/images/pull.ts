import type { ImagePullProgress, ImagePullResult } from '../../../../shared/domain/image-pull.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { WorkerError } from '../../../lib/worker/handlers.js';
import type { OrchestratorContext } from '../context.js';
import { isMissingInRegistry, registryOf, runtimeImageRef } from '../create/image.js';
import { dockerMessage } from '../docker/errors.js';

type PullContext = Pick<OrchestratorContext, 'engine' | 'settings' | 'log'>;
export type PullSink = (p: ImagePullProgress) => void;

/**
 * Pulls `<runtime repository>:<version>` from its registry with progress (docs/runtime-images.md "Pulling"). A failure
 * is refused with the engine's words and the offline fix (a version the registry lacks is a `VALIDATION` error on
 * `version`); nothing running is touched.
 */
export async function pullRuntimeImage(ctx: PullContext, version: string, by: Requester, sink: PullSink): Promise<ImagePullResult> {
  const ref = runtimeImageRef(ctx.settings.runtimeRepo, version);
  let last = { layers_done: 0, layers_total: 0, bytes_done: 0, bytes_total: 0 };
  sink({ ref, phase: 'pulling', ...last });
  try {
    await ctx.engine.pull(ref, ctx.settings.pullStallMs, (p) => {
      last = p;
      sink({ ref, phase: 'pulling', ...p });
    });
    const id = (await ctx.engine.docker.getImage(ref).inspect()).Id;
    sink({ ref, phase: 'done', ...last, message: `pulled ${ref}` });
    ctx.log.info('runtime image pulled', { ref, id, by });
    return { ref, id };
  } catch (err) {
    const reason = dockerMessage(err);
    const message = `could not pull ${ref} (${reason}). Connect this PC to ${registryOf(ctx.settings.runtimeRepo)}, or load the image from a file with \`vplc-orchestrator image load FILE\`.`;
    sink({ ref, phase: 'failed', ...last, message });
    ctx.log.warn('runtime image pull failed', { ref, by, err: reason });
    throw isMissingInRegistry(reason) ? new WorkerError('VALIDATION', message, 'version') : new WorkerError('UNAVAILABLE', message);
  }
}
