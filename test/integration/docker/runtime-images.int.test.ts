// Runtime images offline: `docker save` archives of a stand-in tag retagged into a fresh test repository are loaded
// through the orchestrator (plain and gzip), listed, and run by a create; files that are not archives, or archives of
// another repository, are refused before the engine sees them. The CLI loads one end to end against a real agent.
// Runtime: about 30-45 s (four docker saves of the stand-in, one create, one agent process).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { WorkerError } from '../../../electron/lib/worker/handlers.js';
import type { ImageLoadProgress } from '../../../shared/domain/runtime-images.js';
import { STANDIN_IMAGE } from '../../images/build.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const sh = promisify(execFile);
const run = newRunId();
const repo = `vt-img-${run}/openplc-runtime`;
const otherRepo = `vt-img-${run}/other`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-images-'));
const created: string[] = [];
let fx: OrchestratorFixture;

/** Saves the stand-in as `ref` into `file` and removes the tag again, so only the archive holds it. */
async function saveAs(ref: string, file: string, gzip = false): Promise<string> {
  await sh('docker', ['tag', STANDIN_IMAGE, ref]);
  try {
    await sh('docker', ['save', '-o', file, ref], { timeout: 120_000 });
  } finally {
    await sh('docker', ['rmi', ref]);
  }
  if (!gzip) return file;
  await sh('gzip', ['-1', file]);
  return `${file}.gz`;
}

const tagExists = (ref: string): Promise<boolean> =>
  docker
    .getImage(ref)
    .inspect()
    .then(() => true, () => false);

async function refusal(p: Promise<unknown>): Promise<WorkerError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(WorkerError);
  return err as WorkerError;
}

let plain = '';
let gz = '';
let foreign = '';
let cliArchive = '';

beforeAll(async () => {
  [plain, gz, foreign, cliArchive] = await Promise.all([
    saveAs(`${repo}:v9`, path.join(dir, 'v9.tar')),
    saveAs(`${repo}:v9gz`, path.join(dir, 'v9gz.tar'), true),
    saveAs(`${otherRepo}:v1`, path.join(dir, 'other.tar')),
    saveAs(`${repo}:v9cli`, path.join(dir, 'v9cli.tar')),
  ]);
  created.push(`${repo}:v9`, `${repo}:v9gz`, `${repo}:v9cli`, `${otherRepo}:v1`);
  fx = await openOrchestrator({ runtimeRepo: repo });
}, 240_000);

