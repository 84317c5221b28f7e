import { z } from 'zod';
import { ImagePullResult } from '../../../../shared/domain/image-pull.js';
import { ImageLoadResult, RuntimeImage } from '../../../../shared/domain/runtime-images.js';
import { callOrchestrator, type RequestFn } from '../worker-backend.js';
import type { ApiRegistry } from '../registry.js';

/** A load reads the whole archive and the engine unpacks every layer: a runtime image of a few hundred MB takes minutes on a slow disk. */
const LOAD_TIMEOUT_MS = 30 * 60_000;
/** A pull fails by itself after its stall timeout; this only bounds a pull that keeps trickling. */
const PULL_TIMEOUT_MS = 60 * 60_000;

const call = <S extends z.ZodType>(request: RequestFn, op: 'images.list' | 'images.load' | 'images.pull', input: unknown, schema: S, timeoutMs: number): Promise<z.output<S>> =>
  callOrchestrator(request, op, input, schema, timeoutMs);

/** `images:list`, `images:load` and `images:pull`, served by the orchestrator worker; the progress events reach the API through the bus. */
export function registerImages(registry: ApiRegistry, request: RequestFn): void {
  registry.register('images:list', () => call(request, 'images.list', {}, z.array(RuntimeImage), 30_000));
  registry.register('images:load', ({ path }) => call(request, 'images.load', { path, requester: 'ui' }, ImageLoadResult, LOAD_TIMEOUT_MS));
  registry.register('images:pull', ({ version }) => call(request, 'images.pull', { version, requester: 'ui' }, ImagePullResult, PULL_TIMEOUT_MS));
}
