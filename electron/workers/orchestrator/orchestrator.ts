import type Docker from 'dockerode';
import type { VplcSpec, Requester } from '../../../shared/domain/vplc.js';
import type { NetworkChangeData } from '../../../shared/netmon/events.js';
import type { Clock } from '../../lib/time/clock.js';
import type { FaultHook, Logger, OrchestratorContext, VplcEvent } from './context.js';
import { openContext } from './context-factory.js';
import { runCreate, type RuntimeProbe } from './create/pipeline.js';
import { runDelete } from './delete/pipeline.js';
import type { OutageReport } from './lifecycle/engine-recovery.js';
import { dockerMessage } from './docker/errors.js';
import { enableLiveRestore, liveRestoreView } from './docker/live-restore.js';
import { alwaysReady, type HostIface, type InterfaceSource, type NetworkReadiness } from './host/interfaces.js';
import { readLinkFacts, type LinkFacts } from './host/parent-policy.js';
import { interfaceView } from './host/interface-view.js';
import type { DedicatedMark } from './cloud/host-interfaces.js';
import { isDedicatedChange, markDedicated } from './dedicated/interface-marks.js';
import type { HostInterfaceView } from '../../../shared/domain/host.js';
import { adoptExisting, type AdoptResult } from './lifecycle/adopt.js';
import { Automation } from './lifecycle/automation.js';
import type { ControlResult } from './lifecycle/control.js';
import { nudgesReconcile } from './reconcile/nudge-filter.js';
import type { ReconcileReport } from './reconcile/reconciler.js';
import type { UpdateCheck } from './update/updater.js';
import { HostMetricsReader } from './metrics/host.js';
import type { CpuPoint, MemoryPoint, UsageRings } from './metrics/ring.js';
import type { HostSample } from './metrics/sampler.js';
import { UsageService } from './metrics/usage-service.js';
import { listVnics } from './edit/vnics.js';
import { outcomeDetail } from './ops/outcome-detail.js';
import type { VnicView } from '../../../shared/api/contract.js';
import { acceptEdit, withKeptMacs, type EditAck } from './edit/edit.js';
import { desiredSpec } from './edit/serial-ports.js';
import { wireSerialPorts } from './serial/wiring.js';
import { closeNetworking, reattacherFor, type Reattacher, type ReattachEvent } from './reattach/index.js';
import { admitRunCommand, ConcurrencyGate, dockerStateLookup } from './runtime/admission.js';
import { RuntimeProxy } from './runtime/proxy.js';
import { RuntimeAccess, runtimeProbe } from './runtime-access.js';
import type { RunCommandOutcome, RunCommandRequest } from './runtime/types.js';
import { acceptCreate, acceptDelete, type CreateAck, type DeleteAck } from './requests.js';
import { ORCHESTRATOR_ID, runSelfDestruct } from './self-destruct.js';
import type { OrchestratorSettings, OrchestratorSettingsInput } from './settings.js';
import { managedDeviceConsumption, orchestratorConsumption } from './status/consumption.js';
import { deviceStatus, type DeviceStatus } from './status/device-status.js';
import { listVplcs, logTail, vplcMetrics, type VplcMetrics, type VplcSummary } from './status/list.js';
import { RuntimeAnswers, runtimeTarget, runtimeTargets } from './status/runtime-answers.js';
import { hostWarnings } from './status/host-warnings.js';
import type { DesiredRecord, PersistedVnic } from './store/schemas.js';
import { RuntimeImages } from './images/runtime-images.js';
import { createPlcSubsystem, type PlcSubsystem } from './plc/index.js';
import type { PlcSessions } from './plc/types.js';
import { RuntimeDebugBridge } from './debug/bridge.js';
import { GuardedDebugBridge } from './debug/guarded.js';
import { DebugSessionRegistry } from './debug/sessions.js';
import { closesDebugSessions } from './debug/events.js';
import { liveVarsFor, type LiveVars } from './debug/live-vars-wiring.js';
import { ForcedMarks } from './debug/live-vars.js';
import type { SerialChange, SerialInventory, SerialPortsChange } from '../../../shared/domain/serial.js';

