import type { z } from 'zod';
import { OrchestratorOps, OrchestratorWorkerConfig, type OrchestratorOp } from '../../lib/protocol/orchestrator-ops.js';
import { InterfaceCache } from '../../lib/netmon/cache.js';
import type { NetmonEvent, NetworkChangeData } from '../../../shared/netmon/events.js';
import type { CloudCommandTarget } from '../../lib/protocol/cloud-command.js';
import { handlersFor, WorkerError, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import { orchestratorTarget } from './cloud/adapter.js';
import { LocalInterfaceSource } from './host/interfaces.js';
import type { HostSample } from './metrics/sampler.js';
import { Orchestrator } from './orchestrator.js';
import type { OrchestratorSettingsInput } from './settings.js';
import { isEngineUnavailable } from './docker/engine-health.js';
import { dockerMessage } from './docker/errors.js';
import { sleep } from '../../lib/time/clock.js';
import { NetmonBacklog } from './netmon-backlog.js';

const ENGINE_RETRY_MS = 2_000;

type Ctx = { orch: Orchestrator; cache: InterfaceCache; cloud: CloudCommandTarget };
type Handlers = { [O in OrchestratorOp]: (orch: Orchestrator, input: z.output<(typeof OrchestratorOps)[O]>, c: Ctx) => Promise<unknown> };

const handlers: Handlers = {
  'vplc.list': (o) => o.list(),
  'vplc.create': (o, i) => o.create(i.spec, i.requester),
  'vplc.delete': (o, i) => o.delete(i.name, i.requester),
  'vplc.start': (o, i) => o.start(i.name, i.requester),
  'vplc.stop': (o, i) => o.stop(i.name, i.requester),
  'vplc.restart': (o, i) => o.restart(i.name, i.requester),
  'vplc.status': (o, i) => o.status(i.name),
  'vplc.apply': (o, i) => o.applyPendingChanges(i.name, i.requester),
  'vplc.edit': (o, i) => o.edit(i.name, i.spec, i.requester),
  'vplc.spec': (o, i) => Promise.resolve(o.storedSpec(i.name)),
  'network.vnics': (o) => o.vnics(),
  'serial.devices': (o) => Promise.resolve(o.serialDevices()),
  'reconcile.status': (o) => Promise.resolve(o.reconcileStatus()),
  'metrics.vplcs': (o) => o.vplcMetrics(),
  'vplc.logs': (o, i) => o.logTail(i.name, i.tail),
  'host.interfaces': (o) => o.interfaceViews(),
  'agent.info': async (o) => ({ installationId: o.installationId, warnings: await o.hostWarnings() }),
  'engine.live-restore': (o) => o.liveRestore(),
  'engine.enable-live-restore': (o) =>
    o.enableLiveRestore().catch((err: unknown) => {
      throw new WorkerError('FORBIDDEN', err instanceof Error ? err.message : String(err));
    }),
  'metrics.history': (o, i) => Promise.resolve(o.usageHistory(i.target, i.seconds)),
  'metrics.latest': (o) => Promise.resolve(o.latestHostSample()),
  'images.list': (o) => o.images.list(),
  'images.load': (o, i) => o.images.load(i.path, i.requester),
  'images.pull': (o, i) => o.images.pull(i.version, i.requester),
  'plc.set-credentials': (o, i) => o.plc.actions.setCredentials(i.name, i.credentials, i.requester),
  'plc.clear-credentials': (o, i) => o.plc.actions.clearCredentials(i.name, i.requester),
  'plc.create-user': (o, i) => o.plc.actions.createFirstUser(i.name, i.credentials, i.requester),
  'plc.start': (o, i) => o.plc.actions.start(i.name, i.requester),
  'plc.stop': (o, i) => o.plc.actions.stop(i.name, i.requester),
  'plc.upload': (o, i) => o.plc.actions.upload(i.name, i.path, i.requester),
  'plc.compile-status': (o, i) => o.plc.actions.compileStatus(i.name),
  'plc.logs': (o, i) => o.plc.actions.logs(i.name, { limit: i.limit, ...(i.sinceId !== undefined ? { sinceId: i.sinceId } : {}), ...(i.level ? { level: i.level } : {}) }),
  'plc.history': (o, i) => Promise.resolve(o.plc.monitor.history(i.name, i.seconds)),
  'plc.debug-map': (o, i) => o.liveVars.mapView(i.name),
  'plc.debug-map-load': (o, i) => o.liveVars.loadMap(i.name, i.path, i.requester),
  'plc.live-read': (o, i) => o.liveVars.read(i.name, i.paths),
  'plc.live-set': (o, i) => o.liveVars.set(i.name, i.path, i.force, i.value, i.requester),
  'netmon.event': (_o, e, c) => {
    c.cache.apply(e);
    // A discovery (netmon or this worker restarted, or the host rebooted onto another LAN) may carry a subnet change
    // nobody saw as an event: every interface goes through re-attachment, which leaves matching networks alone.
    if (e.type === 'network_discovery') {
      for (const iface of e.data.interfaces) void c.orch.onNetworkChange(iface);
    }
    return Promise.resolve(null);
  },
  'netmon.settling': (o, i) => Promise.resolve(o.onNetworkSettling(i.interface)).then(() => null),
  // The link parsed the raw payload with the topic's contract; its output (aliases merged, `ip_prefix` split off) is
  // not valid input for the same contract again, so the op schema checks only the envelope.
  'debug.message': (o, i) => o.debug.handle(i),
  'debug.close': (o, i) => o.debug.close(i.session).then(() => null),
  'debug.has-device': (o, i) => o.debug.hasDevice(i.device_id),
  'cloud.execute': (_o, { topic, request }, c) => c.cloud.execute(topic, request as never),
};

/**
 * The orchestrator as a supervised worker: the same core the tests drive in-process, behind the worker protocol.
 * Stopping the worker stops the agent's loops only; vPLC containers keep running.
 */
const STOP_FLUSH_MS = 1_000;

export class OrchestratorWorker implements WorkerImpl {
  private orch?: Orchestrator;
  private c?: Ctx;
  /** Set while Docker has not answered since the worker started: why, and since when. */
  private waiting?: { since: string; reason: string };
  /** Exists from the start: netmon's events feed it even while the orchestrator waits for the engine. */
  private cache?: InterfaceCache;
  /** Those early events, for re-attachment once the orchestrator opens (the bus replays the discovery only once). */
  private readonly backlog = new NetmonBacklog();
  private readonly abort = new AbortController();
  /** The wait for the engine, while it runs: a stop waits for it, since an `open()` in flight builds an orchestrator. */
  private waitingForEngine?: Promise<void>;

  /**
   * Resolves once the worker can answer. A Docker engine that does not answer yet is waited for here (and reported by
   * `agent.info` and every op), never turned into a worker crash: the engine may simply be starting after a boot.
   */
  async start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = OrchestratorWorkerConfig.parse(rawConfig);
    // Fed by the netmon worker through the core; until its first discovery, the host is read directly.
    const local = new LocalInterfaceSource();
    const cache = new InterfaceCache(() => local.list());
    this.cache = cache;
    const open = (): Promise<Orchestrator> => Orchestrator.open({ settings: config.settings as OrchestratorSettingsInput, log: api.log, interfaces: cache, readiness: cache });
    try {
      this.begin(await open(), cache, config, api);
    } catch (err) {
      if (!isEngineUnavailable(err)) throw err;
      this.waiting = { since: new Date().toISOString(), reason: dockerMessage(err) };
      api.log.warn('Docker engine not answering; waiting for it', { err: this.waiting.reason });
      this.waitingForEngine = this.openWhenEngineAnswers(open, cache, config, api);
    }
  }

  private async openWhenEngineAnswers(open: () => Promise<Orchestrator>, cache: InterfaceCache, config: z.output<typeof OrchestratorWorkerConfig>, api: WorkerApi): Promise<void> {
    while (!this.abort.signal.aborted) {
      await sleep(ENGINE_RETRY_MS, this.abort.signal).catch(() => undefined);
      if (this.abort.signal.aborted) return;
      try {
        const orch = await open();
        if (this.abort.signal.aborted) {
          await orch.close({ graceMs: 1_000 });
          return;
        }
        this.waiting = undefined;
        api.log.info('Docker engine answering; the orchestrator starts');
        this.begin(orch, cache, config, api);
        return;
      } catch (err) {
        if (this.waiting) this.waiting.reason = dockerMessage(err);
        if (!isEngineUnavailable(err)) {
          // Anything but an unavailable engine is a real fault, as in start(): the supervisor restarts with backoff.
          api.log.error('worker failed to start', { err: dockerMessage(err) });
          api.fail(err);
          return;
        }
      }
    }
  }

  private begin(orch: Orchestrator, cache: InterfaceCache, config: z.output<typeof OrchestratorWorkerConfig>, api: WorkerApi): void {
    this.orch = orch;
    // netmon's per-interface debounce is the only one: re-attachment starts at once (docs/decisions.md "Debounce").
    const reattach = (d: NetworkChangeData): void => void orch.onNetworkChange(d).catch((err: unknown) => api.log.warn('re-attachment failed', { err: String(err) }));
    cache.onChange(reattach);
    // What netmon reported while the engine kept the orchestrator closed (a discovery may carry unseen subnet changes).
    this.backlog.drain().forEach(reattach);
    const cloud = orchestratorTarget({
      orchestrator: orch,
      interfaces: cache,
      allowRemoteRemoval: () => config.allowRemoteRemoval,
      // The link retires the credentials; the core forwards this to the cloudlink worker.
      removeSelf: () => Promise.resolve(api.emit('cloud.remove-self', {})),
    });
    this.c = { orch, cache, cloud };
    orch.onEngineOutage((r) => api.emit('engine.outage', r));
    orch.images.onProgress((p) => api.emit('images.progress', p));
    orch.images.onPullProgress((p) => api.emit('images.pull-progress', p));
    orch.plc.actions.onCompile((p) => api.emit('plc.compile', p));
    orch.onSerialChange((c) => api.emit('serial.changed', c));
    orch.onSerialPorts((c) => api.emit('serial.ports', c));
    orch.onEvent((e) => {
      const detail = orch.outcomeDetail(e);
      api.emit('vplc.changed', { kind: e.kind, name: e.name, ...(e.kind === 'changed' ? { reason: e.reason } : {}), ...(detail ? { detail } : {}) });
    });
    void orch.startLifecycle({ sampleUsage: config.sampleUsage });
    if (config.sampleUsage) {
      orch.onHostSample(({ ts, cpu_usage, memory_usage, memory_total, disk_usage, disk_total }: HostSample) =>
        api.emit('metrics.sample', { ts, cpu_usage, memory_usage, memory_total, disk_usage, disk_total }),
      );
    }
  }

  /** Every op's input is parsed against OrchestratorOps by the shared handler table before `run` sees it. */
  readonly handle = handlersFor(OrchestratorOps, (op, input) => this.run(op, input));

  private async run(op: OrchestratorOp, input: unknown): Promise<unknown> {
    const orch = this.orch;
    const c = this.c;
    if (!orch || !c) {
      if (op === 'netmon.event' && this.cache) {
        const e = input as NetmonEvent;
        this.cache.apply(e);
        this.backlog.add(e);
        return null;
      }
      // A head start only: without an orchestrator there is nothing to get ready.
      if (op === 'netmon.settling') return null;
      const why = this.waiting ? `Docker engine not answering since ${this.waiting.since}: ${this.waiting.reason}` : 'the orchestrator is not started';
      if (op === 'agent.info' && this.waiting) return { installationId: '', warnings: [why] };
      throw new WorkerError('UNAVAILABLE', why);
    }
    return (handlers[op] as (o: Orchestrator, i: unknown, c: Ctx) => Promise<unknown>)(orch, input, c);
  }

  /** Rejects when operations were still running after the grace: whoever hosts the worker must then end them. */
  async stop(graceMs: number): Promise<void> {
    this.abort.abort(new Error('worker stopping'));
    // It ends at once unless an open() is in flight; then it closes what that opened.
    await this.waitingForEngine;
    // The flushes after the operations' wait get the last second of the budget.
    const settled = await this.orch?.close({ graceMs: Math.max(1, graceMs - STOP_FLUSH_MS) });
    if (settled === false) throw new Error(`operations were still running ${Math.round(graceMs / 1000)} s after the stop`);
  }
}
