import { promises as fs, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The service's runtime directory (systemd `RuntimeDirectory=`); only root and the service user may write in it. */
export const SERVICE_RUN_DIR = '/run/vplc-orchestrator';
/** The service's lock and state report have fixed names: per-user agents look for exactly these. */
export const SERVICE_LOCK_NAME = 'agent';

export function serviceRunDir(env: NodeJS.ProcessEnv): string {
  return env.VPLC_SERVICE_RUN_DIR || SERVICE_RUN_DIR;
}

/** True when this process is the system service (the unit sets VPLC_SERVICE=1). */
export function isServiceMode(env: NodeJS.ProcessEnv): boolean {
  return env.VPLC_SERVICE === '1';
}

/**
 * A per-user agent's runtime directory: `$XDG_RUNTIME_DIR/vplc-orchestrator`, else the same under
 * `/run/user/<uid>` when that exists, else under `$XDG_STATE_HOME` (`~/.local/state`). All three are private to the
 * user, so nobody else can create or hold files in them.
 */
export function userRunDir(env: NodeJS.ProcessEnv, uid: number = process.getuid?.() ?? 0): string {
  if (env.XDG_RUNTIME_DIR) return path.join(env.XDG_RUNTIME_DIR, 'vplc-orchestrator');
  const sessionDir = `/run/user/${uid}`;
  try {
    if (statSync(sessionDir).uid === uid) return path.join(sessionDir, 'vplc-orchestrator');
  } catch {
    // no login session directory (a root shell, a container): fall through
  }
  return path.join(env.XDG_STATE_HOME || path.join(env.HOME || os.homedir(), '.local', 'state'), 'vplc-orchestrator', 'run');
}

export class UnsafeRunDir extends Error {}

export type AgentFiles = { dir: string; lock: string; report: string };

/** The lock name becomes a file name: nothing that could leave the directory. */
export function agentFiles(dir: string, name: string): AgentFiles {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(name)) throw new UnsafeRunDir(`agent.lockName ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-'`);
  return { dir, lock: path.join(dir, `${name}.lock`), report: path.join(dir, `${name}.json`) };
}

/** Where this agent takes its lock: the service's fixed files, or the user's own, named by the `lockName` setting. */
export function ownAgentFiles(env: NodeJS.ProcessEnv, lockName: string): AgentFiles {
  return isServiceMode(env) ? agentFiles(serviceRunDir(env), SERVICE_LOCK_NAME) : agentFiles(userRunDir(env), lockName);
}

/**
 * Creates the directory (0700) or checks the one that exists: it must be ours and writable by nobody else, otherwise
 * someone else could hold our lock file or replace it.
 */
export async function ensurePrivateDir(dir: string, uid: number = process.getuid?.() ?? 0): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await fs.lstat(dir);
  if (!st.isDirectory()) throw new UnsafeRunDir(`${dir} is not a directory`);
  if (st.uid !== uid) throw new UnsafeRunDir(`${dir} belongs to uid ${st.uid}, not to this agent (uid ${uid})`);
  if ((st.mode & 0o022) !== 0) throw new UnsafeRunDir(`${dir} is writable by others (mode ${(st.mode & 0o777).toString(8)})`);
}