export type OrchestratorDeps = {
  settings: OrchestratorSettingsInput;
  docker?: Docker;
  interfaces?: InterfaceSource;
  readiness?: NetworkReadiness;
  clock?: Clock;
  log?: Logger;
  fault?: FaultHook;
  probe?: RuntimeProbe;
  /** Subnets the internal pool must avoid besides Docker's (default: the host's routes). */
  avoidSubnets?: () => Promise<string[]>;
  /** Usage ring capacity (tests use a small one). */
  ringCapacity?: number;
  /** Link kinds and sysfs facts of the host's interfaces (default: host/link-facts.ts; fixed-refused names get placeholders). */
  linkFacts?: () => Promise<Map<string, LinkFacts>>;
  /** The PLC sessions to use instead of the ones built from the stored runtime credentials (tests). */
  plcSessions?: PlcSessions;
};

export type { CreateAck, DeleteAck };
export type SelfDestructAck = { status: 'accepted'; message: string; poll_device_id: string } | { status: 'error'; error: string };
export type { VplcSummary };

/**
 * The orchestrator core: create/delete pipelines, lifecycle, status, run_command and usage over one Docker engine.
 * Plain Node; the orchestrator worker and the tests drive it through its public methods only.
 *
 * INVARIANTS
 * - Every container, network and helper it creates carries this installation's labels; nothing else is touched.
 * - Every Docker write goes through `ctx.exec` (docs/architecture.md "Who writes to Docker"), and every change to a
 *   vPLC runs in that vPLC's executor queue.
 * - Background work (pipelines, lifecycle) is tracked and awaited by `close()`, which never stops a vPLC.
 */
export class Orchestrator {
  private readonly background = new Set<Promise<unknown>>();
  private readonly unfollowSerial: () => void;
  private destructing = false;
  private readonly auto: Automation;
  private readonly usage: UsageService;
  private readonly proxy: RuntimeProxy;
  private readonly runGate: ConcurrencyGate;
  /** Subnet-follow repair (docs/protocol.md §8). */
  private readonly reattacher: Reattacher;
  private readonly hostReader = new HostMetricsReader();
  private readonly probe: RuntimeProbe;
  /** Whether each vPLC's runtime answered its last probe (a fact of its health). */
  private readonly answers: RuntimeAnswers;
  /** Starts the periodic runtime probe (every `runtimeProbeMs`, spread; docs/status.md "Runtime answers"). */
  private readonly startRuntimeProbes: () => void;
  /** Local runtime images: list, and load from a `docker save` archive. */
  readonly images: RuntimeImages;
  /** The PLC inside each vPLC: credentials, PLC actions, state and scan-cycle monitoring (docs/plc.md). */
  readonly plc: PlcSubsystem;
  /** The debug bridge to each vPLC's runtime (docs/debug.md): cloud debug messages (WebRTC, run_command), behind the allow-list. */
  readonly debug: GuardedDebugBridge;
  /** The runtime debug sessions behind it, also used by the local live variables (docs/debug.md). */
  readonly debugSessions: DebugSessionRegistry;
  /** Live variables of each vPLC for the local UI, over `debugSessions` (docs/debug.md "Live variables"). */
  readonly liveVars: LiveVars;

