import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Spawn, WorkerHandle } from './types.js';

/**
 * worker_threads spawner. A `.ts` entry (a source checkout) runs through tsx (see ts-bootstrap.mjs); built code runs as `.js`.
 * `maxOldGenerationSizeMb` makes a heap OOM end only that thread.
 */
export const spawnThread: Spawn = (entry, opts) => {
  const resolved = entry.endsWith('.ts') && existsSync(entry.replace(/\.ts$/, '.js')) ? entry.replace(/\.ts$/, '.js') : entry;
  const viaTsx = resolved.endsWith('.ts');
  const bootstrap = fileURLToPath(new URL('../../lib/worker/ts-bootstrap.mjs', import.meta.url));
  const worker = new Worker(viaTsx ? bootstrap : resolved, {
    ...(viaTsx ? { workerData: { entry: resolved } } : {}),
    ...(opts.maxOldGenerationSizeMb ? { resourceLimits: { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb } } : {}),
  });
  const handle: WorkerHandle = {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (cb) => void worker.on('message', cb),
    onExit: (cb) => void worker.on('exit', cb),
    terminate: async () => {
      await worker.terminate();
    },
  };
  // An uncaught error in the thread ends it; 'exit' follows and the slot treats it as a crash.
  worker.on('error', () => undefined);
  return handle;
};
