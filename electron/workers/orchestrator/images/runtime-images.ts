import type { ImagePullProgress, ImagePullResult } from '../../../../shared/domain/image-pull.js';
import type { ImageLoadProgress, ImageLoadResult, RuntimeImage } from '../../../../shared/domain/runtime-images.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type { OrchestratorContext } from '../context.js';
import { listRuntimeImages } from './list.js';
import { loadRuntimeImages } from './load.js';
import { pullRuntimeImage } from './pull.js';

/** The runtime images on this PC: listed, loaded from `docker save` archives and pulled, with progress events. */
export class RuntimeImages {
  private readonly events = new TypedEmitter<{ progress: [ImageLoadProgress]; pull: [ImagePullProgress] }>();

  constructor(private readonly ctx: OrchestratorContext) {}

  list(): Promise<RuntimeImage[]> {
    return listRuntimeImages(this.ctx);
  }

  load(file: string, by: Requester): Promise<ImageLoadResult> {
    return loadRuntimeImages(this.ctx, file, by, (p) => this.events.emit('progress', p));
  }

  /** Pulls one runtime version from the runtime repository's registry. */
  pull(version: string, by: Requester): Promise<ImagePullResult> {
    return pullRuntimeImage(this.ctx, version, by, (p) => this.events.emit('pull', p));
  }

  onPullProgress(cb: (p: ImagePullProgress) => void): () => void {
    return this.events.on('pull', cb);
  }

  onProgress(cb: (p: ImageLoadProgress) => void): () => void {
    return this.events.on('progress', cb);
  }
}
