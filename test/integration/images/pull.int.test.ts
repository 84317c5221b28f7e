// Registry pulls against a real dockerd and a tiny v2 registry on 127.0.0.1 (test/support/fake-registry.ts): progress
// per layer and byte, the failure messages of the image step when the tag is missing or the registry unreachable.
// A create from the registry shows the pull progress in its status while at `pulling_image`, and a create whose image is
// neither local nor pullable fails at that step with the fix in `get_device_status`.
// Runtime: about 20-40 s (two docker saves of the stand-in, two throttled pulls, one create).
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../shared/domain/operations.js';
import { ensureRuntimeImage } from '../../../electron/workers/orchestrator/create/image.js';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { OperationError } from '../../../electron/workers/orchestrator/docker/errors.js';
import { STANDIN_IMAGE } from '../../images/build.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { startFakeRegistry, type FakeRegistry } from '../../support/fake-registry.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const run = newRunId();
let registry: FakeRegistry;
const engine = new Engine();

/** A port on 127.0.0.1 that nothing listens on (bound, read, closed). */
const closedPort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

async function failure(p: Promise<unknown>): Promise<OperationError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(OperationError);
  return err as OperationError;
}

beforeAll(async () => {
  registry = await startFakeRegistry({ source: STANDIN_IMAGE, repository: `vt-pull-${run}/openplc-runtime`, tag: 'v1', uniqueLayerBytes: 6_000_000, throttle: { chunkBytes: 128 * 1024, delayMs: 40, uniqueOnly: true } });
}, 120_000);

afterAll(async () => {
  await registry?.removePulled();
  await registry?.stop();
});

describe('pulling a runtime image from a registry', () => {
  it('pulls with progress: several updates, bytes growing to the total, every layer done at the end', async () => {
    const seen: PullProgress[] = [];
    const outcome = await ensureRuntimeImage(engine, registry.repository, 'v1', 60_000, (p) => seen.push(p));
    expect(outcome).toEqual({ image: registry.ref });
    expect((await docker.getImage(registry.ref).inspect()).RepoDigests).toContain(`${registry.repository}@${registry.manifestDigest}`);
    const withBytes = seen.filter((p) => p.bytes_done > 0);
    expect(withBytes.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes_done).toBeGreaterThanOrEqual(seen[i - 1]!.bytes_done);
    const last = seen.at(-1)!;
    expect(last.layers_total).toBeGreaterThanOrEqual(2);
    expect(last.layers_done).toBe(last.layers_total);
    expect(last.bytes_done).toBe(last.bytes_total);
    expect(last.bytes_total).toBeGreaterThan(1_000_000);
    expect(withBytes[0]!.bytes_done).toBeLessThan(last.bytes_total);
  }, 120_000);

  it('a tag the registry does not have, with no local copy: fails at the image step saying how to load it', async () => {
    const err = await failure(ensureRuntimeImage(engine, registry.repository, 'missing', 30_000));
    expect(err.step).toBe('pulling_image');
    expect(err.message).toBe(
      `Runtime version 'missing' not found. The image ${registry.repository}:missing does not exist in the registry or locally. ` +
        `Load it with \`vplc-orchestrator image load FILE\` (or Runtime images → Load in the UI), or connect this PC to ${registry.host}.`,
    );
    expect(registry.requests).toContain(`GET /v2/${registry.repository.slice(registry.host.length + 1)}/manifests/missing`);
  }, 60_000);

  it('an unreachable registry, with no local copy: fails at the image step with the engine error and the fix', async () => {
    const host = `127.0.0.1:${await closedPort()}`;
    const err = await failure(ensureRuntimeImage(engine, `${host}/vt-pull-${run}/openplc-runtime`, 'v1', 30_000));
    expect(err.step).toBe('pulling_image');
    expect(err.message).toMatch(new RegExp(`^Runtime image ${host.replace(/\./g, '\\.')}/vt-pull-${run}/openplc-runtime:v1 is not on this PC and could not be pulled \\(.*connection refused.*\\)\\. `));
    expect(err.message.endsWith(`Load it with \`vplc-orchestrator image load FILE\` (or Runtime images → Load in the UI), or connect this PC to ${host}.`)).toBe(true);
  }, 60_000);
});

describe('a create that pulls its runtime image', () => {
  let source: FakeRegistry;
  let fx: OrchestratorFixture;

  beforeAll(async () => {
    // Its own registry: a fresh random layer, so this pull downloads bytes too.
    source = await startFakeRegistry({ source: STANDIN_IMAGE, repository: `vt-pull-${run}/create`, tag: 'v2', uniqueLayerBytes: 6_000_000, throttle: { chunkBytes: 128 * 1024, delayMs: 40, uniqueOnly: true } });
    fx = await openOrchestrator({ runtimeRepo: source.repository });
  }, 120_000);

  afterAll(async () => {
    await fx?.dispose();
    await source?.removePulled();
    await source?.stop();
  });

  it('shows layers and growing bytes in its status while pulling, then runs the pulled image', async () => {
    const name = `vt-${run}-pulled`;
    const seen: unknown[] = [];
    expect((await fx.orch.create({ name, runtimeVersion: 'v2', vnics: [] }, 'cli')).status).toBe('creating');
    const status = await waitFor(
      async () => {
        const s = await fx.orch.status(name);
        if (s.pull_progress) seen.push(s.pull_progress);
        if (s.status === 'creating' && s.pull_progress) expect(s.step).toBe('pulling_image');
        return s;
      },
      (s) => s.status !== 'creating',
      { timeoutMs: 90_000, intervalMs: 50, what: 'create to finish' },
    );
    expect(status).toMatchObject({ status: 'success', is_running: true });
    expect((await docker.getContainer(name).inspect()).Config.Image).toBe(source.ref);
    const progress = seen as PullProgress[];
    const bytes = [...new Set(progress.map((p) => p.bytes_done))];
    expect(bytes.length).toBeGreaterThanOrEqual(3);
    expect(bytes).toEqual([...bytes].sort((a, b) => a - b));
    expect(progress.at(-1)!.layers_total).toBeGreaterThanOrEqual(2);
    expect(progress.every((p) => p.bytes_done <= p.bytes_total)).toBe(true);
  }, 120_000);

  it('a version the registry lacks and this PC lacks: the create fails at pulling_image with the fix, nothing left behind', async () => {
    const name = `vt-${run}-nopull`;
    await fx.orch.create({ name, runtimeVersion: 'v404', vnics: [] }, 'cli');
    await fx.orch.settled(name);
    const s = await fx.orch.status(name);
    expect(s).toMatchObject({ status: 'error', operation: 'create' });
    expect(s.error).toBe(
      `Runtime version 'v404' not found. The image ${source.repository}:v404 does not exist in the registry or locally. ` +
        `Load it with \`vplc-orchestrator image load FILE\` (or Runtime images → Load in the UI), or connect this PC to ${source.host}.`,
    );
    expect(await docker.getContainer(name).inspect().then(() => 'exists', () => 'gone')).toBe('gone');
  }, 60_000);
});
