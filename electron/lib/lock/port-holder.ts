import { promises as fs } from 'node:fs';

export type PortHolder = { uid: number; inode: number; pid: number | null; command: string | null };

const LISTEN = '0A';

/** Listening sockets on `port` in one /proc/net/tcp{,6} table (any local address: a wildcard bind blocks ours too). */
export function listenersOn(table: string, port: number): Array<{ uid: number; inode: number }> {
  const found: Array<{ uid: number; inode: number }> = [];
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    const local = f[1];
    if (!local || f[3] !== LISTEN) continue;
    if (Number.parseInt(local.slice(local.lastIndexOf(':') + 1), 16) !== port) continue;
    found.push({ uid: Number(f[7]), inode: Number(f[9]) });
  }
  return found;
}

/** The process with an fd on socket `inode`; null when none is visible to us (another user's, without root). */
async function pidOfSocket(inode: number): Promise<number | null> {
  const target = `socket:[${inode}]`;
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = await fs.readdir(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      if ((await fs.readlink(`/proc/${entry}/fd/${fd}`).catch(() => '')) === target) return Number(entry);
    }
  }
  return null;
}

/** Who listens on a loopback TCP port, as far as /proc lets us see. Null when nobody does (or /proc is unreadable). */
export async function findPortHolder(port: number): Promise<PortHolder | null> {
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await fs.readFile(table, 'utf8').catch(() => '');
    const hit = listenersOn(text, port)[0];
    if (!hit) continue;
    const pid = await pidOfSocket(hit.inode);
    const command = pid === null ? null : (await fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '')).trim() || null;
    return { ...hit, pid, command };
  }
  return null;
}

/** "port 48750 is held by another process (pid 812 `python3`, uid 1001)". */
export function describePortHolder(port: number, h: PortHolder | null): string {
  if (!h) return `port ${port} is held by another process`;
  const who = h.pid !== null ? `pid ${h.pid}${h.command ? ` \`${h.command}\`` : ''}, uid ${h.uid}` : `uid ${h.uid}; its pid is not visible to this user`;
  return `port ${port} is held by another process (${who})`;
}

export class PortHeld extends Error {
  readonly code = 'EADDRINUSE';
  constructor(
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

/** Rethrows a listen error; EADDRINUSE becomes PortHeld, naming the squatter as far as /proc shows it. */
export async function explainListenError(err: unknown, port: number): Promise<never> {
  if ((err as NodeJS.ErrnoException | null)?.code !== 'EADDRINUSE' || err instanceof PortHeld) throw err;
  throw new PortHeld(port, describePortHolder(port, await findPortHolder(port).catch(() => null)));
}
