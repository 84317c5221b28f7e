import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export type Writability = { writable: true } | { writable: false; reason: string };

async function nearestExistingDir(dir: string): Promise<string> {
  for (let d = dir; ; d = path.dirname(d)) {
    const st = await fs.stat(d).catch(() => null);
    if (st?.isDirectory()) return d;
    if (st || d === path.dirname(d)) return d;
  }
}

/**
 * Whether a save of `file` would succeed, found by trying: a save writes a temp file next to it and renames it over
 * (creating missing directories), so a temp file is created and removed in the nearest existing directory. Modes,
 * ownership, read-only mounts (systemd's ProtectSystem) and ACLs all count, which no guess from the mode bits gets right.
 */
export async function probeWritable(file: string): Promise<Writability> {
  const dir = await nearestExistingDir(path.dirname(file));
  const probe = path.join(dir, `.${path.basename(file)}.probe-${process.pid}-${randomUUID()}`);
  try {
    const fh = await fs.open(probe, 'wx', 0o600);
    await fh.close();
    await fs.rm(probe, { force: true });
    return { writable: true };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return { writable: false, reason: `${dir} is not writable by this agent (${code}), so ${file} cannot be saved` };
  }
}
