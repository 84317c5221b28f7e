import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Spawn, WorkerHandle } from './types.js';

/**
 * worker_threads spawner. A `.ts` entry (a source checkout) runs through tsx (see ts-bootstrap.mjs); built code runs as `.js`.
 * `maxOldGenerationSizeMb` makes a heap OOM end only that thread.
 *
 * Used with `agent.workers: threads`; the default runs the workers in-process (./in-process.ts). Threads also end a
 * single worker on a heap OOM or a hang, at about 30 MB more (docs/decisions.md "Supervised workers"). Measured (P3,
 * 3 vPLCs, built code): threads with V8's default young generation 139 MB RSS, with it capped at 4 MB 114 MB (2 MB:
 * 111 MB); an idle worker allocates little, so scavenges stay rare under the cap.
 */
export const spawnThread: Spawn = (entry, opts) => {
  const resolved = entry.endsWith('.ts') && existsSync(entry.replace(/\.ts$/, '.js')) ? entry.replace(/\.ts$/, '.js') : entry;
  const viaTsx = resolved.endsWith('.ts');
  const bootstrap = fileURLToPath(new URL('../../lib/worker/ts-bootstrap.mjs', import.meta.url));
  const worker = new Worker(viaTsx ? bootstrap : resolved, {
    ...(viaTsx ? { workerData: { entry: resolved } } : {}),
    resourceLimits: {
      ...(opts.maxOldGenerationSizeMb ? { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb } : {}),
      ...(opts.maxYoungGenerationSizeMb ? { maxYoungGenerationSizeMb: opts.maxYoungGenerationSizeMb } : {}),
    },
  });
  const handle: WorkerHandle = {
    postMessage: (m) => worker.postMessage(m),
    onMessage: (cb) => void worker.on('message', cb),
    onExit: (cb) => void worker.on('exit', cb),
    terminate: async () => {
      await worker.terminate();
    },
    // Read from the thread's libuv loop metrics by this thread: the worker is not woken for it.
    loopIdleMs: () => worker.performance.eventLoopUtilization().idle,
    abandon: () => {
      worker.removeAllListeners('message');
      worker.unref();
    },
  };
  // An uncaught error in the thread ends it; 'exit' follows and the slot treats it as a crash.
  worker.on('error', () => undefined);
  return handle;
};