afterAll(async () => {
  await fx?.dispose();
  for (const ref of created) await sh('docker', ['rmi', ref]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

describe('loading runtime images through the orchestrator', () => {
  it('loads a docker save tar with progress to 100 %, lists it, and a create runs it', async () => {
    const seen: ImageLoadProgress[] = [];
    const off = fx.orch.images.onProgress((p) => seen.push(p));
    const result = await fx.orch.images.load(plain, 'cli');
    off();
    expect(result).toEqual({ file: plain, loaded: [`${repo}:v9`] });
    const loading = seen.filter((p) => p.phase === 'loading');
    expect(loading.length).toBeGreaterThan(1);
    expect(loading.at(-1)).toMatchObject({ percent: 100, bytesRead: loading.at(-1)?.totalBytes });
    expect(seen.at(-1)).toMatchObject({ phase: 'done', percent: 100, file: plain });
    expect(seen.some((p) => p.phase === 'checking')).toBe(true);

    const standin = await docker.getImage(STANDIN_IMAGE).inspect();
    expect((await fx.orch.images.list()).find((i) => i.tag === 'v9')).toMatchObject({ repository: repo, id: standin.Id, size: standin.Size, usedBy: [] });

    const name = `vt-${run}-fromfile`;
    expect((await fx.orch.create({ name, runtimeVersion: 'v9', vnics: [] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    expect((await docker.getContainer(name).inspect()).Config.Image).toBe(`${repo}:v9`);
    expect((await fx.orch.images.list()).find((i) => i.tag === 'v9')?.usedBy).toEqual([name]);
  });

  it('loads a gzip-compressed archive', async () => {
    expect(await fx.orch.images.load(gz, 'cli')).toEqual({ file: gz, loaded: [`${repo}:v9gz`] });
    expect((await fx.orch.images.list()).map((i) => i.tag)).toContain('v9gz');
  });

  it('refuses an archive of another repository before loading it, naming the tags found', async () => {
    const seen: ImageLoadProgress[] = [];
    const off = fx.orch.images.onProgress((p) => seen.push(p));
    const err = await refusal(fx.orch.images.load(foreign, 'cli'));
    off();
    expect(err).toMatchObject({ code: 'VALIDATION', field: 'path' });
    expect(err.message).toContain(`holds images outside the runtime repository ${repo} (found: ${otherRepo}:v1)`);
    expect(await tagExists(`${otherRepo}:v1`)).toBe(false);
    expect(seen.some((p) => p.phase === 'loading')).toBe(false);
    expect(seen.at(-1)?.phase).toBe('failed');
  });

  it('refuses files that are not docker save archives, and paths it cannot use, with the reason', async () => {
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'this is not a tar archive\n'.repeat(100));
    expect((await refusal(fx.orch.images.load(text, 'cli'))).message).toBe(`${text} is not a docker save archive: it is not a tar archive`);

    const tarNoManifest = path.join(dir, 'plain.tar');
    await sh('tar', ['-cf', tarNoManifest, '-C', dir, 'notes.txt']);
    expect((await refusal(fx.orch.images.load(tarNoManifest, 'cli'))).message).toContain('it has no manifest.json, so it was not written by `docker save`');

    expect((await refusal(fx.orch.images.load('v9.tar', 'cli'))).message).toContain('give the absolute path');
    expect((await refusal(fx.orch.images.load(path.join(dir, 'missing.tar'), 'cli'))).message).toContain('no such file on this PC');
    expect((await refusal(fx.orch.images.load(dir, 'cli'))).message).toBe(`${dir} is not a regular file`);
  });
});

describe('vplc-orchestrator image (CLI against a real agent)', () => {
  let agent: AgentProcess | undefined;
  let installation = '';

  afterAll(async () => {
    await agent?.stop();
    if (installation) await removeByLabels({ instance: installation });
  });

  it('loads an archive with progress on one line, lists it, and the API lists it too', async () => {
    const dataDir = path.join(dir, 'agent-data');
    const tokenFile = path.join(dir, 'token');
    const env = { VPLC_TOKEN_FILE: tokenFile, XDG_CONFIG_HOME: path.join(dir, 'config') };
    agent = spawnAgent(['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--lock-name', `vt-${run}-images`, '--internal-pool', '198.19.98.0/24', '--runtime-image', repo, '--mtls-dir', path.join(dir, 'mtls')], env);
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
      const events: unknown[] = [];
      client.onEvent((name, payload) => name === 'images:progress' && events.push(payload));

      const load = await cli(['load', path.relative(process.cwd(), cliArchive)]);
      expect(load.stderr).toBe('');
      expect(load.code).toBe(0);
      const [progress, ...rest] = load.stdout.split('\n');
      expect(progress).toMatch(/^\r(checking|loading) v9cli\.tar: /);
      expect(progress?.split('\r').at(-1)).toMatch(/^loading v9cli\.tar: 100% \(/);
      expect(rest.join('\n')).toBe(`loaded 1 image(s) from ${cliArchive}:\n  ${repo}:v9cli\n`);
      await waitFor(() => events, (e) => e.some((p) => (p as ImageLoadProgress).phase === 'done'), { timeoutMs: 5_000, what: 'the done event on the API' });

      const list = await cli(['list']);
      expect(list.code).toBe(0);
      expect(list.stdout).toMatch(new RegExp(`^${repo}:v9cli\\s+[0-9a-f]{12}\\s+`, 'm'));
      expect(await client.call('images:list', {})).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ repository: repo, tag: 'v9cli' })]) });

      const refused = await cli(['load', foreign]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(`holds images outside the runtime repository ${repo} (found: ${otherRepo}:v1)`);
      expect(await client.call('images:load', { path: 'relative.tar' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'path' } });

      const help = await cli(['--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('vplc-orchestrator image load FILE');
    } finally {
      client.close();
    }
  }, 120_000);
});
