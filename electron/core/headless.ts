import path from 'node:path';
import { writeFileAtomic } from '../lib/fs/atomic.js';
import { acquireHostLock, lockHolder } from '../lib/lock/host-lock.js';
import type { FatalHandlers } from '../lib/process/fatal.js';
import { createAgent, rendererDir } from './agent.js';
import { LogHub } from './logging/log-hub.js';
import { createLogger } from './logging/logger.js';
import { parseArgs } from './settings/args.js';
import { defaultSettingsFile, resolveConfig, type EffectiveConfig } from './settings/layers.js';
import { SettingsStore } from './settings/store.js';

/** The headless agent process, shared by `vplc-orchestrator agent` and the Electron binary's agent mode (the service). */
export async function loadConfig(argv: string[]): Promise<{ config: EffectiveConfig; warnings: string[]; store: SettingsStore }> {
  const { flags, settingsFile } = parseArgs(argv);
  const store = new SettingsStore(settingsFile ?? process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const loaded = await store.load();
  return { config: resolveConfig(loaded.settings, process.env, flags), warnings: loaded.warnings, store };
}

/** What the process entry hands the agent: its fatal handlers, which then also write to the agent's log file. */
export type AgentHooks = { fatal?: Pick<FatalHandlers, 'attach'> };

/**
 * Resolves with the exit code once the agent stopped (0) or could not start (1); rejects only when even the settings
 * or the log cannot be opened, which the process entry turns into exit code 1 as well.
 */
export async function runAgent(argv: string[], hooks: AgentHooks = {}): Promise<number> {
  const { config: opts, warnings, store } = await loadConfig(argv);
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(opts.dataDir, 'logs', 'agent.log'), level: opts.logLevel, hub: logHub });
  hooks.fatal?.attach((msg, data) => log.error(msg, data));
  for (const w of warnings) log.warn(w);
  const lock = await acquireHostLock(opts.lockName);
  if (!lock) {
    const pid = await lockHolder(opts.lockName);
    log.error(`another agent already drives Docker on this host${pid ? ` (pid ${pid})` : ''}; stop it first or attach to it`);
    return 1;
  }
  const underSystemd = process.env.INVOCATION_ID !== undefined;
  const agent = createAgent({ config: opts, log, logHub, settings: store, rendererDir: rendererDir(), mode: underSystemd ? 'service' : 'own' });
  const tokenFile = process.env.VPLC_TOKEN_FILE ?? path.join(process.env.XDG_RUNTIME_DIR || path.join(opts.dataDir, 'run'), 'vplc-orchestrator', 'token');
  // 0600 for a per-user agent; the system service makes it group-readable (0640) so the desktop app can attach.
  const tokenMode = process.env.VPLC_TOKEN_FILE_MODE === '0640' ? 0o640 : 0o600;
  let url: string;
  try {
    url = await agent.start();
    await writeFileAtomic(tokenFile, `${agent.token}\n`, tokenMode);
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}${/EADDRINUSE/.test(String(err)) ? '; choose another --ui-port' : ''}`);
    await agent.stop(5_000);
    await lock.release();
    return 1;
  }
  const port = Number(new URL(url).port);
  // One JSON line on stdout for whoever started us (tests, the desktop shell): where to connect and how.
  // Under systemd stdout goes to the journal, which the token must not reach: there only the token file carries it.
  const metricsPort = agent.metricsPort();
  const base = { event: 'ready', port, tokenFile, ...(metricsPort !== null ? { metricsPort } : {}) };
  const ready = underSystemd ? { ...base, url } : { ...base, url: `${url}#token=${agent.token}`, token: agent.token };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  log.info('agent ready', { dataDir: opts.dataDir, ui: url });
  await new Promise<void>((resolve) => {
    const stop = (sig: string): void => {
      log.info(`${sig}: stopping the agent; vPLCs keep running`);
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await agent.stop();
  await lock.release();
  return 0;
}

