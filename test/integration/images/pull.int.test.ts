// Registry pulls against a real dockerd and a tiny v2 registry on 127.0.0.1 (test/support/fake-registry.ts): progress
// per layer and byte, the failure messages of the image step when the tag is missing or the registry unreachable.
// A create from the registry shows the pull progress in its status while at `pulling_image`, and a create whose image is
// neither local nor pullable fails at that step with the fix in `get_device_status`.
// Runtime: about 20-40 s (two docker saves of the stand-in, two throttled pulls, one create).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { WorkerError } from '../../../electron/lib/worker/handlers.js';
import type { ImagePullProgress } from '../../../shared/domain/image-pull.js';
import type { PullProgress } from '../../../shared/domain/operations.js';
import { ensureRuntimeImage } from '../../../electron/workers/orchestrator/create/image.js';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { OperationError } from '../../../electron/workers/orchestrator/docker/errors.js';
import { PullFailed } from '../../../electron/workers/orchestrator/images/pull-progress.js';
import { STANDIN_IMAGE } from '../../images/build.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { startFakeRegistry, type FakeRegistry } from '../../support/fake-registry.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { unusedLoopbackPort } from '../../support/ports.js';

requireDocker();

const run = newRunId();
let registry: FakeRegistry;
const engine = new Engine();


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
    const host = `127.0.0.1:${await unusedLoopbackPort()}`;
    const err = await failure(ensureRuntimeImage(engine, `${host}/vt-pull-${run}/openplc-runtime`, 'v1', 30_000));
    expect(err.step).toBe('pulling_image');
    expect(err.message).toMatch(new RegExp(`^Runtime image ${host.replace(/\./g, '\\.')}/vt-pull-${run}/openplc-runtime:v1 is not on this PC and could not be pulled \\(.*connection refused.*\\)\\. `));
    expect(err.message.endsWith(`Load it with \`vplc-orchestrator image load FILE\` (or Runtime images → Load in the UI), or connect this PC to ${host}.`)).toBe(true);
  }, 60_000);
});

describe('a pull that fails inside the engine\'s stream', () => {
  let broken: FakeRegistry;

  beforeAll(async () => {
    broken = await startFakeRegistry({ source: STANDIN_IMAGE, repository: `vt-pull-${run}/broken`, tag: 'v1', missingUniqueBlob: true });
  }, 120_000);

  afterAll(async () => {
    await broken?.removePulled();
    await broken?.stop();
  });

  it('rejects with the engine error carried in the stream (HTTP 200), not as a finished pull', async () => {
    const err = await engine.pull(broken.ref, 30_000).then(() => null, (e: unknown) => e);
    expect(err).toBeInstanceOf(PullFailed);
    expect((err as Error).message).toBe('unknown blob');
    expect(await docker.getImage(broken.ref).inspect().then(() => 'pulled', () => 'absent')).toBe('absent');
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

  it('an explicit pull of a version it has answers with the id and ends its progress with done; one it lacks is refused on version with the fix', async () => {
    const seen: ImagePullProgress[] = [];
    const off = fx.orch.images.onPullProgress((p) => seen.push(p));
    const result = await fx.orch.images.pull('v2', 'cli');
    expect(result).toEqual({ ref: source.ref, id: (await docker.getImage(source.ref).inspect()).Id });
    expect(seen[0]).toMatchObject({ ref: source.ref, phase: 'pulling' });
    expect(seen.at(-1)).toMatchObject({ ref: source.ref, phase: 'done', message: `pulled ${source.ref}` });

    const err = await fx.orch.images.pull('v404', 'cli').then(() => null, (e: unknown) => e);
    off();
    expect(err).toBeInstanceOf(WorkerError);
    expect(err).toMatchObject({ code: 'VALIDATION', field: 'version' });
    expect((err as Error).message).toMatch(new RegExp(`^could not pull ${source.repository.replace(/\./g, '\\.')}:v404 \\(.*manifest unknown.*\\)\\. Connect this PC to ${source.host.replace(/\./g, '\\.')}, or load`));
    expect(seen.at(-1)).toMatchObject({ ref: `${source.repository}:v404`, phase: 'failed' });
  }, 60_000);

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

describe('vplc-orchestrator image pull (CLI against a real agent)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-pull-'));
  let source: FakeRegistry;
  let agent: AgentProcess | undefined;
  let installation = '';

  beforeAll(async () => {
    source = await startFakeRegistry({ source: STANDIN_IMAGE, repository: `vt-pull-${run}/cli`, tag: 'v3', uniqueLayerBytes: 6_000_000, throttle: { chunkBytes: 128 * 1024, delayMs: 40, uniqueOnly: true } });
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    if (installation) await removeByLabels({ instance: installation });
    await source?.removePulled();
    await source?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a line per layer finished and the id, exit 0; a missing version exits 1 with the reason and the fix', async () => {
    const dataDir = path.join(dir, 'agent-data');
    const env = { VPLC_TOKEN_FILE: path.join(dir, 'token'), XDG_CONFIG_HOME: path.join(dir, 'config') };
    agent = spawnAgent(['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--lock-name', `vt-${run}-pull`, '--internal-pool', '198.19.97.0/24', '--runtime-image', source.repository, '--mtls-dir', path.join(dir, 'mtls')], env);
    const ready = await agent.ready;
    const client = await ApiClient.connect(ready.port, ready.token);
    try {
      installation = ((await client.call('agent:status', {})) as { value: { installationId: string } }).value.installationId;
      const cli = (args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
        new Promise((resolve) => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'image', ...args, '--data-dir', dataDir, '--ui-port', String(ready.port)], { env: { ...process.env, ...env } });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('exit', (code) => resolve({ code, stdout, stderr }));
        });
      const events: ImagePullProgress[] = [];
      client.onEvent((name, payload) => name === 'images:pull-progress' && events.push(payload as ImagePullProgress));

      const pulled = await cli(['pull', 'v3']);
      expect(pulled.stderr).toBe('');
      expect(pulled.code).toBe(0);
      const lines = pulled.stdout.trimEnd().split('\n');
      const id = (await docker.getImage(source.ref).inspect()).Id.replace(/^sha256:/, '').slice(0, 12);
      expect(lines.at(-1)).toBe(`pulled ${source.ref} (${id})`);
      const progress = lines.slice(0, -1);
      expect(progress.length).toBeGreaterThanOrEqual(2);
      for (const l of progress) expect(l).toMatch(new RegExp(`^pulling ${source.ref.replace(/\./g, '\\.')}(: \\d+/\\d+ layers(, \\d+\\.\\d of \\d+\\.\\d MB)?)?$`));
      expect(progress.at(-1)).toMatch(/: (\d+)\/\1 layers, ([\d.]+) of \2 MB$/);
      await waitFor(() => events, (e) => e.some((p) => p.phase === 'done'), { timeoutMs: 5_000, what: 'the done event on the API' });
      expect(events.filter((p) => p.bytes_done > 0).length).toBeGreaterThanOrEqual(2);

      const missing = await cli(['pull', 'v404']);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toContain(`vplc-orchestrator image pull: could not pull ${source.repository}:v404 (`);
      expect(missing.stderr).toContain(`Connect this PC to ${source.host}, or load the image from a file with \`vplc-orchestrator image load FILE\`.`);

      expect(await client.call('images:pull', { version: 'bad/tag' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'version' } });
      const usage = await cli(['pull']);
      expect(usage.code).toBe(2);
    } finally {
      client.close();
    }
  }, 120_000);
});
