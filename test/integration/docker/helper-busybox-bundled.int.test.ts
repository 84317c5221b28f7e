// The busybox the packages ship (scripts/fetch-busybox.ts, run by `npm run dist`): fetched from the configured apt
// repositories, it is Debian's static busybox for the asked architecture, and the helper image builds from it alone
// (docs/runtime-images.md "The helper's busybox"). The test uses its own image repository and removes what it built.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { BUSYBOX_ARCHES, fetchBusybox, type BusyboxArch } from '../../../scripts/fetch-busybox.js';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import { elfFacts, engineMachine } from '../../../electron/workers/orchestrator/helper-image/elf.js';
import { HelperImage } from '../../../electron/workers/orchestrator/helper-image/helper-image.js';
import { MissingDependency, requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();
for (const cmd of ['apt-get', 'dpkg-deb']) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'pipe' });
  } catch {
    throw new MissingDependency(cmd, 'the busybox fetch runs on a Debian or Ubuntu build machine');
  }
}

const docker = new Docker();
const run = newRunId();
const repo = `vt-helper-bundled-${run}`;
const out = mkdtempSync(path.join(tmpdir(), 'vplc-bundled-busybox-'));
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const hostMachine = engineMachine(execFileSync('uname', ['-m']).toString().trim());
const hostArch = (Object.keys(BUSYBOX_ARCHES) as BusyboxArch[]).find((a) => BUSYBOX_ARCHES[a].machine === hostMachine);
const otherArch = (Object.keys(BUSYBOX_ARCHES) as BusyboxArch[]).find((a) => a !== hostArch);

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`vt-run=${run}`] } })) await docker.getContainer(c.Id).remove({ force: true });
  // By tag, never by id: only the tags of this run's repository go.
  const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => t.startsWith(`${repo}:`));
  for (const tag of tags) await docker.getImage(tag).remove().catch(() => undefined);
  rmSync(out, { recursive: true, force: true });
});

describe('the bundled busybox', () => {
  it("is Debian's static busybox for this machine, with its copyright, and the helper image builds from it alone", async () => {
    if (!hostArch) throw new Error(`no package is built for this machine (${hostMachine})`);
    const got = fetchBusybox(hostArch, out);
    expect(got.binary).toBe(path.join(out, hostArch, 'busybox'));
    expect(elfFacts(readFileSync(got.binary))).toEqual({ machine: hostMachine, static: true });
    expect(readFileSync(got.copyright, 'utf8')).toMatch(/GPL-2|GNU General Public License/);

    const logs: string[] = [];
    const helper = new HelperImage({ docker, exec: new Executor(new Engine(docker), quiet), busyboxCandidates: [got.binary], log: { info: (m: string) => void logs.push(m), warn: (m: string) => void logs.push(m) }, repo });
    const ref = await helper.image();
    expect(ref).toMatch(new RegExp(`^${repo}:[0-9a-f]{16}$`));
    expect(logs.some((l) => /helper image built/.test(l))).toBe(true);
    const c = await docker.createContainer({ Image: ref, Cmd: ['sh', '-c', 'md5sum /bin/busybox; ip -o link show lo; readlink /bin/udhcpc'], Tty: true, Labels: { 'vt-run': run }, HostConfig: { NetworkMode: 'none', ReadonlyRootfs: true } });
    await c.start();
    expect((await c.wait()).StatusCode).toBe(0);
    const said = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
    await c.remove();
    // The image holds exactly the fetched binary, and its applets work.
    expect(said).toContain(`${execFileSync('md5sum', [got.binary]).toString().split(/\s+/)[0]}  /bin/busybox`);
    expect(said).toMatch(/1: lo: <LOOPBACK/);
    expect(said).toMatch(/^busybox\r?$/m);
  }, 120_000);

  it('is fetched for the other architecture too (multiarch apt in a private state, the host apt untouched)', () => {
    if (!otherArch) throw new Error('only one architecture is packaged');
    const foreignBefore = execFileSync('dpkg', ['--print-foreign-architectures']).toString();
    const got = fetchBusybox(otherArch, out);
    expect(elfFacts(readFileSync(got.binary))).toEqual({ machine: BUSYBOX_ARCHES[otherArch].machine, static: true });
    expect(execFileSync('dpkg', ['--print-foreign-architectures']).toString()).toBe(foreignBefore);
  }, 120_000);

  it('the script fails with the reason for an architecture it cannot fetch, and places nothing', () => {
    const script = path.resolve(import.meta.dirname, '../../../scripts/fetch-busybox.ts');
    const res = spawnSync(process.execPath, ['--import', 'tsx', script, 'mips', '--out', path.join(out, 'cli')], { encoding: 'utf8' });
    expect(res.status).toBe(1);
    expect(res.stderr).toContain('fetch-busybox: unknown architecture mips (known: x64, arm64)');
    expect(existsSync(path.join(out, 'cli'))).toBe(false);
  }, 60_000);
});
