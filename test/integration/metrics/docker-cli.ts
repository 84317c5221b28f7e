/**
 * Small docker-CLI helpers for the metrics integration test and the P4 benchmark.
 * Containers are named `vt-<run>-metrics[-n]` and labelled `io.vplc-orchestrator.test-run=<run>` so a crashed run
 * can be cleaned up by label.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { requireDocker } from '../../support/require.js';
import { TEST_LABEL, newRunId } from '../../support/run.js';

export { newRunId };

const execFileP = promisify(execFile);

export const BUSYBOX_IMAGE = 'vt-metrics-busybox:latest';
export const TEST_RUN_LABEL = TEST_LABEL;

export async function docker(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileP('docker', [...args], { maxBuffer: 16 * 1024 * 1024, encoding: 'utf8' });
  return stdout.trim();
}

/** Throw an actionable error (MissingDependency naming scripts/test-all) when the engine is unreachable; never skip. */
export async function assertDockerReachable(): Promise<void> {
  requireDocker();
}

async function imageExists(ref: string): Promise<boolean> {
  try {
    await docker(['image', 'inspect', '--format', '{{.Id}}', ref]);
    return true;
  } catch {
    return false;
  }
}

/** Make sure the tiny busybox image exists, importing it from the host's static /bin/busybox if needed. */
export async function ensureBusyboxImage(): Promise<string> {
  if (await imageExists(BUSYBOX_IMAGE)) return BUSYBOX_IMAGE;
  const dir = mkdtempSync(join(tmpdir(), 'vt-metrics-rootfs-'));
  try {
    mkdirSync(join(dir, 'bin'));
    copyFileSync('/bin/busybox', join(dir, 'bin', 'busybox'));
    symlinkSync('busybox', join(dir, 'bin', 'sh'));
    await execFileP('sh', ['-c', `tar -C "$1" -c . | docker import -c 'CMD ["/bin/sh"]' - "$2"`, 'sh', dir, BUSYBOX_IMAGE]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return BUSYBOX_IMAGE;
}

export interface RunningContainer {
  name: string;
  id: string;
  pid: number;
}

/** Start a detached container running `sh -c <script>` and return its id and init pid. */
export async function runShContainer(runId: string, name: string, script: string): Promise<RunningContainer> {
  const image = await ensureBusyboxImage();
  const id = await docker(['run', '-d', '--name', name, '--label', `${TEST_RUN_LABEL}=${runId}`, image, 'sh', '-c', script]);
  const pid = Number(await docker(['inspect', '--format', '{{.State.Pid}}', id]));
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`container ${name} has no pid`);
  return { name, id, pid };
}

/** Remove every container of a run (by label). Never throws. */
export async function removeRun(runId: string): Promise<void> {
  try {
    const ids = (await docker(['ps', '-aq', '--filter', `label=${TEST_RUN_LABEL}=${runId}`])).split('\n').filter((s) => s !== '');
    if (ids.length > 0) await docker(['rm', '-f', ...ids]);
  } catch {
    /* best effort */
  }
}
