// The browser's image upload against a real agent and the real dockerd: a `docker save` archive of a tiny test image,
// tagged into a fresh runtime repository, is streamed to POST /api/images/upload, loaded by the orchestrator with
// progress events, listed, and the temporary file is gone; a file that is no archive is refused naming the chosen file.
// Runtime: about 10 s (one small docker save, one agent process).
import { execFile } from 'node:child_process';
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { IMAGE_UPLOAD, newUploadId } from '../../../shared/api/image-upload.js';
import type { ImageLoadProgress } from '../../../shared/domain/runtime-images.js';
import { NETHELPER_IMAGE } from '../../images/build.js';
import { spawnAgent, type AgentProcess, type Ready } from '../../support/agent-process.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();

const sh = promisify(execFile);
const run = newRunId();
const repo = `vt-up-${run}/openplc-runtime`;
const ref = `${repo}:up1`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-upload-int-'));
const dataDir = path.join(dir, 'data');
const archive = path.join(dir, 'up1.tar');
let agent: AgentProcess | undefined;
let ready: Ready;
let client: ApiClient | undefined;
let installation = '';

beforeAll(async () => {
  await sh('docker', ['tag', NETHELPER_IMAGE, ref]);
  try {
    await sh('docker', ['save', '-o', archive, ref], { timeout: 60_000 });
  } finally {
    await sh('docker', ['rmi', ref]);
  }
  agent = spawnAgent(['--no-cloud', '--ui-port', '0', '--data-dir', dataDir, '--lock-name', `vt-${run}-upload`, '--internal-pool', '198.19.88.0/24', '--runtime-image', repo, '--mtls-dir', path.join(dir, 'mtls')], {
    VPLC_TOKEN_FILE: path.join(dir, 'token'),
    XDG_CONFIG_HOME: path.join(dir, 'config'),
  });
  ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  installation = ((await client.call('agent:status', {})) as { value: { installationId: string } }).value.installationId;
}, 120_000);

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  await sh('docker', ['rmi', ref]).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function upload(file: string, name: string, id: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port: ready.port,
        path: IMAGE_UPLOAD.path,
        method: 'POST',
        headers: {
          host: `127.0.0.1:${ready.port}`,
          origin: `http://127.0.0.1:${ready.port}`,
          'content-length': String(statSync(file).size),
          [IMAGE_UPLOAD.tokenHeader]: ready.token,
          [IMAGE_UPLOAD.nameHeader]: encodeURIComponent(name),
          [IMAGE_UPLOAD.idHeader]: id,
        },
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    createReadStream(file).pipe(req);
  });
}

const tagExists = (r: string): Promise<boolean> =>
  docker
    .getImage(r)
    .inspect()
    .then(() => true, () => false);

describe('uploading a runtime image to a real agent', () => {
  it('loads the uploaded archive into dockerd with progress, lists it, and leaves no temporary file', async () => {
    const events: ImageLoadProgress[] = [];
    client?.onEvent((name, payload) => name === 'images:progress' && events.push(payload as ImageLoadProgress));
    const id = newUploadId();
    const a = await upload(archive, 'up1 (plant copy).tar', id);
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ ok: true, value: { file: 'up1 (plant copy).tar', loaded: [ref] } });
    expect(await tagExists(ref)).toBe(true);
    await waitFor(() => events, (e) => e.some((p) => p.phase === 'done'), { timeoutMs: 5_000, what: 'the done event' });
    const mine = events.filter((p) => p.file.includes(id));
    expect(mine.map((p) => p.phase)).toContain('loading');
    expect(mine.at(-1)).toMatchObject({ phase: 'done', percent: 100, totalBytes: statSync(archive).size });
    expect(readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);
    const list = (await client?.call('images:list', {})) as { ok: true; value: Array<{ repository: string; tag: string }> };
    expect(list.value.map((i) => `${i.repository}:${i.tag}`)).toContain(ref);
  });

  it('refuses a file that is no docker save archive, naming the chosen file, and removes it', async () => {
    const junk = path.join(dir, 'junk.tar');
    writeFileSync(junk, 'this is not a tar archive at all');
    const a = await upload(junk, 'junk.tar', newUploadId());
    expect(a.status).toBe(200);
    const env = JSON.parse(a.body) as { ok: false; error: { code: string; field: string; message: string } };
    expect(env.ok).toBe(false);
    expect(env.error.code).toBe('VALIDATION');
    expect(env.error.field).toBe('path');
    expect(env.error.message).toMatch(/^junk\.tar is not a docker save archive: /);
    expect(readdirSync(path.join(dataDir, 'uploads'))).toEqual([]);
  });
});
