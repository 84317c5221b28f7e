import path from 'node:path';
import { writeFileAtomic } from '../lib/fs/atomic.js';
import { reportBlocked, takeAgentLock, watchForService } from '../lib/lock/agent-lock.js';
import { ownAgentFiles } from '../lib/lock/run-dir.js';
import { writeReport } from '../lib/lock/state-report.js';
import type { FatalHandlers } from '../lib/process/fatal.js';
import { stdoutToJournal } from '../lib/process/journal.js';
import { createAgent, rendererDir } from './agent.js';
import { LogHub } from './logging/log-hub.js';
import { createLogger } from './logging/logger.js';
import { parseArgs, UsageError } from './settings/args.js';
import { defaultSettingsFile, resolveConfig, type EffectiveConfig } from './settings/layers.js';
import { defaultSettings } from './settings/schema.js';
import { SettingsStore } from './settings/store.js';

/** The headless agent process, shared by `vplc-orchestrator agent` and the Electron binary's agent mode (the service). */
export async function loadConfig(argv: string[]): Promise<{ config: EffectiveConfig; warnings: string[]; store: SettingsStore }> {
  const { flags, settingsFile } = parseArgs(argv);
  const store = new SettingsStore(settingsFile ?? process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const loaded = await store.load();
  return { config: resolveConfig(loaded.settings, process.env, flags, loaded.fileKeys), warnings: loaded.warnings, store };
}

/**
 * SIGTERM and SIGINT from the moment it is made: remembers the first one and hands it to the one waiter, however late
 * that waiter comes. Later ones while the agent stops are ignored: it is stopping already, and the default action
 * would cut its stop short.
 */
class StopRequest {
  private signal: string | null = null;
  private waiter: ((sig: string) => void) | null = null;
  private readonly onSignal = (sig: NodeJS.Signals): void => {
    if (this.signal !== null) return;
    this.signal = sig;
    this.waiter?.(sig);
  };

  constructor() {
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  onStop(waiter: (sig: string) => void): void {
    this.waiter = waiter;
    if (this.signal !== null) waiter(this.signal);
  }

  dispose(): void {
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }
}

/** What the process entry hands the agent: its fatal handlers, which then also write to the agent's log file. */
export type AgentHooks = { fatal?: Pick<FatalHandlers, 'attach' | 'claim'> };

/**
 * Resolves with the exit code once the agent stopped (0) or could not start (1, with the reason in the state report);
 * rejects only on a usage error, which the process entry turns into exit code 2.
 */
export async function runAgent(argv: string[], hooks: AgentHooks = {}): Promise<number> {
  let loaded: Awaited<ReturnType<typeof loadConfig>>;
  try {
    loaded = await loadConfig(argv);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // No settings, no log file yet: stderr (the journal under systemd) and the state report must say it.
    const reason = `settings unreadable: ${(err as Error).message}`;
    process.stderr.write(`vplc-orchestrator: cannot start: ${reason}\n`);
    await reportBlocked(ownAgentFiles(process.env, defaultSettings().agent.lockName), reason);
    return 1;
  }
  const { config: opts, warnings, store } = loaded;
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(opts.dataDir, 'logs', 'agent.log'), level: opts.logLevel, hub: logHub });
  hooks.fatal?.attach((msg, data) => log.error(msg, data));
  for (const w of warnings) log.warn(w);
  const taken = await takeAgentLock(process.env, opts.lockName).catch((err: unknown) => ({ ok: false as const, reason: `cannot take the host lock: ${(err as Error).message}`, files: ownAgentFiles(process.env, defaultSettings().agent.lockName), holderPid: null }));
  if (!taken.ok) {
    log.error(taken.reason);
    await reportBlocked(taken.files, taken.reason);
    return 1;
  }
  const { lock, files } = taken;
  // The stop signals are ours before anyone can learn the agent exists (its state report, its ready line): a SIGTERM
  // that came between the ready line and a later handler killed the process by the default action, leaving
  // 'running' in the report. One sent while the agent starts is kept and served once it has started.
  const stopRequest = new StopRequest();
  await writeReport(files.report, { state: 'starting' });
  const underSystemd = process.env.INVOCATION_ID !== undefined;
  const agent = createAgent({ config: opts, log, logHub, settings: store, rendererDir: rendererDir(), mode: underSystemd ? 'service' : 'own', ...(hooks.fatal ? { fatal: hooks.fatal } : {}) });
  const tokenFile = process.env.VPLC_TOKEN_FILE ?? path.join(process.env.XDG_RUNTIME_DIR || path.join(opts.dataDir, 'run'), 'vplc-orchestrator', 'token');
  // 0600 for a per-user agent; the system service makes it group-readable (0640) so the desktop app can attach.
  const tokenMode = process.env.VPLC_TOKEN_FILE_MODE === '0640' ? 0o640 : 0o600;
  let url: string;
  try {
    url = await agent.start();
    await writeFileAtomic(tokenFile, `${agent.token}\n`, tokenMode);
  } catch (err) {
    stopRequest.dispose();
    const reason = (err as Error).message;
    log.error(`cannot start: ${reason}${(err as NodeJS.ErrnoException).code === 'EADDRINUSE' ? '; stop that process or choose another --ui-port' : ''}`);
    await agent.stop(5_000);
    await lock.release();
    await reportBlocked(files, reason);
    return 1;
  }
  const port = Number(new URL(url).port);
  // One JSON line on stdout for whoever started us (tests, the desktop shell): where to connect and how.
  // Under systemd stdout goes to the journal, which the token must not reach: there only the token file carries it.
  const journal = stdoutToJournal(process.env);
  const metricsPort = agent.metricsPort();
  const base = { event: 'ready', port, tokenFile, ...(metricsPort !== null ? { metricsPort } : {}) };
  const ready = journal ? { ...base, url } : { ...base, url: `${url}#token=${agent.token}`, token: agent.token };
  await writeReport(files.report, { state: 'running', uiPort: port, tokenFile, dataDir: opts.dataDir });
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  if (!journal) process.stdout.write(`Open the UI: ${ready.url}\n`);
  log.info('agent ready', { dataDir: opts.dataDir, ui: url });
  let stopWatching = (): void => undefined;
  const code = await new Promise<number>((resolve) => {
    stopRequest.onStop((sig) => {
      log.info(`${sig}: stopping the agent; vPLCs keep running`);
      resolve(0);
    });
    stopWatching = watchForService(process.env, (pid) => {
      log.error(`the system service started${pid ? ` (pid ${pid})` : ''}; this agent stops so that only one drives Docker (vPLCs keep running)`);
      resolve(1);
    });
  });
  stopWatching();
  await agent.stop();
  await writeReport(files.report, { state: 'stopped', dataDir: opts.dataDir }).catch(() => undefined);
  await lock.release();
  stopRequest.dispose();
  return code;
}
