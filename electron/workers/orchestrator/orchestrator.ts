import { setMaxListeners } from 'node:events';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { refusal, type Refusal } from '../../../shared/api/errors.js';
import { VplcSpec, type Requester } from '../../../shared/domain/vplc.js';
import type { NetworkChangeData } from '../../../shared/netmon/events.js';
import { TypedEmitter } from '../../lib/events/typed-emitter.js';
import { KeyedLock } from '../../lib/sync/keyed-lock.js';
import { systemClock, type Clock } from '../../lib/time/clock.js';
import { WarningBoard, type DhcpProvisioner, type FaultHook, type Logger, type OrchestratorContext, type VplcEvent } from './context.js';
import { runCreate, type RuntimeProbe } from './create/pipeline.js';
import { policyRefusal } from './create/validate.js';
import { runtimeImageRef } from './create/image.js';
import { runDelete } from './delete/pipeline.js';
import { Engine } from './docker/engine.js';
import { EngineHealth } from './docker/engine-health.js';
import { OutageRecovery, type OutageReport } from './lifecycle/engine-recovery.js';
import { DhcpHelpers } from './dhcp/helpers.js';
import { dockerMessage } from './docker/errors.js';
import { isOwn } from './docker/labels.js';
import { alwaysReady, hostSubnets, LocalInterfaceSource, type InterfaceSource, type NetworkReadiness } from './host/interfaces.js';
import { readLinkFacts, type LinkFacts } from './host/parent-policy.js';
import { adoptExisting, type AdoptResult } from './lifecycle/adopt.js';
import { bootSync } from './lifecycle/boot-sync.js';
import { writeCaBundle } from '../../lib/certs/bundle.js';
import { Reconciler } from './reconcile/reconciler.js';
import { ImageUpdater } from './update/updater.js';
import { dependencyCycle } from './lifecycle/dependencies.js';
import { resumeInterrupted } from './lifecycle/resume.js';
import { shouldRunAutomatically, VplcControl, type ControlResult } from './lifecycle/control.js';
import { CrashGuard } from './lifecycle/crash-guard.js';
import { Watchdog } from './lifecycle/watchdog.js';
import { HostMetricsReader } from './metrics/host.js';
import { UsageRings } from './metrics/ring.js';
import type { HostSample } from './metrics/sampler.js';
import { UsageService } from './metrics/usage-service.js';
import { Networks } from './net/networks.js';
import { OperationState } from './ops/operation-state.js';
import { closeNetworking, reattacherFor, type Reattacher } from './reattach/index.js';
import { admitRunCommand, ConcurrencyGate, dockerStateLookup } from './runtime/admission.js';
import { RuntimeProxy } from './runtime/proxy.js';
import { probeRuntime } from './runtime/tls-pin.js';
import { RuntimeAccess } from './runtime-access.js';
import type { RunCommandOutcome, RunCommandRequest } from './runtime/types.js';
import { ORCHESTRATOR_ID, runSelfDestruct } from './self-destruct.js';
import { OrchestratorSettings, type OrchestratorSettingsInput } from './settings.js';
import { managedDeviceConsumption, orchestratorConsumption } from './status/consumption.js';
import { deviceStatus, type DeviceStatus } from './status/device-status.js';
import { listVplcs, logTail, vplcMetrics, type VplcMetrics, type VplcSummary } from './status/list.js';
import { hostWarnings } from './status/host-warnings.js';
import { StateStore } from './store/state-store.js';

export type OrchestratorDeps = {
  settings: OrchestratorSettingsInput;
  docker?: Docker;
  interfaces?: InterfaceSource;
  readiness?: NetworkReadiness;
  dhcp?: DhcpProvisioner;
  clock?: Clock;
  log?: Logger;
  fault?: FaultHook;
  probe?: RuntimeProbe;
  /** Subnets the internal pool must avoid besides Docker's (default: the host's routes). */
  avoidSubnets?: () => Promise<string[]>;
  /** Usage ring capacity (tests use a small one). */
  ringCapacity?: number;
  /** Link kinds and sysfs facts of the host's interfaces (default: `ip -details` and /sys/class/net). */
  linkFacts?: () => Promise<Map<string, LinkFacts>>;
};

