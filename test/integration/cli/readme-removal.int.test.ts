// needs: the real Docker engine and the helper test image (npm run test:images)
// The README's removal commands, run as written (only the state file's path is this test's): they remove this
// installation's containers and networks and leave another installation's on the same engine alone; without an
// installation id they remove nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { lanSubnet, newRunId, TEST_LABEL, workerSlot } from '../../support/run.js';

requireDocker();

const run = newRunId();
const slot = workerSlot();
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-readme-rm-'));
const ours = randomUUID();
const theirs = randomUUID();
const README_STATE = '/var/lib/vplc-orchestrator/installation.json';

/** The shell block of the README that reads the installation id, with the state file moved to `file`. */
function readmeCommands(file: string): string {
  const readme = readFileSync(path.join(__dirname, '..', '..', '..', 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '').find((b) => b.includes('installation.json)'));
  if (!block) throw new Error('the README has no removal block reading installation.json');
  expect(block).toContain(README_STATE);
  return block.replaceAll('sudo ', '').replaceAll(README_STATE, file);
}

const labels = (instance: string, role: string): string[] =>
  ['io.vplc-orchestrator.managed=true', `io.vplc-orchestrator.instance=${instance}`, `io.vplc-orchestrator.role=${role}`, `${TEST_LABEL}=${run}`].flatMap((l) => ['--label', l]);

function createFor(instance: string, n: number): void {
  execFileSync('docker', ['create', '--name', `vt-${run}-${n}`, ...labels(instance, 'vplc'), NETHELPER_IMAGE, 'sleep', '60'], { stdio: 'ignore' });
  execFileSync('docker', ['network', 'create', '--internal', '--subnet', lanSubnet(slot, 13 + n), ...labels(instance, 'lan-net'), `vt-${run}-net${n}`], { stdio: 'ignore' });
}

const present = async (instance: string): Promise<{ containers: number; networks: number }> => {
  const filters = { label: [`io.vplc-orchestrator.instance=${instance}`] };
  return { containers: (await docker.listContainers({ all: true, filters })).length, networks: (await docker.listNetworks({ filters })).length };
};

beforeAll(() => {
  createFor(ours, 0);
  createFor(theirs, 1);
});
afterAll(async () => {
  await removeByLabels({ run });
  rmSync(dir, { recursive: true, force: true });
});

describe('README: removing the vPLCs after uninstalling', () => {
  it('does nothing without an installation id', async () => {
    const file = path.join(dir, 'missing.json');
    const r = spawnSync('bash', ['-c', readmeCommands(file)], { encoding: 'utf8' });
    expect(r.stderr).toContain('ID: no installation id');
    expect(await present(ours)).toEqual({ containers: 1, networks: 1 });
  });

  it('removes this installation’s containers and networks and only those', async () => {
    const file = path.join(dir, 'installation.json');
    writeFileSync(file, `${JSON.stringify({ id: ours, created_at: new Date().toISOString() }, null, 2)}\n`);
    const r = spawnSync('bash', ['-c', readmeCommands(file)], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(await present(ours)).toEqual({ containers: 0, networks: 0 });
    expect(await present(theirs)).toEqual({ containers: 1, networks: 1 });
  });
});
