import type { ChangeReason } from '../../../shared/domain/operations.js';
import type { Clock } from '../../lib/time/clock.js';
import type { DedicatedNics } from './dedicated/nics.js';
import type { Engine } from './docker/engine.js';
import type { Executor } from './exec/executor.js';
import type { HelperImageSource } from './helper-image/helper-image.js';
import type { HostSteps } from './hostnet/host-steps.js';
import type { RetryBoard } from './lifecycle/retry-board.js';
import type { InterfaceSource } from './host/interfaces.js';
import type { Networks } from './net/networks.js';
import type { OperationState } from './ops/operation-state.js';
import type { SerialConfigs } from './serial/config-file.js';
import type { SerialDeviceCache } from './serial/device-cache.js';
import type { SerialPortTracker } from './serial/ports.js';
import type { OrchestratorSettings } from './settings.js';
import type { StateStore } from './store/state-store.js';
import type { ProxyArpBridges, WifiDhcp } from './wifi/types.js';

export type LogFn = (msg: string, data?: Record<string, unknown>) => void;
export type Logger = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };

export type VplcEvent =
  | { kind: 'changed'; name: string; reason: ChangeReason; /** What changed, in words (journal), when the reason alone does not say. */ detail?: string }
  | { kind: 'removed'; name: string }
  | { kind: 'restart-suspended'; name: string; restarts: number };

/** Runs DHCP for a vPLC's DHCP vNICs; DhcpHelpers is the helper-container implementation. */
export interface DhcpProvisioner {
  /** Starts or replaces DHCP clients for the vNICs (`only`: just these); returns one warning per vNIC that could not be served. */
  provision(vplc: string, containerId: string, only?: string[]): Promise<string[]>;
  stop(vplc: string): Promise<void>;
  /** Follows again the helpers that kept renewing while no agent ran. */
  adoptRunning(): Promise<void>;
  /** Agent shutdown: stop following; helpers keep running. */
  close(): void;
}

/** Test seam: throw from here to inject a failure at a named point of a pipeline. */
export type FaultHook = (point: string, vplc: string) => void | Promise<void>;

/** Everything the pipelines share; built complete, once, by `openContext` (context-factory.ts). */
export type OrchestratorContext = {
  settings: OrchestratorSettings;
  /** Reads from Docker; writes go through `exec`. */
  engine: Engine;
  /** Every Docker write, as steps with who asked and why, and the per-vPLC queue (`exec.serial`). */
  exec: Executor;
  store: StateStore;
  ops: OperationState;
  networks: Networks;
  interfaces: InterfaceSource;
  clock: Clock;
  log: Logger;
  emit: (e: VplcEvent) => void;
  dhcp: DhcpProvisioner;
  /** The host-side DHCP clients of WiFi vNICs, which build each vNIC's bridge from its lease (docs/host-nics.md "WiFi DHCP"). */
  wifiDhcp: WifiDhcp;
  /** The image of every helper container (DHCP client, MAC checks, ARP probes): local, never pulled. */
  helper: HelperImageSource;
  /** Host-network work (dedicated NICs, proxy-ARP bridges, host sysctls) in short-lived helpers (docs/host-nics.md). */
  hostSteps: HostSteps;
  /** The proxy-ARP bridges of WiFi vNICs (docs/host-nics.md "WiFi vNICs"). */
  wifiBridges: ProxyArpBridges;
  fault: FaultHook;
  /** Per-vPLC warnings shown in `orchestrator_state.warnings`; keyed by source so each can be replaced. */
  warnings: WarningBoard;
  /** Host facts learned at run time (e.g. the engine refuses real-time ulimits; `rtLimitsProbe`: create/rt-limits.ts). */
  hostFacts: { rtLimitsRefused: boolean; rtLimitsProbe?: Promise<void> };
  /** Usage history per vPLC: kept from its create to its delete. */
  usage: { register(name: string): void; unregister(name: string): void };
  /** Container ids the agent is starting itself, so their Docker `start` events do not re-provision a second time. */
  ownStarts: Set<string>;
  /** Repairs retried with backoff until they succeed (MACs on the wire). */
  retries: RetryBoard;
  /** The host's serial devices, kept current by inotify (docs/serial.md). */
  serial: SerialDeviceCache;
  /** The live state of each vPLC's serial ports and their nodes in its container (docs/serial.md "Port status"). */
  serialPorts: SerialPortTracker;
  /** `data/serial_configs.json` (the store's): ports in effect per vPLC and their last state (`recordState`). */
  serialConfigs: SerialConfigs;
  /** Aborted when the agent shuts down; long waits (runtime probe, boot sync) give up on it. */
  shutdown: AbortSignal;
  /** Host NICs given whole to a vPLC: moved in, handed back, where each is (docs/host-nics.md "Dedicated NICs"). */
  dedicatedNics: DedicatedNics;
};

/** What the DHCP provisioner needs: the context it is part of, less itself. */
export type DhcpContext = Omit<OrchestratorContext, 'dhcp' | 'dedicatedNics' | 'wifiDhcp'>;

/** Where a WarningBoard keeps its warnings across agent restarts (status/warnings-file.ts). */
export interface WarningSink {
  save(board: WarningBoard): void;
  /** Resolves once every requested save is on disk. */
  flushed(): Promise<void>;
  /** Deletes what was saved; later saves are ignored (self-destruct). */
  remove(): Promise<void>;
}

/** Warnings per vPLC, each under a key so a later success can clear it; every change goes to the sink. */
export class WarningBoard {
  private readonly byVplc = new Map<string, Map<string, string>>();

  constructor(private readonly sink?: WarningSink) {}

  set(vplc: string, key: string, text: string): void {
    let m = this.byVplc.get(vplc);
    if (!m) this.byVplc.set(vplc, (m = new Map()));
    if (m.get(key) === text) return;
    m.set(key, text);
    this.changed();
  }
  clear(vplc: string, key?: string): void {
    const removed = key === undefined ? this.byVplc.delete(vplc) : (this.byVplc.get(vplc)?.delete(key) ?? false);
    if (removed) this.changed();
  }
  clearPrefix(vplc: string, prefix: string): void {
    const m = this.byVplc.get(vplc);
    if (!m) return;
    let removed = false;
    for (const k of [...m.keys()]) if (k.startsWith(prefix)) removed = m.delete(k) || removed;
    if (removed) this.changed();
  }
  list(vplc: string): string[] {
    return [...(this.byVplc.get(vplc)?.values() ?? [])];
  }

  /** Every warning by vPLC and key (what the sink writes). */
  snapshot(): Record<string, Record<string, string>> {
    const out: Record<string, Record<string, string>> = {};
    for (const [vplc, m] of this.byVplc) if (m.size) out[vplc] = Object.fromEntries(m);
    return out;
  }

  /** Takes back warnings saved earlier, without saving them again. */
  restore(records: Record<string, Record<string, string>>): void {
    for (const [vplc, keyed] of Object.entries(records)) {
      const m = new Map(Object.entries(keyed));
      if (m.size) this.byVplc.set(vplc, m);
    }
  }

  flushed(): Promise<void> {
    return this.sink?.flushed() ?? Promise.resolve();
  }

  /** Forgets every warning and deletes the saved ones (self-destruct). */
  async wipe(): Promise<void> {
    this.byVplc.clear();
    await this.sink?.remove();
  }

  private changed(): void {
    this.sink?.save(this);
  }
}
