import type { EffectiveConfig } from './layers.js';

/**
 * The orchestrator worker's settings (its schema: electron/workers/orchestrator/settings.ts) from the effective config.
 * `resourcesPath`: Electron's resources folder, which a worker thread may not see; the packaged app ships a busybox there.
 */
export function orchestratorWorkerSettings(config: Omit<EffectiveConfig, 'sources'>, resourcesPath: string | undefined): Record<string, unknown> {
  return {
    dataDir: config.dataDir,
    runtimeRepo: config.runtimeRepo,
    ...(config.helperImage ? { helperImage: config.helperImage } : {}),
    ...(resourcesPath ? { resourcesPath } : {}),
    internalPool: config.internalPool,
    stopTimeoutSec: config.stopTimeoutSec,
    runCommand: {
      timeoutMs: config.runCommandTimeoutMs,
      maxPerDevice: config.runCommandMaxPerDevice,
      maxTotal: config.runCommandMaxTotal,
      ...(config.runCommandAllowList ? { allowList: config.runCommandAllowList } : {}),
    },
    parentPolicy: config.parentPolicy,
    updates: { checkMs: config.updateCheckMs, minFreeDiskMb: config.minFreeDiskMb },
    arpProbeMs: config.arpProbeMs,
    gratuitousArp: config.gratuitousArp,
    plc: config.plc,
    serial: config.serial,
    debug: config.debug,
    dockerDaemonConfig: config.dockerDaemonConfig,
    ...(config.shareCaBundle ? { shareCaBundle: config.caFile ? { caFile: config.caFile } : {} } : {}),
  };
}
