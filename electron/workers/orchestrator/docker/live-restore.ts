import { constants, promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import type { LiveRestoreChange, LiveRestoreView } from '../../../../shared/api/contract.js';

export const RELOAD_HINT =
  'Reload the engine to apply it: sudo systemctl reload docker (or send SIGHUP to dockerd). A reload keeps running containers as they are; a restart of the engine would stop them once more.';

type LiveRestoreView = z.output<typeof LiveRestoreView>;
type LiveRestoreChange = z.output<typeof LiveRestoreChange>;

const DaemonConfig = z.record(z.string(), z.unknown());

/** The exact fix for the live-restore warning, in words a plant engineer can follow. */
export function liveRestoreFix(file: string): string {
  return `Set "live-restore": true in ${file} (keep the file's other settings), then run: sudo systemctl reload docker. With it on, restarting or upgrading Docker no longer stops the vPLCs.`;
}

async function canWrite(file: string): Promise<boolean> {
  try {
    await fs.access(file, constants.W_OK);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return false;
  }
  return fs.access(path.dirname(file), constants.W_OK).then(
    () => true,
    () => false,
  );
}

async function readConfig(file: string): Promise<{ config: Record<string, unknown>; mode: number }> {
  let text: string;
  let mode = 0o644;
  try {
    text = await fs.readFile(file, 'utf8');
    mode = (await fs.stat(file)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { config: {}, mode };
    throw new Error(`${file} cannot be read: ${(err as Error).message}`, { cause: err });
  }
  if (!text.trim()) return { config: {}, mode };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} is not valid JSON (${(err as Error).message}); it was left unchanged — fix it by hand`, { cause: err });
  }
  const parsed = DaemonConfig.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} does not hold a JSON object; it was left unchanged — fix it by hand`);
  return { config: parsed.data, mode };
}

export async function liveRestoreView(file: string, enabled: boolean): Promise<LiveRestoreView> {
  return { enabled, file, writable: await canWrite(file), fix: liveRestoreFix(file) };
}

/**
 * The one-click fix: `"live-restore": true` merged into Docker's configuration file, every other key kept, written
 * atomically with the file's mode. Reloading the engine stays the user's choice (RELOAD_HINT).
 */
export async function enableLiveRestore(file: string): Promise<LiveRestoreChange> {
  if (!(await canWrite(file))) {
    throw new Error(`the agent may not change ${file}. ${liveRestoreFix(file)}`);
  }
  const { config, mode } = await readConfig(file);
  if (config['live-restore'] === true) return { changed: false, file, next: `live-restore is already set in ${file}. ${RELOAD_HINT}` };
  const next = { ...config, 'live-restore': true };
  await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, mode);
  return { changed: true, file, next: RELOAD_HINT };
}