  private constructor(
    private readonly ctx: OrchestratorContext,
    private readonly rings: UsageRings,
    /** Subscribes to the context's vPLC events. */
    readonly onEvent: (cb: (e: VplcEvent) => void) => () => void,
    private readonly lifecycleAbort: AbortController,
    /** What the start found: vPLCs adopted and operations a previous agent left unfinished. */
    readonly adoption: AdoptResult,
    private readonly deps: OrchestratorDeps,
  ) {
    this.reattacher = reattacherFor(ctx);
    this.images = new RuntimeImages(ctx);
    const access = new RuntimeAccess(ctx);
    this.answers = new RuntimeAnswers(ctx.clock);
    // A PLC poll that got an answer is a runtime answer, which keeps the periodic probe away from that runtime; one that
    // could not reach it decides nothing by itself: the probe judges (docs/status.md "Runtime answers").
    const answered = (name: string, ok: boolean): void => (ok ? this.answers.record(name, true) : this.answers.doubt(name));
    this.plc = createPlcSubsystem(ctx, access, { ...(deps.plcSessions ? { sessions: deps.plcSessions } : {}), answered });
    // What was forced, by our live variables or the cloud's debug_set (docs/debug.md "Forcing").
    const forced = new ForcedMarks();
    this.liveVars = liveVarsFor(ctx, this.plc, () => this.debugSessions, forced);
    // A deleted vPLC's runtime credentials, PLC history, variable map and runtime fact go with it (docs/plc.md "Credentials").
    onEvent((e) => {
      if (e.kind === 'removed') void this.track(Promise.all([this.plc.forgetVplc(e.name), this.liveVars.forget(e.name), this.answers.forget(e.name)]));
      else this.liveVars.vplcChanged(e);
    });
    this.unfollowSerial = wireSerialPorts(ctx, onEvent, (p) => void this.track(p));
    this.usage = new UsageService(ctx, rings);
    const probe: RuntimeProbe = deps.probe ?? runtimeProbe(access);
    this.probe = this.answers.wrap(probe);
    this.startRuntimeProbes = () => this.answers.start(ctx.settings.runtimeProbeMs, () => runtimeTargets(ctx), probe, (name) => runtimeTarget(ctx, name));
    this.auto = new Automation({ ctx, probe: this.probe, readiness: deps.readiness ?? alwaysReady, usage: this.usage, plc: this.plc.monitor, destructing: () => this.destructing, track: (p) => this.track(p) });
    this.proxy = new RuntimeProxy({
      resolveTarget: (id) => access.target(id, false),
      refreshTarget: (id) => access.target(id, true),
      pins: access.pins,
      options: { ...ctx.settings.runCommand },
      debug: (id, message) => this.debug.handle({ session: `http:${id}`, device_id: id, path: 'http', message }),
    });
    this.debugSessions = new DebugSessionRegistry({
      target: (vplc) => access.target(vplc, true),
      pins: access.pins,
      storedCredentials: (vplc) => this.plc.sessions.credentials(vplc),
      timings: { connectMs: ctx.settings.debug.connectMs, commandMs: ctx.settings.debug.commandMs },
    });
    const bridge = new RuntimeDebugBridge({
      sessions: this.debugSessions,
      hasDevice: async (id) => (await access.target(id, false)) !== null,
      debugMap: (vplc) => this.liveVars.mapOf(vplc),
      forced,
      now: () => ctx.clock.now(),
      timings: { idleMs: ctx.settings.debug.idleMs, sweepMs: ctx.settings.debug.sweepMs },
      log: (msg, data) => ctx.log.info(msg, data),
      emit: (e) => ctx.emit(e),
    });
    this.debug = new GuardedDebugBridge(bridge, () => ctx.settings.runCommand.allowList);
    // A vPLC deleted, stopped or recreated takes its debug sessions with it (docs/debug.md "Sessions").
    onEvent((e) => {
      if (closesDebugSessions(e)) void this.track(this.debug.closeVplc(e.name));
      if (nudgesReconcile(e)) this.auto.reconciler.nudge();
    });
    this.runGate = new ConcurrencyGate({ perDevice: ctx.settings.runCommand.maxPerDevice, total: ctx.settings.runCommand.maxTotal });
  }

  static async open(deps: OrchestratorDeps): Promise<Orchestrator> {
    const { ctx, rings, onEvent, lifecycle } = await openContext(deps);
    // The serial watches run from the context's opening on; a failed open must not leave them behind.
    const adoption = await adoptExisting(ctx).catch((err: unknown) => {
      ctx.serial.close();
      throw err;
    });
    // DHCP helpers kept renewing while no agent ran: follow them again so lease changes are recorded.
    await ctx.dhcp.adoptRunning().catch((err: unknown) => ctx.log.warn('DHCP helpers could not be adopted', { err: (err as Error).message }));
    await ctx.wifiDhcp.adoptRunning().catch((err: unknown) => ctx.log.warn('WiFi DHCP clients could not be adopted', { err: (err as Error).message }));
    // Ready before the first create needs it; a failure is logged here and shown in the host warnings.
    void ctx.helper.image().catch((err: unknown) => ctx.log.error('namespace helper image unavailable', { err: (err as Error).message }));
    return new Orchestrator(ctx, rings, onEvent, lifecycle, adoption, deps);
  }

  get installationId(): string {
    return this.ctx.store.installationId;
  }

  /** The validated settings this orchestrator runs with. */
  get settings(): Readonly<OrchestratorSettings> {
    return this.ctx.settings;
  }

