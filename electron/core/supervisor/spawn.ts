import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Spawn, WorkerHandle } from './types.js';

/**
 * worker_threads spawner. A `.ts` entry (a source checkout) runs through tsx (see ts-bootstrap.mjs); built code runs as `.js`.
 * `maxOldGenerationSizeMb` makes a heap OOM end only that thread.
 *
 * Why threads, measured (P3, idle agent with 3 vPLCs, built code, 2026-11-24): netmon + orchestrator as threads with
 * V8's default young generation 139 MB RSS; with the young generation capped at 4 MB 114 MB (2 MB: 111 MB); both
 * workers loaded into the main thread instead 80 MB. Threads stay: an uncaught error, a heap OOM or a hang in one
 * worker must end only that worker (docs/decisions.md "Supervised workers"), which one shared isolate cannot promise. The cap
 * is the cheap part of the difference; an idle worker allocates little, so scavenges stay rare.
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
