import { fstatSync } from 'node:fs';

/**
 * True when stdout may end up in the systemd journal, where a secret such as the UI token must not go: systemd sets
 * JOURNAL_STREAM to the stream's `device:inode` (it leaks into shells of terminals started by systemd, so it counts
 * only when it names our stdout), and INVOCATION_ID for every process of a unit.
 */
export function stdoutToJournal(env: NodeJS.ProcessEnv, fd = 1, stat: (fd: number) => { dev: number; ino: number } = fstatSync): boolean {
  if (env.INVOCATION_ID !== undefined) return true;
  const stream = env.JOURNAL_STREAM;
  if (!stream) return false;
  const [dev, ino] = stream.split(':');
  try {
    const st = stat(fd);
    return String(st.dev) === dev && String(st.ino) === ino;
  } catch {
    return true;
  }
}
