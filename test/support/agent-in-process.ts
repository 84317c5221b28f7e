import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createAgent, type Agent } from '../../electron/core/agent.js';
import { ApiClient } from '../../electron/core/api/ws-client.js';
import { loadConfig } from '../../electron/core/headless.js';
import { LogHub } from '../../electron/core/logging/log-hub.js';
import { createLogger } from '../../electron/core/logging/logger.js';
import { spawnThread } from '../../electron/core/supervisor/spawn.js';
import type { Spawn, WorkerHandle } from '../../electron/core/supervisor/types.js';

const STUCK_ENTRY = fileURLToPath(new URL('./workers/stuck-worker.ts', import.meta.url));

export type InProcessAgent = {
  agent: Agent;
  /** A client of the agent's loopback bridge: the same API the desktop app and a local browser use. */
  client: ApiClient;
  /** Ends the thread behind a worker at once, as a crash would; the supervisor restarts it. */
  kill(worker: string): Promise<void>;
  /**
   * While held, every (re)start of the worker runs a thread that never becomes ready, until the supervisor's liveness
   * deadline ends it. Returns the release: the next restart is the real worker again.
   */
  hold(worker: string): () => void;
  stop(): Promise<void>;
};

const workerOf = (entry: string): string => /workers[\\/]([^\\/]+)[\\/]entry\.[jt]s$/.exec(entry)?.[1] ?? entry;

/**
 * The whole agent (`createAgent`, as `vplc-orchestrator agent` builds it) in this process, its workers in real
 * threads, configured from the same command line. Unlike a spawned agent process, a test can end one worker thread
 * and hold its restart, to see what the agent does around a worker restart.
 */
export async function startAgentInProcess(args: string[], dataDir: string): Promise<InProcessAgent> {
  const { config, store } = await loadConfig(['--data-dir', dataDir, ...args]);
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(dataDir, 'logs', 'agent.log'), level: 'debug', hub: logHub, console: process.env.VPLC_TEST_LOG === '1' });
  const current = new Map<string, WorkerHandle>();
  const held = new Set<string>();
  const spawn: Spawn = (entry, opts) => {
    const name = workerOf(entry);
    const handle = spawnThread(held.has(name) ? STUCK_ENTRY : entry, opts);
    current.set(name, handle);
    return handle;
  };
  const agent = createAgent({ config, log, logHub, settings: store, spawn });
  const url = await agent.start();
  const client = await ApiClient.connect(Number(new URL(url).port), agent.token);
  return {
    agent,
    client,
    kill: async (worker) => {
      const handle = current.get(worker);
      if (!handle) throw new Error(`no ${worker} thread to end`);
      await handle.terminate();
    },
    hold: (worker) => {
      held.add(worker);
      return () => held.delete(worker);
    },
    stop: async () => {
      client.close();
      await agent.stop(10_000);
    },
  };
}