export type CreateAck =
  | { status: 'creating'; container_id: string; message: string; operation_id: string }
  | Refusal;
export type SelfDestructAck = { status: 'accepted'; message: string; poll_device_id: string } | { status: 'error'; error: string };
export type DeleteAck = { status: 'deleting'; device_id: string; message: string } | Refusal;

export type { VplcSummary };

const silent: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * The orchestrator core: create/delete pipelines, lifecycle, status, run_command and usage over one Docker engine.
 * Plain Node; the orchestrator worker and the tests drive it directly.
 *
 * INVARIANTS
 * - Every container, network and helper it creates carries this installation's labels; nothing else is touched.
 * - Background work (pipelines, lifecycle) is tracked and awaited by `close()`, which never stops a vPLC.
 */
export class Orchestrator {
  private readonly lock = new KeyedLock();
  private readonly listeners = new TypedEmitter<{ vplc: [VplcEvent] }>((err) => this.ctx.log.warn('vPLC event listener failed', { err: String(err) }));
  private readonly background = new Set<Promise<unknown>>();
  private destructing = false;
  private watchdog?: Watchdog;
  /** Whether the engine answers; an outage is not a crash (docs/lifecycle.md "Engine outages"). */
  readonly health: EngineHealth;
  private readonly recovery: OutageRecovery;
  private readonly usage: UsageService;
  readonly guard: CrashGuard;
  readonly control: VplcControl;
  readonly rings: UsageRings;
  readonly proxy: RuntimeProxy;
  private readonly runGate: ConcurrencyGate;
  /** Subnet-follow repair (docs/protocol.md §8); `onEvent` there reports each re-attachment. */
  readonly reattacher: Reattacher;
  private readonly hostReader = new HostMetricsReader();
  private readonly probe: RuntimeProbe;
  /** The desired-state loop; started after boot sync so the two never race at start-up. */
  readonly reconciler: Reconciler;
  /** EXTEND auto_update: registry digest checks; the reconciler applies what it pulls. */
  readonly updater: ImageUpdater;
  adoption?: AdoptResult;

  private constructor(
    readonly ctx: OrchestratorContext,
    private readonly lifecycleAbort: AbortController,
    private readonly readiness: NetworkReadiness,
    probe: RuntimeProbe | undefined,
    ringCapacity: number | undefined,
    private readonly linkFacts: () => Promise<Map<string, LinkFacts>>,
  ) {
    const w = ctx.settings.watchdog;
    this.guard = new CrashGuard(w.maxRestarts, w.windowMs, () => ctx.clock.monotonic());
    this.health = new EngineHealth(ctx.engine.docker, ctx.clock, ctx.log, { probeMs: w.engineProbeMs, pingTimeoutMs: 2_000, shutdownGraceMs: w.engineHoldMs });
    // Reconcile and updates wait out an outage and the recovery after it, which starts the stopped vPLCs itself.
    const paused = (): boolean => this.destructing || this.recovery.running || !this.health.isUp();
    this.control = new VplcControl(ctx, this.lock, this.guard);
    this.reattacher = reattacherFor(ctx, this.lock);
    this.rings = new UsageRings(ringCapacity ? { capacity: ringCapacity } : {});
    this.usage = new UsageService(ctx, this.rings);
    ctx.usage.register = (n) => this.rings.register(n);
    ctx.usage.unregister = (n) => void this.rings.unregister(n);
    const access = new RuntimeAccess(ctx);
    this.probe = probe ?? ((vplc, ip) => probeRuntime(ip, 8443, 1_000, { deviceId: vplc, pins: access.pins }));
    this.updater = new ImageUpdater(ctx, paused);
    this.recovery = new OutageRecovery({ ctx, control: this.control, guard: this.guard, readiness, probe: this.probe, signal: lifecycleAbort.signal });
    this.reconciler = new Reconciler({ paused, signal: lifecycleAbort.signal, updater: this.updater, ctx, lock: this.lock, guard: this.guard, control: this.control, probe: this.probe, track: (p) => this.track(p) });
    this.proxy = new RuntimeProxy({
      resolveTarget: (id) => access.target(id, false),
      refreshTarget: (id) => access.target(id, true),
      pins: access.pins,
      options: { ...ctx.settings.runCommand },
    });
    this.runGate = new ConcurrencyGate({ perDevice: ctx.settings.runCommand.maxPerDevice, total: ctx.settings.runCommand.maxTotal });
  }

