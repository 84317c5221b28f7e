import { promises as fs } from 'node:fs';

/** `major:minor:inode` as the kernel prints it in /proc/locks (major and minor in hex). */
export function lockKey(dev: bigint, ino: bigint): string {
  const major = ((dev >> 8n) & 0xfffn) | ((dev >> 32n) & ~0xfffn);
  const minor = (dev & 0xffn) | ((dev >> 12n) & ~0xffn);
  return `${major.toString(16)}:${minor.toString(16)}:${ino.toString(10)}`;
}

const LINE = /^\d+:\s+FLOCK\s+\S+\s+WRITE\s+-?\d+\s+([0-9a-f]+):([0-9a-f]+):(\d+)\s/;

/** The keys of every file that has an exclusive flock right now (waiters, `->` lines, are not holders). */
export function flockedKeys(procLocks: string): Set<string> {
  const keys = new Set<string>();
  for (const line of procLocks.split('\n')) {
    const m = LINE.exec(line);
    if (m) keys.add(`${Number.parseInt(m[1] as string, 16).toString(16)}:${Number.parseInt(m[2] as string, 16).toString(16)}:${m[3] as string}`);
  }
  return keys;
}

/**
 * Whether some process holds an exclusive flock on `file`. Needs no permission on the file itself (only to stat
 * it), so a user can see that the service's private lock is held without being able to open it.
 */
export async function isFlocked(file: string, readProcLocks: () => Promise<string> = () => fs.readFile('/proc/locks', 'utf8')): Promise<boolean> {
  let st;
  try {
    st = await fs.stat(file, { bigint: true });
  } catch {
    return false;
  }
  return flockedKeys(await readProcLocks()).has(lockKey(st.dev, st.ino));
}
