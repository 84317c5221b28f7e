import { watch } from 'node:fs';
import path from 'node:path';
import { acquireHostLock, lockHolder, type HostLock } from './host-lock.js';
import { isFlocked } from './proc-locks.js';
import { agentFiles, ensurePrivateDir, isServiceMode, ownAgentFiles, serviceRunDir, SERVICE_LOCK_NAME, type AgentFiles } from './run-dir.js';
import { readReport, writeReport } from './state-report.js';

export type AgentLock = { ok: true; lock: HostLock; files: AgentFiles } | { ok: false; reason: string; files: AgentFiles; holderPid: number | null };

export const serviceFiles = (env: NodeJS.ProcessEnv): AgentFiles => agentFiles(serviceRunDir(env), SERVICE_LOCK_NAME);

/** The running service's PID as its report states it (its lock file is private to the service user). */
async function servicePid(env: NodeJS.ProcessEnv): Promise<number | null> {
  const files = serviceFiles(env);
  const [lock, report] = await Promise.all([lockHolder(files.lock), readReport(files.report)]);
  return lock.held ? (lock.pid ?? report?.pid ?? null) : null;
}

/**
 * The host-wide rule that only one agent drives Docker (docs/security.md "Host lock"). The service locks its file
 * in its runtime directory, where nobody else can create or open anything. A per-user agent locks its own file in
 * the user's private runtime directory, then checks that the service's lock is free: the service always wins, and
 * no other user can keep it from starting.
 */
export async function takeAgentLock(env: NodeJS.ProcessEnv, lockName: string): Promise<AgentLock> {
  const files = ownAgentFiles(env, lockName);
  await ensurePrivateDir(files.dir);
  const lock = await acquireHostLock(files.lock);
  if (!lock) {
    const holder = await lockHolder(files.lock);
    const holderPid = holder.held ? holder.pid : null;
    return { ok: false, files, holderPid, reason: `another agent already drives Docker on this host${holderPid ? ` (pid ${holderPid})` : ''}, holding ${files.lock}; stop it first or attach to it` };
  }
  if (!isServiceMode(env) && (await isFlocked(serviceFiles(env).lock))) {
    await lock.release();
    const holderPid = await servicePid(env);
    return { ok: false, files, holderPid, reason: `the system service already drives Docker on this host${holderPid ? ` (pid ${holderPid})` : ''}; attach to it instead of running a second agent` };
  }
  return { ok: true, lock, files };
}

/** Records why a start did not get through, unless a running agent owns these files (its report stays as it is). */
export async function reportBlocked(files: AgentFiles, reason: string): Promise<void> {
  if (await isFlocked(files.lock)) return;
  await writeReport(files.report, { state: 'blocked', reason }).catch(() => undefined);
}

/** The interval callback returns its check, so a test that fires it by hand can await it. */
export type Timers = { setInterval(cb: () => Promise<void>, ms: number): unknown; clearInterval(h: unknown): void };

/**
 * Calls `onChange` with the entry's name (null when the platform does not say) on any change among a directory's
 * entries, and `onError` if the watch later fails (it is closed then); null when the directory cannot be watched.
 */
export type WatchDir = (dir: string, onChange: (filename: string | null) => void, onError: () => void) => (() => void) | null;

const fsWatchDir: WatchDir = (dir, onChange, onError) => {
  try {
    const w = watch(dir, { persistent: false }, (_event, filename) => onChange(filename ?? null));
    w.on('error', () => {
      w.close();
      onError();
    });
    return () => w.close();
  } catch {
    return null;
  }
};

export type WatchOptions = {
  /** The poll when the service's directory cannot be watched (no inotify, no permission). */
  pollMs?: number;
  /** The safety poll next to the watch (an event lost to a full inotify queue). */
  safetyPollMs?: number;
  timers?: Timers;
  watchDir?: WatchDir;
};

/**
 * A per-user agent yields when the service starts after it (someone ran `systemctl start`) and calls `onService`
 * once. The service writes its state report into its runtime directory right after it takes the lock, so a watch on
 * that directory (and on its parent, since systemd creates the directory when the service starts) wakes this agent
 * only then; each wake-up checks the lock (one read of /proc/locks). A slow poll covers a lost event; without a watch
 * the poll is fast. Returns the stop function.
 */
export function watchForService(env: NodeJS.ProcessEnv, onService: (pid: number | null) => void, o: WatchOptions = {}): () => void {
  if (isServiceMode(env)) return () => undefined;
  const timers = o.timers ?? (globalThis as unknown as Timers);
  const watchDir = o.watchDir ?? fsWatchDir;
  const runDir = serviceRunDir(env);
  const name = path.basename(runDir);
  let fired = false;
  let dirWatch: (() => void) | null = null;
  let parentWatch: (() => void) | null = null;
  let handle: unknown;
  const stop = (): void => {
    timers.clearInterval(handle);
    dirWatch?.();
    parentWatch?.();
    dirWatch = parentWatch = null;
  };
  const check = async (): Promise<void> => {
    if (fired || !(await isFlocked(serviceFiles(env).lock)) || fired) return;
    fired = true;
    stop();
    onService(await servicePid(env));
  };
  // An unreadable /proc/locks is a missed check, never an unhandled rejection.
  const onChange = (): void => void check().catch(() => undefined);
  const poll = (ms: number): void => {
    timers.clearInterval(handle);
    handle = timers.setInterval(() => check().catch(() => undefined), ms);
    (handle as { unref?: () => void }).unref?.();
  };
  /** A watch that fails later leaves only the fast poll to hear the service. */
  const lost = (): void => {
    if (fired) return;
    dirWatch?.();
    parentWatch?.();
    dirWatch = parentWatch = null;
    poll(o.pollMs ?? 2_000);
  };
  // Removing the directory ends its watch (systemd removes it when the service stops): the parent's watch attaches a
  // new one when it comes back, so only that watch's failure is lost.
  const watchRunDir = (): (() => void) | null => {
    const w = watchDir(runDir, onChange, () => {
      if (dirWatch === w) dirWatch = null;
      if (!parentWatch) lost();
    });
    return w;
  };
  dirWatch = watchRunDir();
  parentWatch = watchDir(
    path.dirname(runDir),
    (filename) => {
      // The parent (/run) changes for every service on the host; only the service's own directory matters.
      if (fired || (filename !== null && filename !== name)) return;
      dirWatch?.();
      dirWatch = watchRunDir();
      onChange();
    },
    lost,
  );
  const watched = dirWatch !== null || parentWatch !== null;
  poll(watched ? (o.safetyPollMs ?? 60_000) : (o.pollMs ?? 2_000));
  return stop;
}