  static async open(deps: OrchestratorDeps): Promise<Orchestrator> {
    const settings = OrchestratorSettings.parse(deps.settings);
    if (settings.shareCaBundle) {
      const file = path.join(settings.dataDir, 'ca-bundle.pem');
      settings.caBundle = { file, sha256: await writeCaBundle(file, settings.shareCaBundle.caFile ? { caFile: settings.shareCaBundle.caFile } : {}) };
    }
    const engine = new Engine(deps.docker);
    await engine.describe();
    const store = new StateStore(settings.dataDir);
    await store.load();
    const clock = deps.clock ?? systemClock;
    const log = deps.log ?? silent;
    const emitter = { emit: (_e: VplcEvent): void => undefined };
    const lifecycleAbort = new AbortController();
    setMaxListeners(256, lifecycleAbort.signal); // every parallel lifecycle wait listens on it
    const ctx: OrchestratorContext = {
      settings,
      engine,
      store,
      ops: new OperationState(clock),
      networks: new Networks({ engine, instance: store.installationId, internalPool: settings.internalPool, avoidSubnets: deps.avoidSubnets ?? hostSubnets, fault: deps.fault }),
      interfaces: deps.interfaces ?? new LocalInterfaceSource(),
      clock,
      log,
      emit: (e) => emitter.emit(e),
      dhcp: deps.dhcp as DhcpProvisioner,
      fault: deps.fault ?? (() => undefined),
      warnings: new WarningBoard(),
      // Learnt once per engine: a stored degraded vPLC means this host refuses the real-time ulimits.
      hostFacts: { rtLimitsRefused: store.desiredNames().some((n) => store.getDesired(n)?.degraded_ulimits === true) },
      usage: { register: () => undefined, unregister: () => undefined },
      ownStarts: new Set(),
      shutdown: lifecycleAbort.signal,
    };
    ctx.dhcp = deps.dhcp ?? new DhcpHelpers(ctx);
    for (const p of store.problems) log.error('persisted file was corrupt and has been moved aside', { ...p });
    const orch = new Orchestrator(ctx, lifecycleAbort, deps.readiness ?? alwaysReady, deps.probe, deps.ringCapacity, deps.linkFacts ?? (() => readLinkFacts()));
    emitter.emit = (e) => orch.listeners.emit('vplc', e);
    orch.adoption = await adoptExisting(ctx);
    // DHCP helpers kept renewing while no agent ran: follow them again so lease changes are recorded.
    if (ctx.dhcp instanceof DhcpHelpers) await ctx.dhcp.adoptRunning().catch((err: unknown) => log.warn('DHCP helpers could not be adopted', { err: (err as Error).message }));
    return orch;
  }

  get installationId(): string {
    return this.ctx.store.installationId;
  }

  /** Host-level health warnings with their fix (shown in status, tray and UI). */
  hostWarnings = (): Promise<string[]> => hostWarnings(this.ctx);

  /** A netmon `network_change` (already debounced by the monitor): re-attachment starts at once. Never rejects. */
  onNetworkChange(data: NetworkChangeData): Promise<void> {
    return this.reattacher.handle(data);
  }

  /** One report per engine outage, after the recovery that followed it. */
  onEngineOutage = (cb: (r: OutageReport) => void): (() => void) => this.recovery.onReport(cb);

