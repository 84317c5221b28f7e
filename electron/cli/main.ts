import { acquireHostLock, lockHolder } from '../lib/lock/host-lock.js';
import { defaultSettingsFile, resolveConfig, type EffectiveConfig } from '../core/settings/layers.js';
import { SettingsStore } from '../core/settings/store.js';
import { parseArgs, UsageError } from './args.js';
import path from 'node:path';
import { writeFileAtomic } from '../lib/fs/atomic.js';
import { createAgent, rendererDir } from '../core/agent.js';
import { LogHub } from '../core/logging/log-hub.js';
import { createLogger } from '../core/logging/logger.js';
import { runCloudSim } from './cloud-sim.js';
import { runEnroll } from './enroll.js';
import { printStatus } from './status.js';

const USAGE = `usage: vplc-orchestrator <command> [options]

commands:
  agent     run the agent headless: keeps this installation's vPLCs running, links to the cloud, serves the local API
  enroll    enrol this PC with the cloud (or import an existing key and certificate); see \`enroll --help\`
  status    list this installation's vPLCs (read-only)
  cloud-sim run the local cloud simulator (development tool, source checkouts only)

agent options (flags > VPLC_* environment > settings file > defaults):
  --settings FILE          settings file (default $XDG_CONFIG_HOME/vplc-orchestrator/settings.json)
  --no-cloud               local-only mode (VPLC_NO_CLOUD=1)
  --cloud-url URL          cloud Socket.IO endpoint (VPLC_CLOUD_URL)
  --mtls-dir DIR           client key and certificate (VPLC_MTLS_DIR; default ~/.mtls)
  --ca-file FILE           extra CA bundle trusted for the cloud (VPLC_CA_FILE)
  --netmon-socket PATH     read network events from an external netmon socket (VPLC_NETMON_SOCKET)
  --data-dir DIR           state directory (VPLC_DATA_DIR; default $XDG_DATA_HOME/vplc-orchestrator)
  --runtime-image REPO     runtime image repository (VPLC_RUNTIME_IMAGE)
  --helper-image IMAGE     busybox image for namespace helpers (VPLC_HELPER_IMAGE)
  --internal-pool CIDR     pool for the vPLCs' internal /29 networks (VPLC_INTERNAL_POOL)
  --log-level LEVEL        debug, info, warn or error (VPLC_LOG_LEVEL)
  --ui-port PORT           loopback port of the local UI and API (VPLC_UI_PORT; default 48750, 0 picks one)
`;

async function loadConfig(argv: string[]): Promise<{ config: EffectiveConfig; warnings: string[]; store: SettingsStore }> {
  const { flags, settingsFile } = parseArgs(argv);
  const store = new SettingsStore(settingsFile ?? process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const loaded = await store.load();
  return { config: resolveConfig(loaded.settings, process.env, flags), warnings: loaded.warnings, store };
}

async function runAgent(argv: string[]): Promise<number> {
  const { config: opts, warnings, store } = await loadConfig(argv);
  const logHub = new LogHub();
  const log = createLogger({ file: path.join(opts.dataDir, 'logs', 'agent.log'), level: opts.logLevel, hub: logHub });
  for (const w of warnings) log.warn(w);
  const lock = await acquireHostLock(opts.lockName);
  if (!lock) {
    const pid = await lockHolder(opts.lockName);
    log.error(`another agent already drives Docker on this host${pid ? ` (pid ${pid})` : ''}; stop it first or attach to it`);
    return 1;
  }
  const agent = createAgent({ config: opts, log, logHub, settings: store, rendererDir: rendererDir() });
  let url: string;
  try {
    url = await agent.start();
  } catch (err) {
    log.error(`cannot start: ${(err as Error).message}${/EADDRINUSE/.test(String(err)) ? '; choose another --ui-port' : ''}`);
    await agent.stop(5_000);
    await lock.release();
    return 1;
  }
  const tokenFile = process.env.VPLC_TOKEN_FILE ?? path.join(process.env.XDG_RUNTIME_DIR || path.join(opts.dataDir, 'run'), 'vplc-orchestrator', 'token');
  await writeFileAtomic(tokenFile, `${agent.token}\n`, 0o600);
  const port = Number(new URL(url).port);
  // One JSON line on stdout for whoever started us (tests, the desktop shell): where to connect and how.
  process.stdout.write(`${JSON.stringify({ event: 'ready', url: `${url}#token=${agent.token}`, port, token: agent.token, tokenFile })}\n`);
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

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === 'agent') return await runAgent(rest);
    if (cmd === 'status') return await printStatus((await loadConfig(rest)).config.dataDir);
    if (cmd === 'enroll') return await runEnroll(rest);
    if (cmd === 'cloud-sim') return await runCloudSim(rest);
    process.stdout.write(USAGE);
    return cmd === undefined || cmd === 'help' || cmd === '--help' ? 0 : 2;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`vplc-orchestrator: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
}
