import { spawn } from 'node:child_process';
import { constants, promises as fs } from 'node:fs';
import { isFlocked } from './proc-locks.js';

export type HostLock = { file: string; release(): Promise<void> };

/** flock(1) exits with this when the lock is taken; anything else non-zero is a real error. */
const CONFLICT = 75;

export class LockUnavailable extends Error {}

/**
 * Has flock(1) lock the open file description we pass it as fd 3, then exit: a flock belongs to the open file
 * description, not to the process that asked, so the lock stays with our handle and the kernel drops it when the
 * handle closes or this process dies (kill -9 included). Node opens files close-on-exec, so no child we spawn later
 * inherits the lock and outlives us with it (docs/security.md "Host lock").
 */
function flockNonBlocking(fd: number): Promise<'locked' | 'held'> {
  return new Promise((resolve, reject) => {
    const child = spawn('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', String(CONFLICT), '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new LockUnavailable(e.code === 'ENOENT' ? 'flock(1) from util-linux is required for the host lock and was not found' : `cannot run flock(1): ${e.message}`)),
    );
    child.once('close', (code) => {
      if (code === 0) resolve('locked');
      else if (code === CONFLICT) resolve('held');
      else reject(new LockUnavailable(`flock(1) failed (${code}): ${err.trim()}`));
    });
  });
}

/**
 * An exclusive `flock` on `file` (created 0600 if missing), or null when another process holds it. The holder's
 * PID is written into the file for whoever may read it. The file stays after release: a lock, not a file, is what
 * counts, so there is never a stale lock to clean up.
 */
export async function acquireHostLock(file: string): Promise<HostLock | null> {
  const fh = await fs.open(file, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, 0o600);
  let got: 'locked' | 'held';
  try {
    got = await flockNonBlocking(fh.fd);
  } catch (err) {
    await fh.close();
    throw err;
  }
  if (got === 'held') {
    await fh.close();
    return null;
  }
  await fh.truncate(0);
  await fh.write(`${process.pid}\n`, 0);
  let released = false;
  return {
    file,
    release: async () => {
      if (released) return;
      released = true;
      await fh.close();
    },
  };
}

export type LockState = { held: false } | { held: true; pid: number | null };

/**
 * Whether `file` is locked, and by which PID when the file is readable to us (the service's lock is private to the
 * service user: others see that it is held, and find its PID in the service's state report instead).
 */
export async function lockHolder(file: string): Promise<LockState> {
  if (!(await isFlocked(file))) return { held: false };
  const text = await fs.readFile(file, 'utf8').catch(() => '');
  const pid = Number.parseInt(text, 10);
  return { held: true, pid: Number.isInteger(pid) && pid > 0 ? pid : null };
}