  onEvent(cb: (e: VplcEvent) => void): () => void {
    return this.listeners.on('vplc', cb);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => undefined);
    return p;
  }

  /** Watchdog, usage sampling, resumption of interrupted operations, then boot sync; the health poll follows boot sync. */
  startLifecycle(options: { sampleUsage?: boolean; reconcile?: boolean } = {}): Promise<string[]> {
    const ctx = this.ctx;
    const watchdog = new Watchdog({
      ctx,
      guard: this.guard,
      health: this.health,
      restart: (name) => this.control.autoStartOutcome(name, 'watchdog'),
      onStart: (name, id) => this.control.onStartEvent(name, id),
      onContainerEvent: (id) => this.usage.forget(id),
      isBusy: (name) => this.lock.busy(name),
      mayRun: (name) => !this.destructing && !this.recovery.running && shouldRunAutomatically(ctx, name),
    });
    this.watchdog = watchdog;
    this.health.onChange((st, ended) => {
      if (st.kind === 'up' && ended) void this.track(this.recovery.run(ended).then(() => watchdog.poll()));
    });
    watchdog.start();
    if (options.sampleUsage !== false) this.usage.start();
    if (this.adoption) resumeInterrupted(ctx, this.adoption, (name, fn) => void this.track(this.lock.run(name, fn)), this.probe);
    return this.track(
      bootSync(ctx, this.control, this.readiness, this.lifecycleAbort.signal, this.probe)
        .catch((err: unknown) => {
          ctx.log.warn('boot sync failed', { err: dockerMessage(err) });
          return [];
        })
        .finally(() => {
          watchdog.startPolling();
          if (options.reconcile !== false && !this.lifecycleAbort.signal.aborted) {
            this.reconciler.start();
            this.updater.start();
          }
        }),
    );
  }

  onHostSample(cb: (s: HostSample) => void): () => void {
    return this.usage.onSample(cb);
  }

  latestHostSample(): HostSample | null {
    return this.usage.latest();
  }

  async sampleUsageOnce(): Promise<void> {
    await this.usage.sampleOnce();
  }

  // Commands ------------------------------------------------------------------

  /** The synchronous part of docs/protocol.md §4.1; the pipeline then runs in the background. */
  async create(spec: VplcSpec, requestedBy: Requester): Promise<CreateAck> {
    try {
      return await this.createChecked(spec, requestedBy);
    } catch (err) {
      return { status: 'error', error: dockerMessage(err) };
    }
  }

  private async createChecked(input: VplcSpec, requestedBy: Requester): Promise<CreateAck> {
    const { ctx } = this;
    if (this.destructing) return { status: 'error', error: 'Self-destruct operation in progress' };
    const parsed = VplcSpec.safeParse(input);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return { status: 'error', error: `Validation error: ${issue?.path.join('.') || 'spec'}: ${issue?.message ?? 'invalid'}` };
    }
    const spec = parsed.data;
    const name = spec.name;
    const ifaces = await ctx.interfaces.list();
    for (const v of spec.vnics) {
      if (ifaces.find((i) => i.name === v.parentInterface)?.type === 'wifi') {
        return { status: 'error', error: `WiFi vNIC '${v.name}' (parent ${v.parentInterface}) is not supported by this agent yet` };
      }
    }
    // The local policy decides; nothing in a request widens it.
    const refused = policyRefusal(spec, ifaces, ctx.settings.parentPolicy, spec.vnics.length > 0 ? await this.linkFacts() : new Map());
    if (refused) return { status: 'error', error: `Validation error: ${refused}` };
    const busy = this.inFlightRefusal(name);
    if (busy) return busy;
    if (ctx.store.getDesired(name) || (await ctx.engine.inspectNamed(name))) return refusal('CONFLICT', 'Container name is already in use', 'name');
    const cycle = dependencyCycle(name, spec.dependsOn ?? [], (n) => ctx.store.getDesired(n)?.spec?.dependsOn ?? []);
    if (cycle) return { status: 'error', error: `depends_on would form a cycle: ${cycle.join(' → ')}` };
    const raced = this.begin(name, 'create');
    if (raced) return raced;
    ctx.warnings.clear(name);
    const opId = randomUUID();
    const now = new Date().toISOString();
    try {
      // The acknowledged create is on disk before the ack, so it survives a power cut.
      await ctx.store.putDesired(name, {
        desired_state: 'running',
        created_at: now,
        updated_at: now,
        spec,
        runtime_image: runtimeImageRef(ctx.settings.runtimeRepo, spec.runtimeVersion),
        degraded_ulimits: false,
        tombstone: false,
        depends_on: spec.dependsOn ?? [],
        auto_update: spec.autoUpdate ?? false,
      });
    } catch (err) {
      ctx.ops.finish(name);
      return { status: 'error', error: `Could not record the vPLC: ${(err as Error).message}` };
    }
    ctx.log.info('create accepted', { vplc: name, op: opId, requestedBy });
    this.track(this.lock.run(name, () => runCreate(ctx, spec, opId, requestedBy, this.probe)));
    return { status: 'creating', container_id: name, message: `Container creation started for ${name}`, operation_id: opId };
  }

  /** Waits until no create/delete is in flight for the name (tests, CLI). */
  async settled(name?: string): Promise<void> {
    while ([...this.background].length > 0) {
      await Promise.allSettled([...this.background]);
      if (name && !this.ctx.ops.inProgress(name)) return;
    }
  }

  async delete(name: string, requestedBy: Requester): Promise<DeleteAck> {
    try {
      return await this.deleteChecked(name, requestedBy);
    } catch (err) {
      return { status: 'error', error: dockerMessage(err) };
    }
  }

  private inFlightRefusal(name: string): { status: 'error'; error: string } | null {
    const op = this.ctx.ops.inProgress(name);
    return op ? { status: 'error', error: `Container ${name} already has a ${op} operation in progress` } : null;
  }

  /** Starts the operation, or refuses when another request for the name got in while we looked at Docker. */
  private begin(name: string, op: 'create' | 'delete'): { status: 'error'; error: string } | null {
    if (this.ctx.ops.begin(name, op)) return null;
    return this.inFlightRefusal(name) ?? { status: 'error', error: `Failed to start operation for ${name}` };
  }

  private async deleteChecked(name: string, requestedBy: Requester): Promise<DeleteAck> {
    const { ctx } = this;
    if (this.destructing) return { status: 'error', error: 'Self-destruct operation in progress' };
    if (name === ORCHESTRATOR_ID) return refusal('FORBIDDEN', `Container ${name} is not managed by this orchestrator`);
    const busy = this.inFlightRefusal(name);
    if (busy) return busy;
    const info = await ctx.engine.inspectNamed(name);
    if (info && !isOwn(info.Config.Labels, this.installationId, 'vplc')) {
      return refusal('FORBIDDEN', `Container ${name} is not managed by this orchestrator`);
    }
    // Nothing of ours by that exact name: refused, so an ID prefix or a stray name changes nothing.
    if (!info && !ctx.store.getDesired(name) && ctx.store.getVnics(name).length === 0) return { status: 'error', error: `Device not found: ${name}` };
    const raced = this.begin(name, 'delete');
    if (raced) return raced;
    ctx.log.info('delete accepted', { vplc: name, requestedBy });
    this.track(this.lock.run(name, () => runDelete(ctx, name, requestedBy)));
    return { status: 'deleting', device_id: name, message: `Container deletion started for ${name}` };
  }

  start(name: string, by: Requester): Promise<ControlResult> {
    return this.control.start(name, by);
  }
  stop(name: string, by: Requester): Promise<ControlResult> {
    return this.control.stop(name, by);
  }
  restart(name: string, by: Requester): Promise<ControlResult> {
    return this.control.restart(name, by);
  }

  async status(name: string): Promise<DeviceStatus> {
    const s: DeviceStatus = await deviceStatus(this.ctx, this.guard, name, () => undefined, (n) => this.lock.busy(n)).catch((err: unknown) => ({
      status: 'error',
      device_id: name,
      error: `Failed to retrieve container status: ${dockerMessage(err)}`,
    }));
    const pending = this.reconciler.pendingFor(name);
    const state = s['orchestrator_state'];
    if (s.status === 'success' && state && typeof state === 'object') (state as Record<string, unknown>)['pending_changes'] = pending;
    return s;
  }

  /**
   * An explicit confirm (UI, CLI or cloud): opens the change window of a vPLC for its pending change and runs a
   * reconcile cycle now. Answers before the cycle ends; its progress shows in the status.
   */
  async applyPendingChanges(name: string, by: Requester): Promise<{ status: 'success'; message: string } | { status: 'error'; error: string }> {
    const d = this.ctx.store.getDesired(name);
    if (!d) return { status: 'error', error: `Device ${name} not found` };
    this.reconciler.confirm(name);
    this.ctx.log.info('pending changes confirmed', { vplc: name, by });
    void this.reconciler.runOnce(this.lifecycleAbort.signal).catch(() => undefined);
    return { status: 'success', message: `Applying the pending changes of ${name}` };
  }

  list(): Promise<VplcSummary[]> {
    return listVplcs(this.ctx, this.guard, (n) => this.lock.busy(n));
  }

  /** Per-vPLC figures for the metrics endpoint: one Docker list call plus the latest usage samples in memory. */
  async vplcMetrics(): Promise<VplcMetrics[]> {
    return vplcMetrics(await this.list(), this.rings, this.guard, this.ctx.clock.now());
  }

  /** The last lines of a managed vPLC's container log (stdout and stderr, in order). */
  logTail(name: string, tail: number): Promise<string[]> {
    return logTail(this.ctx, name, tail);
  }

  /** docs/protocol.md §4.4 through the admission checks (exact vPLC, running, concurrency caps) of runtime/admission.ts. */
  runCommand(req: RunCommandRequest): Promise<RunCommandOutcome> {
    return admitRunCommand(req, { gate: this.runGate, lookup: dockerStateLookup(this.ctx.engine, this.installationId), run: (r) => this.proxy.run(r) });
  }

  consumptionDevice(deviceId: string, cpuPeriod?: string | null, memoryPeriod?: string | null): Promise<Record<string, unknown>> {
    return managedDeviceConsumption(this.ctx, this.rings, deviceId, cpuPeriod, memoryPeriod);
  }

  async consumptionOrchestrator(cpuPeriod?: string | null, memoryPeriod?: string | null): Promise<Record<string, unknown>> {
    const [ifaces, facts] = await Promise.all([this.ctx.interfaces.list(), this.hostReader.readFacts()]);
    return orchestratorConsumption(ifaces, facts, this.rings, cpuPeriod, memoryPeriod, Math.floor(this.ctx.clock.now() / 1000));
  }

  /** docs/protocol.md §4.3; `removeSelf` is the cloud link's part (credentials, link state). */
  selfDestruct(removeSelf: () => Promise<void>): SelfDestructAck {
    if (this.ctx.ops.inProgress(ORCHESTRATOR_ID) || !this.ctx.ops.begin(ORCHESTRATOR_ID, 'delete')) {
      return { status: 'error', error: 'Self-destruct operation already in progress' };
    }
    this.destructing = true;
    this.ctx.ops.setStep(ORCHESTRATOR_ID, 'starting');
    this.track(
      runSelfDestruct(this.ctx, removeSelf, (name, fn) => this.lock.run(name, fn)).finally(() => {
        // A failed self-destruct may be retried; a finished one leaves nothing to guard.
        this.destructing = false;
      }),
    );
    return {
      status: 'accepted',
      message: "Self-destruct initiated. Poll get_device_status with device_id='__orchestrator__' for progress.",
      poll_device_id: ORCHESTRATOR_ID,
    };
  }

  /**
   * Stops the agent's own loops; vPLCs keep running. Operations still in flight get `graceMs` to finish
   * (docs/protocol.md §12: 30 s shutdown budget); whatever is cut off is journalled and resumed or rolled back next start.
   */
  async close(options: { graceMs?: number } = {}): Promise<void> {
    this.lifecycleAbort.abort(new Error('orchestrator closing'));
    this.health.close();
    this.watchdog?.stop();
    this.reconciler.stop();
    this.updater.stop();
    this.usage.stop();
    await closeNetworking(this.ctx, this.reattacher);
    const graceMs = options.graceMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      Promise.allSettled([...this.background]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!settled) this.ctx.log.warn('shutdown: operations still running after the grace period; they resume at the next start', { graceMs });
    await this.hostReader.close();
  }
}
