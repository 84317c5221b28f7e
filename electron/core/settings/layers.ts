import os from 'node:os';
import path from 'node:path';
import { repositoryProblem } from '../../../shared/domain/image-ref.js';
import { WorkersMode } from '../../../shared/domain/settings.js';
import { UsageError } from './errors.js';
import { FLAG_ENV, type FlagName, type Flags } from './flags.js';
import type { Settings } from './schema.js';
import { settingSources, type EffectiveSetting } from './sources.js';

export { FLAG_ENV, type FlagName, type Flags };

/** What the agent runs with, after every layer. Overrides are never written back to the file. */
export type EffectiveConfig = {
  /** Docker's configuration file, for the one-click live-restore fix. */
  dockerDaemonConfig: string;
  cloudEnabled: boolean;
  cloudUrl: string;
  provisionUrl: string;
  mtlsDir: string;
  caFile: string | undefined;
  allowRemoteRemoval: boolean;
  /** SPKI sha256 pins of the cloud server (empty: no pin). */
  serverPins: string[];
  /** WebRTC sessions of the cloud link (docs/debug.md "WebRTC sessions"). */
  webrtc: Settings['cloud']['webrtc'];
  dataDir: string;
  logLevel: Settings['agent']['logLevel'];
  uiPort: number;
  /** Null when the metrics endpoint is off. */
  metricsPort: number | null;
  lockName: string;
  /** Where the workers run: services in the agent's thread, or worker threads. */
  workers: Settings['agent']['workers'];
  runtimeRepo: string;
  helperImage?: string;
  internalPool: string;
  runCommandTimeoutMs: number;
  /** Seconds a vPLC gets to shut down on a stop before it is killed. */
  stopTimeoutSec: number;
  runCommandAllowList: Settings['orchestrator']['runCommandAllowList'];
  runCommandMaxPerDevice: number;
  runCommandMaxTotal: number;
  parentPolicy: Settings['orchestrator']['parentPolicy'];
  shareCaBundle: boolean;
  updateCheckMs: number;
  minFreeDiskMb: number;
  arpProbeMs: number;
  gratuitousArp: boolean;
  plc: Settings['orchestrator']['plc'];
  serial: Settings['orchestrator']['serial'];
  /** The runtime debug bridge's timings (docs/debug.md "Sessions"). */
  debug: Settings['orchestrator']['debug'];
  /** Compatibility mode: read events from an external netmon's JSON-lines socket instead of the built-in monitor. */
  netmonSocket: string | undefined;
  /** Each setting the UI shows, with the layer its value came from (./sources.ts). */
  sources: EffectiveSetting[];
};

/** docs/protocol.md §5.14: per user under XDG_DATA_HOME (also inside Electron); the system service passes its own. */
export function defaultDataDir(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_DATA_HOME || path.join(env.HOME || os.homedir(), '.local', 'share'), 'vplc-orchestrator');
}

export function defaultSettingsFile(env: NodeJS.ProcessEnv): string {
  return path.join(env.XDG_CONFIG_HOME || path.join(env.HOME || os.homedir(), '.config'), 'vplc-orchestrator', 'settings.json');
}

/** An explicit helper image only when one is set: otherwise the agent builds its own. */
function helperImageOf(image: string | undefined): { helperImage?: string } {
  return image ? { helperImage: image } : {};
}

/** The runtime repository, refused at start when it carries a tag or digest (named by where it came from). */
function runtimeRepository(picked: string | undefined, fromFile: string, isFlag: boolean): string {
  const repo = picked ?? fromFile;
  const problem = repositoryProblem(repo);
  if (!problem) return repo;
  const source = picked === undefined ? 'orchestrator.runtimeRepo in the settings file' : isFlag ? '--runtime-image' : FLAG_ENV['runtime-image'];
  throw new UsageError(`${source}: ${problem}`);
}

