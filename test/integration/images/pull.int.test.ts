// Registry pulls against a real dockerd and a tiny v2 registry on 127.0.0.1 (test/support/fake-registry.ts): progress
// per layer and byte, the failure messages of the image step when the tag is missing or the registry unreachable.
// Runtime: about 10-20 s (one docker save of the stand-in, one throttled pull).
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../shared/domain/operations.js';
import { ensureRuntimeImage } from '../../../electron/workers/orchestrator/create/image.js';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { OperationError } from '../../../electron/workers/orchestrator/docker/errors.js';
import { STANDIN_IMAGE } from '../../images/build.js';
import { docker } from '../../support/docker.js';
import { startFakeRegistry, type FakeRegistry } from '../../support/fake-registry.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

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
