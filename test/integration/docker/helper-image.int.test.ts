// The namespace helper image is built by the agent from the host's static busybox (`docker import`), never pulled
// (docs/decisions.md "Nothing the agent runs for itself is pulled"). Each test uses its own repository, so the product's
// image and other suites are never touched; everything made here is removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Docker from 'dockerode';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import { HelperImage } from '../../../electron/workers/orchestrator/helper-image/helper-image.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const docker = new Docker();
const run = newRunId();
const repo = `vt-helper-${run}`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-helper-'));
const logs: string[] = [];
const log = { info: (msg: string) => void logs.push(msg), warn: (msg: string) => void logs.push(msg) };
const quiet = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const exec = new Executor(new Engine(docker), quiet);
const ownImages = async (): Promise<Docker.ImageInfo[]> => (await docker.listImages()).filter((i) => (i.RepoTags ?? []).some((t) => t.startsWith(`${repo}:`)));

afterAll(async () => {
  for (const c of await docker.listContainers({ all: true, filters: { label: [`vt-run=${run}`] } })) await docker.getContainer(c.Id).remove({ force: true });
  for (const img of await ownImages()) await docker.getImage(img.Id).remove({ force: true }).catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function runIn(image: string, cmd: string[]): Promise<string> {
  const c = await docker.createContainer({ Image: image, Cmd: cmd, Tty: true, Labels: { 'vt-run': run }, HostConfig: { NetworkMode: 'none', ReadonlyRootfs: true } });
  await c.start();
  await c.wait();
  const out = (await c.logs({ stdout: true, stderr: true })).toString('utf8');
  await c.remove();
  return out;
}

describe('namespace helper image', () => {
  it('is built from the local busybox with our labels, runs the applets the helpers use, and is reused after that', async () => {
    const helper = new HelperImage({ docker, exec, busyboxCandidates: ['/bin/busybox'], log, repo });
    const ref = await helper.image();
    expect(ref).toMatch(new RegExp(`^${repo}:[0-9a-f]{16}$`));
    const info = await docker.getImage(ref).inspect();
    expect(info.Config.Labels).toMatchObject({ 'io.vplc-orchestrator.managed': 'true', 'io.vplc-orchestrator.role': 'helper-image', 'io.vplc-orchestrator.helper-hash': ref.split(':')[1] });
    expect(logs.filter((l) => /helper image built/.test(l))).toHaveLength(1);
    // A read-only rootfs like the real helpers; `ip` sees the loopback of its own namespace; udhcpc and arping exist.
    const out = await runIn(ref, ['sh', '-c', 'ip -o link show lo; udhcpc --help >/dev/null 2>&1; echo udhcpc=$?; echo arping=$(readlink /bin/arping)']);
    expect(out).toMatch(/1: lo: <LOOPBACK/);
    expect(out).toMatch(/udhcpc=[01]\b/);
    expect(out).toMatch(/arping=busybox/);

    // A second agent (new object) finds it and builds nothing.
    const again = new HelperImage({ docker, exec, busyboxCandidates: ['/bin/busybox'], log, repo });
    expect(await again.image()).toBe(ref);
    expect((await docker.getImage(ref).inspect()).Id).toBe(info.Id);
    expect(logs.filter((l) => /helper image built/.test(l))).toHaveLength(1);
  });

  it("carries the host's iptables: a host-network helper with NET_ADMIN only reads the host's FORWARD chain with it", async () => {
    const ref = await new HelperImage({ docker, exec, busyboxCandidates: ['/bin/busybox'], log, repo }).image();
    const engine = new Engine(docker);
    const r = await engine.runHostStep({ image: ref, script: 'iptables -w -S FORWARD; echo "exit=$?"', labels: { 'vt-run': run }, capabilities: ['NET_ADMIN'] });
    const host = execFileSync('iptables', ['-w', '-S', 'FORWARD'], { encoding: 'utf8' });
    expect(r.stdout).toContain('exit=0');
    // The same backend as the host's own iptables: the same policy and Docker's rules (other suites add and remove
    // WiFi vNICs' rules meanwhile, so only Docker's lines are compared).
    const stable = (out: string): string[] => out.split('\n').filter((l) => l.startsWith('-P') || /DOCKER/.test(l));
    expect(stable(host).length).toBeGreaterThan(1);
    expect(stable(r.stdout)).toEqual(stable(host));
    // Without NET_ADMIN the kernel refuses it: the helper runs with no more than the step asks for.
    const denied = await engine.runHostStep({ image: ref, script: 'iptables -w -S FORWARD >/dev/null 2>&1; echo "exit=$?"', labels: { 'vt-run': run }, capabilities: [] });
    expect(denied.stdout).not.toContain('exit=0');
  });

  it('is built again when it was removed under the agent (an image prune, another agent pruning other builds)', async () => {
    const helper = new HelperImage({ docker, exec, busyboxCandidates: ['/bin/busybox'], log, repo });
    const ref = await helper.image();
    await docker.getImage(ref).remove({ force: true });
    const built = logs.filter((l) => /helper image built/.test(l)).length;
    expect(await helper.image()).toBe(ref);
    expect((await docker.getImage(ref).inspect()).Config.Labels).toMatchObject({ 'io.vplc-orchestrator.role': 'helper-image' });
    expect(logs.filter((l) => /helper image built/.test(l))).toHaveLength(built + 1);
  });

  it('concurrent callers share one build', async () => {
    const copy = path.join(dir, 'busybox-concurrent');
    writeFileSync(copy, Buffer.concat([readFileSync('/bin/busybox'), Buffer.from('concurrent')]), { mode: 0o755 });
    const helper = new HelperImage({ docker, exec, busyboxCandidates: [copy], log, repo });
    const before = logs.length;
    const refs = await Promise.all([helper.image(), helper.image(), helper.image()]);
    expect(new Set(refs).size).toBe(1);
    expect(logs.slice(before).filter((l) => /helper image built/.test(l))).toHaveLength(1);
  });

  it('a changed busybox gives a new tag; older builds go unless a container still uses them', async () => {
    const first = await new HelperImage({ docker, exec, busyboxCandidates: ['/bin/busybox'], log, repo }).image();
    const inUse = await docker.createContainer({ Image: first, Cmd: ['true'], Labels: { 'vt-run': run } });
    const copy = path.join(dir, 'busybox-changed');
    writeFileSync(copy, Buffer.concat([readFileSync('/bin/busybox'), Buffer.from('changed')]), { mode: 0o755 });
    const second = await new HelperImage({ docker, exec, busyboxCandidates: [copy], log, repo }).image();
    expect(second).not.toBe(first);
    const tags = (await ownImages()).flatMap((i) => i.RepoTags ?? []);
    // The build in use stays; the unused one of the concurrency test is gone.
    expect(tags.sort()).toEqual([first, second].sort());
    await inUse.remove();
    const third = await new HelperImage({ docker, exec, busyboxCandidates: [copy], log, repo }).image();
    expect(third).toBe(second);
    expect((await ownImages()).flatMap((i) => i.RepoTags ?? [])).toEqual([second]);
  });

  it('refuses a dynamically linked binary with the reason and the fix, and builds nothing', async () => {
    const before = (await ownImages()).length;
    const err = await new HelperImage({ docker, exec, busyboxCandidates: [process.execPath], log, repo }).image().catch((e: Error) => e);
    expect((err as Error).message).toMatch(/dynamically linked.*install the busybox-static package/);
    expect((await ownImages()).length).toBe(before);
  });
});