/** The workers' mode; a flag is checked when parsed, the variable here (the file by its schema). */
function workersMode(picked: string | undefined, fromFile: Settings['agent']['workers'], isFlag: boolean): Settings['agent']['workers'] {
  if (picked === undefined) return fromFile;
  const mode = WorkersMode.safeParse(picked);
  if (!mode.success) throw new UsageError(`${isFlag ? '--workers' : FLAG_ENV.workers} must be one of ${WorkersMode.options.join(', ')}`);
  return mode.data;
}

/**
 * Flags > `VPLC_*` environment > settings file > defaults (docs/architecture.md decision 10). Pure; throws UsageError on a
 * value no layer may hold. `fileKeys`: the keys the file itself sets (SettingsLoad.fileKeys), to tell file from default.
 */
export function resolveConfig(file: Settings, env: NodeJS.ProcessEnv, flags: Flags, fileKeys: ReadonlySet<string> = new Set()): EffectiveConfig {
  const pick = (flag: FlagName): string | undefined => flags[flag] ?? (env[FLAG_ENV[flag]] || undefined);
  const port = pick('ui-port');
  const level = pick('log-level');
  const metricsPort = pick('metrics-port');
  const metricsOff = flags['no-metrics'] === true || env.VPLC_NO_METRICS === '1' || !file.agent.metricsEnabled;
  const config: Omit<EffectiveConfig, 'sources'> = {
    cloudEnabled: flags['no-cloud'] ? false : env.VPLC_NO_CLOUD === '1' ? false : file.cloud.enabled,
    cloudUrl: pick('cloud-url') ?? file.cloud.url,
    provisionUrl: pick('provision-url') ?? file.cloud.provisionUrl,
    mtlsDir: pick('mtls-dir') ?? file.cloud.mtlsDir ?? path.join(env.HOME || os.homedir(), '.mtls'),
    caFile: pick('ca-file') ?? file.cloud.caFile,
    allowRemoteRemoval: file.cloud.allowRemoteRemoval,
    serverPins: file.cloud.serverPins,
    webrtc: file.cloud.webrtc,
    dataDir: pick('data-dir') ?? file.agent.dataDir ?? defaultDataDir(env),
    logLevel: (level as EffectiveConfig['logLevel'] | undefined) ?? file.agent.logLevel,
    uiPort: port !== undefined ? Number(port) : file.agent.uiPort,
    metricsPort: metricsOff ? null : metricsPort !== undefined ? Number(metricsPort) : file.agent.metricsPort,
    lockName: pick('lock-name') ?? file.agent.lockName,
    workers: workersMode(pick('workers'), file.agent.workers, flags.workers !== undefined),
    runtimeRepo: runtimeRepository(pick('runtime-image'), file.orchestrator.runtimeRepo, flags['runtime-image'] !== undefined),
    ...helperImageOf(pick('helper-image') ?? file.orchestrator.helperImage),
    internalPool: pick('internal-pool') ?? file.orchestrator.internalPool,
    runCommandTimeoutMs: file.orchestrator.runCommandTimeoutMs,
    stopTimeoutSec: file.orchestrator.stopTimeoutSec,
    runCommandAllowList: file.orchestrator.runCommandAllowList,
    runCommandMaxPerDevice: file.orchestrator.runCommandMaxPerDevice,
    runCommandMaxTotal: file.orchestrator.runCommandMaxTotal,
    parentPolicy: file.orchestrator.parentPolicy,
    shareCaBundle: file.orchestrator.shareCaBundle,
    updateCheckMs: file.orchestrator.updateCheckSeconds * 1000,
    minFreeDiskMb: file.orchestrator.minFreeDiskMb,
    arpProbeMs: file.orchestrator.arpProbeMs,
    gratuitousArp: file.orchestrator.gratuitousArp,
    plc: file.orchestrator.plc,
    serial: file.orchestrator.serial,
    debug: file.orchestrator.debug,
    netmonSocket: pick('netmon-socket'),
    dockerDaemonConfig: pick('docker-config') ?? file.orchestrator.dockerDaemonConfig,
  };
  return { ...config, sources: settingSources(config, fileKeys, env, flags) };
}