  /** Host-level health warnings with their fix (shown in status, tray and UI). */
  hostWarnings = (): Promise<string[]> => hostWarnings(this.ctx);

  /** The host's serial devices and built-in UARTs (docs/serial.md), as of the last scan. */
  serialDevices(): SerialInventory {
    return this.ctx.serial.current();
  }

  /** Each plug or unplug, with the new lists and the diff. */
  onSerialChange(cb: (c: SerialChange) => void): () => void {
    return this.ctx.serial.onChange(cb);
  }

  /** Each change of a vPLC's serial port states (docs/serial.md "Port status"). */
  onSerialPorts(cb: (c: SerialPortsChange) => void): () => void {
    return this.ctx.serialPorts.onChange(cb);
  }

  /** Checks every vPLC's serial ports and nodes now (each in its queue); resolves when all are done (bench, support). */
  resyncSerialPorts(): Promise<void> {
    return this.ctx.serialPorts.resyncAll('asked');
  }

  /** The host's interfaces as the orchestrator sees them (the netmon-fed cache in the agent). */
  hostInterfaces(): Promise<HostIface[]> {
    return this.ctx.interfaces.list();
  }

  /** The interfaces as the local API lists them: uplink marked, parent-policy refusal given (host/interface-view.ts). */
  async interfaceViews(): Promise<HostInterfaceView[]> {
    const [ifaces, facts] = await Promise.all([this.ctx.interfaces.list(), this.requestDeps.linkFacts()]);
    return markDedicated(
      ifaces.map((i) => interfaceView(i, this.ctx.settings.parentPolicy, facts.get(i.name))),
      this.ctx.dedicatedNics.owners(),
    );
  }

  /** Every dedicated NIC with its vPLC and last known MAC (the cloud's `get_host_interfaces`). */
  dedicatedNics(): DedicatedMark[] {
    return this.ctx.dedicatedNics.owners();
  }

  /** Resolves once the dedicated-NIC moves scheduled by `start` events have run (tests, bench). */
  dedicatedNicsIdle(): Promise<void> {
    return this.ctx.dedicatedNics.idle();
  }

  /** The persisted desired record of a vPLC (read-only view). */
  desiredRecord(name: string): Readonly<DesiredRecord> | undefined {
    return this.ctx.store.getDesired(name);
  }

  /** The persisted vNIC records of a vPLC (read-only view). */
  vnicRecords(name: string): ReadonlyArray<Readonly<PersistedVnic>> {
    return this.ctx.store.getVnics(name);
  }

  /** A netmon `network_change` (already debounced by the monitor): re-attachment starts at once. Never rejects. */
  onNetworkChange(data: NetworkChangeData): Promise<void> {
    if (isDedicatedChange(data, (nic) => this.ctx.dedicatedNics.isDedicated(nic))) {
      this.ctx.log.debug('network change of a dedicated NIC: not re-attached', { interface: data.interface });
      this.ctx.dedicatedNics.changedOnHost(data.interface);
      return Promise.resolve();
    }
    return Promise.all([this.reattacher.handle(data), this.ctx.wifiDhcp.networkChanged(data)]).then(() => undefined);
  }

  /** The built-in monitor's hint that a parent's addresses are changing: re-attachment gets ready for a move. Never rejects. */
  onNetworkSettling(iface: string): Promise<void> {
    return this.ctx.dedicatedNics.isDedicated(iface) ? Promise.resolve() : this.reattacher.prewarm(iface);
  }

  /** Every re-attachment result (reattached, detached, failed) per vNIC. */
  onReattach(cb: (e: ReattachEvent) => void): () => void {
    return this.reattacher.onEvent(cb);
  }

  /** One report per engine outage, after the recovery that followed it. */
  onEngineOutage = (cb: (r: OutageReport) => void): (() => void) => this.auto.recovery.onReport(cb);

  private track<T>(p: Promise<T>): Promise<T> {
    this.background.add(p);
    void p.finally(() => this.background.delete(p)).catch(() => undefined);
    return p;
  }

  /** Watchdog, usage sampling, resumption of interrupted operations, then boot sync; the health poll follows boot sync. */
  startLifecycle(options: { sampleUsage?: boolean; reconcile?: boolean } = {}): Promise<string[]> {
    this.startRuntimeProbes();
    this.plc.monitor.start();
    // After boot sync (docs/protocol.md §7.4 start-up order): dedicated NICs of running vPLCs are checked and moved.
    return this.auto.start(this.adoption, options).then(async (r) => {
      if (!this.ctx.shutdown.aborted) await this.track(this.ctx.dedicatedNics.resync());
      return r;
    });
  }

