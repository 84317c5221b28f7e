// The core tells the orchestrator worker where Electron's resources folder is (a worker thread may not see
// process.resourcesPath), so a packaged agent finds the busybox it ships (docs/runtime-images.md "The helper's busybox").
// The workers here are stand-ins that only record their start configuration.
// needs: nothing outside this process (stand-in workers, a temporary state directory).
import { afterEach, describe, expect, it } from 'vitest';
import { createAgent, type Agent } from '../../../electron/core/agent.js';
import { loadConfig } from '../../../electron/core/headless.js';
import { LogHub } from '../../../electron/core/logging/log-hub.js';
import { createLogger } from '../../../electron/core/logging/logger.js';
import type { Spawn } from '../../../electron/core/supervisor/types.js';
import { tempDir } from '../../support/pki.js';
import { FakeWorker } from '../../support/fake-workers.js';

const proc = process as { resourcesPath?: unknown };
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  delete proc.resourcesPath;
  for (const c of cleanups.splice(0)) await c();
});

/** Starts the agent with workers that answer ready at once; returns the orchestrator's start configuration. */
async function orchestratorStartConfig(): Promise<Record<string, unknown>> {
  const tmp = tempDir('vplc-rp-');
  cleanups.push(() => tmp.dispose());
  const { config, store } = await loadConfig(['--data-dir', tmp.dir, '--no-cloud', '--no-metrics', '--ui-port', '0']);
  const logHub = new LogHub();
  const log = createLogger({ file: `${tmp.dir}/agent.log`, level: 'warn', hub: logHub, console: false });
  const started = new Map<string, unknown>();
  const spawn: Spawn = (entry) => {
    const w = new FakeWorker();
    const post = w.postMessage.bind(w);
    w.postMessage = (m: unknown): void => {
      post(m);
      const msg = m as { t?: string; config?: unknown };
      if (msg.t === 'start') {
        started.set(/workers[\\/]([^\\/]+)[\\/]entry/.exec(entry)?.[1] ?? entry, msg.config);
        queueMicrotask(() => w.say({ t: 'ready' }));
      }
    };
    return w;
  };
  const agent: Agent = createAgent({ config, log, logHub, settings: store, spawn, sampleUsage: false });
  cleanups.push(() => agent.stop(1_000));
  await agent.start();
  const orch = started.get('orchestrator') as { settings?: Record<string, unknown> } | undefined;
  if (!orch?.settings) throw new Error(`the orchestrator got no settings (${JSON.stringify([...started.keys()])})`);
  return orch.settings;
}

describe("the orchestrator worker's resources folder", () => {
  it("is Electron's process.resourcesPath when the agent runs in a package", async () => {
    proc.resourcesPath = '/tmp/.mount_vPLC-xyz/resources';
    expect((await orchestratorStartConfig()).resourcesPath).toBe('/tmp/.mount_vPLC-xyz/resources');
  });

  it('is absent on plain Node', async () => {
    expect(await orchestratorStartConfig()).not.toHaveProperty('resourcesPath');
  });
});
