import path from 'node:path';
import { setMaxListeners } from 'node:events';
import type Docker from 'dockerode';
import { writeCaBundle } from '../../lib/certs/bundle.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';
import { systemClock, type Clock } from '../../lib/time/clock.js';
import { WarningBoard, type FaultHook, type Logger, type OrchestratorContext, type VplcEvent } from './context.js';
import { DedicatedNics } from './dedicated/nics.js';
import { DhcpHelpers } from './dhcp/helpers.js';
import { Engine } from './docker/engine.js';
import { Executor } from './exec/executor.js';
import { HelperImage, NamedHelperImage } from './helper-image/helper-image.js';
import { defaultBusyboxCandidates } from './helper-image/rootfs.js';
import { HostSteps } from './hostnet/host-steps.js';
import { RetryBoard } from './lifecycle/retry-board.js';
import { hostSubnets, LocalInterfaceSource, type InterfaceSource } from './host/interfaces.js';
import { UsageRings } from './metrics/ring.js';
import { Networks } from './net/networks.js';
import { OperationState } from './ops/operation-state.js';
import { SerialDeviceCache } from './serial/device-cache.js';
import { SerialPortTracker } from './serial/ports.js';
import { OrchestratorSettings, type OrchestratorSettingsInput } from './settings.js';
import { StateStore } from './store/state-store.js';
import { WifiDhcpClients } from './wifi/dhcp.js';
import { WarningsFile } from './status/warnings-file.js';
import { HostProxyArpBridges } from './wifi/bridge.js';

export type ContextDeps = {
  settings: OrchestratorSettingsInput;
  docker?: Docker;
  interfaces?: InterfaceSource;
  clock?: Clock;
  log?: Logger;
  fault?: FaultHook;
  /** Subnets the internal pool must avoid besides Docker's (default: the host's routes). */
  avoidSubnets?: () => Promise<string[]>;
  /** Usage ring capacity (tests use a small one). */
  ringCapacity?: number;
};

/** The context plus the parts the orchestrator itself keeps: the usage rings, the event subscription, the shutdown switch. */
export type OpenedContext = {
  ctx: OrchestratorContext;
  rings: UsageRings;
  onEvent: (cb: (e: VplcEvent) => void) => () => void;
  /** Aborting it is the `ctx.shutdown` signal. */
  lifecycle: AbortController;
};

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * Reads the settings, the engine's facts and the persisted state, and builds the whole context at once: every member
 * is final when this returns (nothing is stubbed, swapped or reassigned later).
 */
export async function openContext(deps: ContextDeps): Promise<OpenedContext> {
  const settings = OrchestratorSettings.parse(deps.settings);
  if (settings.shareCaBundle) {
    const file = path.join(settings.dataDir, 'ca-bundle.pem');
    settings.caBundle = { file, sha256: await writeCaBundle(file, settings.shareCaBundle.caFile ? { caFile: settings.shareCaBundle.caFile } : {}) };
  }
  const log = deps.log ?? silent;
  const engine = new Engine(deps.docker, { warmHostHelperIdleMs: settings.probeHelperIdleMs, warn: (msg, data) => log.warn(msg, data) });
  await engine.describe();
  const store = new StateStore(settings.dataDir);
  await store.load();
  const clock = deps.clock ?? systemClock;
  const events = new TypedEmitter<{ vplc: [VplcEvent] }>((err) => log.warn('vPLC event listener failed', { err: String(err) }));
  const rings = new UsageRings(deps.ringCapacity ? { capacity: deps.ringCapacity } : {});
  const exec = new Executor(engine, log);
  const lifecycle = new AbortController();
  setMaxListeners(256, lifecycle.signal); // every parallel lifecycle wait listens on it
  const warningsFile = new WarningsFile(settings.dataDir, log);
  const warnings = new WarningBoard(warningsFile);
  const warningsProblem = await warningsFile.restoreInto(warnings, (n) => store.getDesired(n)?.tombstone === false);
  if (warningsProblem) store.problems.push(warningsProblem);
  const serial = new SerialDeviceCache({ paths: settings.serial, log });
  await serial.start();
  const helper = settings.helperImage ? new NamedHelperImage(engine.docker, settings.helperImage) : new HelperImage({ docker: engine.docker, exec, busyboxCandidates: settings.busyboxPaths ?? defaultBusyboxCandidates(settings.resourcesPath), log });
  const hostSteps = new HostSteps({ engine, helper, installationId: () => store.installationId, log });
  const wifiBridges = await HostProxyArpBridges.open({ engine, store, hostSteps, warnings, log }, (p) => store.problems.push(p));
  const base = {
    settings,
    engine,
    exec,
    store,
    ops: new OperationState(clock),
    networks: new Networks({ engine, exec, instance: store.installationId, internalPool: settings.internalPool, avoidSubnets: deps.avoidSubnets ?? hostSubnets, fault: deps.fault }),
    interfaces: deps.interfaces ?? new LocalInterfaceSource(),
    clock,
    log,
    emit: (e: VplcEvent): void => events.emit('vplc', e),
    helper,
    hostSteps,
    wifiBridges,
    fault: deps.fault ?? (() => undefined),
    warnings,
    // Learnt once per engine: a stored degraded vPLC means this host refuses the real-time ulimits.
    hostFacts: { rtLimitsRefused: store.desiredNames().some((n) => store.getDesired(n)?.degraded_ulimits === true) },
    usage: { register: (n: string) => rings.register(n), unregister: (n: string) => void rings.unregister(n) },
    ownStarts: new Set<string>(),
    retries: new RetryBoard(lifecycle.signal),
    serial,
    serialPorts: new SerialPortTracker({ engine, exec, store, serial, clock, log }),
    serialConfigs: store.serialConfigs,
    shutdown: lifecycle.signal,
  };
  const ctx: OrchestratorContext = { ...base, dhcp: new DhcpHelpers(base), dedicatedNics: new DedicatedNics(base), wifiDhcp: new WifiDhcpClients(base, wifiBridges) };
  for (const p of store.problems) log.error('persisted file was corrupt and has been moved aside', { ...p });
  return {
    ctx,
    rings,
    lifecycle,
    onEvent: (cb) => events.on('vplc', cb),
  };
}