  /**
   * Resolves once the vPLCs found running at `startLifecycle` are restored (docs/lifecycle.md "Restore at agent start"):
   * boot sync resolves after its starts, and these checks follow in the background. Call it after `startLifecycle`.
   */
  restoredAtStart = (): Promise<void> => this.auto.restored;

  onHostSample(cb: (s: HostSample) => void): () => void {
    return this.usage.onSample(cb);
  }

  latestHostSample(): HostSample | null {
    return this.usage.latest();
  }

  async sampleUsageOnce(): Promise<void> {
    await this.usage.sampleOnce();
  }

  /** What an outcome event stands for, for the journal (ops/outcome-detail.ts). */
  outcomeDetail(e: VplcEvent): string | undefined {
    return outcomeDetail(this.ctx.ops, e);
  }

  /** CPU and memory history of the host (`'host'`) or of one vPLC over the last `seconds`. */
  usageHistory(target: string, seconds: number): { cpu: CpuPoint[]; memory: MemoryPoint[] } {
    const end = Math.floor(Date.now() / 1000);
    const t = target === 'host' ? ('orchestrator' as const) : { device: target };
    return { cpu: this.rings.query(t, 'cpu', end - seconds, end), memory: this.rings.query(t, 'memory', end - seconds, end) };
  }

  // Commands ------------------------------------------------------------------

  private get requestDeps(): Parameters<typeof acceptCreate>[0] {
    return { ctx: this.ctx, destructing: () => this.destructing, linkFacts: this.deps.linkFacts ?? (() => readLinkFacts()) };
  }

