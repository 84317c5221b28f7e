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
 * A per-user agent yields when the service starts after it (someone ran `systemctl start`): polls the service's lock
 * (one read of /proc/locks) and calls `onService` once. Returns the stop function.
 */
export function watchForService(env: NodeJS.ProcessEnv, onService: (pid: number | null) => void, intervalMs = 2_000, timers: Timers = globalThis as unknown as Timers): () => void {
  if (isServiceMode(env)) return () => undefined;
  let fired = false;
  const check = async (): Promise<void> => {
    if (fired || !(await isFlocked(serviceFiles(env).lock)) || fired) return;
    fired = true;
    timers.clearInterval(handle);
    onService(await servicePid(env));
  };
  // An unreadable /proc/locks is a missed poll, never an unhandled rejection.
  const handle = timers.setInterval(() => check().catch(() => undefined), intervalMs);
  (handle as { unref?: () => void }).unref?.();
  return () => timers.clearInterval(handle);
}
