import { execFileSync } from 'node:child_process';
import { expect } from 'vitest';
import { STANDIN_REPO } from './docker.js';
import { openOrchestrator, type OrchestratorFixture } from './orchestrator.js';
import { startRegistry, type LocalRegistry } from './registry.js';

export const sh = (...args: string[]): string => execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * Publishes the stand-in `variant` as `<repo>:stable` and returns its image ID. A label of this run makes the ID unique,
 * so containers of other test files on the same engine never hold the same image ID.
 */
export function publishVariant(run: string, repo: string, variant: string): string {
  const tmp = sh('create', `${STANDIN_REPO}:${variant}`);
  try {
    sh('commit', '--change', `LABEL io.vplc-orchestrator.test-run=${run}-${variant}`, tmp, `${repo}:stable`);
  } finally {
    sh('rm', tmp);
  }
  sh('push', `${repo}:stable`);
  return sh('image', 'inspect', '--format', '{{.Id}}', `${repo}:stable`);
}

/** Removes every local image of `repo` (what `publishVariant` made and what the engine pulled). */
export function removeRepoImages(repo: string): void {
  const ids = sh('image', 'ls', '-q', '--no-trunc', repo).split('\n').filter(Boolean);
  if (ids.length) execFileSync('docker', ['rmi', '-f', ...new Set(ids)], { stdio: 'ignore' });
}

export type UpdateFixture = {
  registry: LocalRegistry;
  /** `<registry>/vplc-<run>/runtime`, the vPLC's runtime repository. */
  repo: string;
  fx: OrchestratorFixture;
  /** Publishes a stand-in variant as `<repo>:stable` and returns its image ID. */
  publish(variant: string): string;
  dispose(): Promise<void>;
};

/**
 * A local registry (Debian's docker-registry on loopback) and one running vPLC with `auto_update` on `<repo>:stable`.
 * Each published variant is an image of this run only (a label makes its ID unique), so containers of other test
 * files on the same engine never hold the same image ID.
 */
export async function openUpdatingVplc(run: string, name: string): Promise<UpdateFixture> {
  const registry = await startRegistry();
  const repo = `${registry.host}/vplc-${run}/runtime`;
  const publish = (variant: string): string => publishVariant(run, repo, variant);
  publish('latest');
  const fx = await openOrchestrator({ runtimeRepo: repo, runtimeWaitMs: 8_000, updates: { minFreeDiskMb: 0 } });
  expect((await fx.orch.create({ name, runtimeVersion: 'stable', vnics: [], autoUpdate: true }, 'cli')).status).toBe('creating');
  await fx.orch.settled();
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
  return {
    registry,
    repo,
    fx,
    publish,
    dispose: async () => {
      await fx.dispose();
      removeRepoImages(repo);
      await registry.stop();
    },
  };
}
