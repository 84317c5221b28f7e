import path from 'node:path';
import type { Logger } from '../context.js';
import type { Engine } from '../docker/engine.js';
import { execAsRoot, type ExecOutcome } from './container-exec.js';

/** A character device node to make inside a container. */
export type NodeTarget = { containerPath: string; major: number; minor: number };

/** Who the node is for and why, for the log. */
export type NodeAbout = { vplc: string; port: string; why: string };

export type NodeResult = { ok: true; warning: string | null } | { ok: false; reason: string };

export type NodeDeps = { engine: Engine; log: Logger; timeoutMs?: number };

const DEFAULT_TIMEOUT_MS = 5_000;

/** What a failed command said: its stderr, else its stdout, else its exit code or why it could not run. */
function failure(o: ExecOutcome): string {
  const said = (o.stderr.trim() || o.stdout.trim()).split('\n').slice(-3).join('; ');
  if (said) return said;
  return o.error ?? `exit code ${String(o.exitCode)}`;
}

const failed = (o: ExecOutcome): boolean => o.exitCode !== 0;

/**
 * Makes a serial port's node inside a running container (docs/serial.md "Device nodes"): `rm -f` whatever is at the
 * path, `mkdir -p` its directory when it is not `/dev`, `mknod c major minor`, `chmod 666`. One exec per command, no
 * shell (the runtime image's shell is not relied on), each exit code read. A failed chmod is a warning only: the node
 * exists and root in the container can open it. Never throws.
 */
export async function makeNode(d: NodeDeps, containerId: string, t: NodeTarget, about: NodeAbout): Promise<NodeResult> {
  const timeout = d.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const p = t.containerPath;
  const rm = await execAsRoot(d.engine, containerId, ['rm', '-f', p], timeout);
  if (failed(rm)) return refused(d, about, p, `removing the old node failed: ${failure(rm)}`);
  const dir = path.posix.dirname(p);
  if (dir !== '/dev') {
    const mk = await execAsRoot(d.engine, containerId, ['mkdir', '-p', dir], timeout);
    if (failed(mk)) return refused(d, about, p, `mkdir ${dir} failed: ${failure(mk)}`);
  }
  const node = await execAsRoot(d.engine, containerId, ['mknod', p, 'c', String(t.major), String(t.minor)], timeout);
  if (failed(node)) return refused(d, about, p, `mknod failed: ${failure(node)}`);
  const mode = await execAsRoot(d.engine, containerId, ['chmod', '666', p], timeout);
  const warning = failed(mode) ? `chmod 666 ${p} failed: ${failure(mode)}` : null;
  if (warning) d.log.warn('serial node made, but its mode could not be set', { ...about, path: p, err: warning });
  d.log.info('serial node made', { ...about, path: p, major: t.major, minor: t.minor });
  return { ok: true, warning };
}

/** Removes a port's node (`rm -f`: a node already gone is fine). Never throws. */
export async function removeNode(d: NodeDeps, containerId: string, containerPath: string, about: NodeAbout): Promise<NodeResult> {
  const rm = await execAsRoot(d.engine, containerId, ['rm', '-f', containerPath], d.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (failed(rm)) return refused(d, about, containerPath, `removing the node failed: ${failure(rm)}`);
  d.log.info('serial node removed', { ...about, path: containerPath });
  return { ok: true, warning: null };
}

function refused(d: NodeDeps, about: NodeAbout, p: string, reason: string): NodeResult {
  d.log.warn('serial node not made', { ...about, path: p, err: reason });
  return { ok: false, reason };
}
