import type { ImageLoadProgress, ImageLoadResult, RuntimeImage } from '../../../../shared/domain/runtime-images.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import type { OrchestratorContext } from '../context.js';
import { listRuntimeImages } from './list.js';
import { loadRuntimeImages } from './load.js';

/** The runtime images on this PC: listed, and loaded from `docker save` archives with progress events. */
export class RuntimeImages {
  private readonly events = new TypedEmitter<{ progress: [ImageLoadProgress] }>();

  constructor(private readonly ctx: OrchestratorContext) {}

  list(): Promise<RuntimeImage[]> {
    return listRuntimeImages(this.ctx);
  }

  load(file: string, by: Requester): Promise<ImageLoadResult> {
    return loadRuntimeImages(this.ctx, file, by, (p) => this.events.emit('progress', p));
  }

  onProgress(cb: (p: ImageLoadProgress) => void): () => void {
    return this.events.on('progress', cb);
  }
}