  /** The synchronous part of docs/protocol.md §4.1; the pipeline then runs in the background. */
  async create(spec: VplcSpec, requestedBy: Requester): Promise<CreateAck> {
    try {
      const accepted = await acceptCreate(this.requestDeps, spec, requestedBy);
      if ('status' in accepted) return accepted;
      const name = accepted.spec.name;
      this.track(this.ctx.exec.serial(name, () => runCreate(this.ctx, accepted.spec, accepted.opId, requestedBy, this.probe)));
      return { status: 'creating', container_id: name, message: `Container creation started for ${name}`, operation_id: accepted.opId };
    } catch (err) {
      return { status: 'error', error: dockerMessage(err) };
    }
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
      const refused = await acceptDelete(this.requestDeps, name, requestedBy);
      if (refused) return refused;
      this.track(this.ctx.exec.serial(name, () => runDelete(this.ctx, name, requestedBy)));
      return { status: 'deleting', device_id: name, message: `Container deletion started for ${name}` };
    } catch (err) {
      return { status: 'error', error: dockerMessage(err) };
    }
  }

  start(name: string, by: Requester): Promise<ControlResult> {
    return this.auto.control.start(name, by);
  }
  stop(name: string, by: Requester): Promise<ControlResult> {
    return this.auto.control.stop(name, by);
  }
  restart(name: string, by: Requester): Promise<ControlResult> {
    return this.auto.control.restart(name, by);
  }

  async status(name: string): Promise<DeviceStatus> {
    const s: DeviceStatus = await deviceStatus(this.ctx, this.auto.guard, name, () => undefined, (n) => this.ctx.exec.busy(n), this.answers, this.plc.monitor).catch((err: unknown) => ({
      status: 'error',
      device_id: name,
      error: `Failed to retrieve container status: ${dockerMessage(err)}`,
    }));
    const pending = this.auto.reconciler.pendingFor(name);
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
    if (!(await this.auto.reconciler.waiting(name).catch(() => true))) return { status: 'success', message: `Nothing waits to be applied for ${name}` };
    this.auto.reconciler.confirm(name);
    this.ctx.log.info('pending changes confirmed', { vplc: name, by });
    void this.auto.reconciler.runOnce(this.lifecycleAbort.signal).catch(() => undefined);
    return { status: 'success', message: `Applying the pending changes of ${name}` };
  }

  /** `vplc:edit` (docs/editing.md): the new spec stored, applied in place or left to reconcile's change window. */
  async edit(name: string, spec: VplcSpec, by: Requester): Promise<EditAck> {
    try {
      const reconcileSoon = (): void => void this.auto.reconciler.runOnce(this.lifecycleAbort.signal).catch(() => undefined);
      return await acceptEdit({ ...this.requestDeps, reconcileSoon, changeDecision: (n, running) => this.plc.monitor.changeDecision(n, running) }, name, spec, by);
    } catch (err) {
      return { status: 'error', error: dockerMessage(err) };
    }
  }

  /** The stored spec of a vPLC with the MACs in use, and what reconcile has pending for it; null when there is none. */
  storedSpec(name: string): { spec: VplcSpec; pending: string[] } | null {
    // Serial ports pending for the change window are what the user asked for, so an edit form starts from them.
    const record = this.ctx.store.getDesired(name);
    const spec = record ? desiredSpec(record) : undefined;
    return spec ? { spec: withKeptMacs(spec, this.ctx.store.getVnics(name)), pending: this.auto.reconciler.pendingFor(name) } : null;
  }

  /** Every recorded vNIC with its state on Docker; a detached one stays listed with why. */
  vnics(): Promise<VnicView[]> {
    return listVnics(this.ctx);
  }

  /** The reconcile loop's state and its last cycle. */
  reconcileStatus(): ReconcileReport {
    return this.auto.reconciler.status();
  }

  /** One reconcile cycle now (joins one already running); resolves with its result. */
  reconcileOnce(): Promise<ReconcileReport['lastRun']> {
    return this.auto.reconciler.runOnce(this.lifecycleAbort.signal);
  }

  /** One registry check of a vPLC's runtime tag (auto_update); a new digest is pulled and recorded as pending. */
  checkUpdate(name: string): Promise<UpdateCheck> {
    return this.auto.updater.check(name);
  }

  /** Whether the engine keeps containers through its own restart, and whether the agent could change that. */
  async liveRestore(): Promise<Awaited<ReturnType<typeof liveRestoreView>>> {
    return liveRestoreView(this.ctx.settings.dockerDaemonConfig, (await this.ctx.engine.describe({ fresh: true })).liveRestore);
  }

  /** Sets live-restore in the engine's configuration file at the user's request; rejects when the file cannot be written. */
  async enableLiveRestore(): Promise<Awaited<ReturnType<typeof enableLiveRestore>>> {
    const r = await enableLiveRestore(this.ctx.settings.dockerDaemonConfig);
    this.ctx.log.info('live-restore set in the Docker configuration file by the user', { file: r.file, changed: r.changed });
    return r;
  }

  list(): Promise<VplcSummary[]> {
    return listVplcs(this.ctx, this.auto.guard, (n) => this.ctx.exec.busy(n), this.answers, this.plc.monitor);
  }

  /** Per-vPLC figures for the metrics endpoint: one Docker list call plus the latest usage samples in memory. */
  async vplcMetrics(): Promise<VplcMetrics[]> {
    return vplcMetrics(await this.list(), this.rings, this.auto.guard, this.ctx.clock.now(), this.plc.monitor);
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
      runSelfDestruct(this.ctx, removeSelf).finally(() => {
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
   * Resolves false when some were still running (they go on until the process or thread ends).
   */
  async close(options: { graceMs?: number } = {}): Promise<boolean> {
    this.lifecycleAbort.abort(new Error('orchestrator closing'));
    // The warm ARP probe helper exits now; a probe of an operation still finishing runs on a one-shot helper.
    this.ctx.engine.close();
    this.auto.stop();
    this.ctx.serial.close();
    this.unfollowSerial();
    this.plc.monitor.stop();
    await this.liveVars.close();
    this.usage.stop();
    await this.debug.closeAll();
    await this.answers.stop();
    await closeNetworking(this.ctx, this.reattacher);
    const graceMs = options.graceMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const settled = await Promise.race([
      Promise.allSettled([...this.background, this.ctx.dedicatedNics.idle()]).then(() => true),
      new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
    ]);
    clearTimeout(timer);
    if (!settled) this.ctx.log.warn('shutdown: operations still running after the grace period; they resume at the next start', { graceMs });
    await this.usage.flush();
    await this.ctx.warnings.flushed();
    await this.hostReader.close();
    return settled;
  }
}
