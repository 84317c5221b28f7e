import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { AgentStatus, EventPayload } from '../../shared/api/contract.js';
import { readCredentials } from '../lib/certs/credentials.js';
import { WorkerBus } from './commands/bus.js';
import { NetworkTimeline } from './api/network-timeline.js';
import { EventHub } from './api/event-hub.js';
import { registerCerts } from './api/handlers/certs.js';
import { registerDiagnostics } from './api/handlers/diagnostics.js';
import { registerHandlers } from './api/handlers/register.js';
import { registerEdit } from './api/handlers/edit.js';
import { registerSerial } from './api/handlers/serial.js';
import { registerImages } from './api/handlers/images.js';
import { registerPlc } from './api/handlers/plc.js';
import { registerOperations } from './api/handlers/operations.js';
import { registerSettings, type SettingsAccess } from './api/handlers/settings.js';
import { ApiRegistry } from './api/registry.js';
import { workerBackend } from './api/worker-backend.js';
import type { LogHub } from './logging/log-hub.js';
import type { Logger } from './logging/logger.js';
import type { EffectiveConfig } from './settings/layers.js';
import { orchestratorWorkerSettings } from './settings/worker-settings.js';
import { spawnThread } from './supervisor/spawn.js';
import { InProcessServices, type ServiceLoaders } from './supervisor/in-process.js';
import { describeError, type FatalHandlers } from '../lib/process/fatal.js';
import { Supervisor } from './supervisor/supervisor.js';
import { DEFAULT_SUPERVISION, realTimers, type Spawn, type WorkerSpec } from './supervisor/types.js';
import { UiServer } from './ui-server/server.js';
import { explainListenError } from '../lib/lock/port-holder.js';
import { Journal } from './journal/journal.js';
import { WorkQueue } from './work-queue/queue.js';
import { JournalRecorder } from './journal/recorder.js';
import { MetricsCollector } from './metrics-http/collect.js';
import { MetricsServer } from './metrics-http/server.js';

const AgentInfo = z.object({ ok: z.literal(true), value: z.object({ installationId: z.string(), warnings: z.array(z.string()) }) });

/** A worker's entry file, next to this module in a checkout (.ts) or a build (.js). The core knows workers only by path. */
export function workerEntry(worker: string): string {
  const base = fileURLToPath(new URL(`../workers/${worker}/entry`, import.meta.url));
  return existsSync(`${base}.js`) ? `${base}.js` : `${base}.ts`;
}

export type AgentDeps = {
  config: EffectiveConfig;
  log: Logger;
  logHub: LogHub;
  settings: SettingsAccess;
  spawn?: Spawn;
  rendererDir?: string;
  sampleUsage?: boolean;
  /** 'service' when systemd runs this agent for the whole PC; shown to the UI. */
  mode?: 'own' | 'service';
  /**
   * The process's fatal handlers: in-process services claim their own uncaught errors there. The CLI and the Electron
   * shell always pass them; without them (tests that build an agent in their own process) such an error is the process's.
   */
  fatal?: Pick<FatalHandlers, 'claim'>;
  /** How in-process services are made (tests wrap the real ones); default: the workers' own classes. */
  services?: ServiceLoaders;
};

/** How long an in-process service may leave a probe unanswered (a deaf service; a stuck loop stops everything). */
const IN_PROCESS_LIVENESS_MS = 60_000;

/** The workers as in-process services: each loaded only when it first starts. */
const SERVICES: ServiceLoaders = {
  netmon: async () => new (await import('../workers/netmon/worker.js')).NetmonWorker(),
  orchestrator: async () => new (await import('../workers/orchestrator/worker.js')).OrchestratorWorker(),
  cloudlink: async () => new (await import('../workers/cloudlink/worker.js')).CloudlinkWorker(),
};

export type Agent = {
  registry: ApiRegistry;
  events: EventHub;
  supervisor: Supervisor;
  token: string;
  /** Starts the workers and the loopback bridge; resolves with the bridge URL. */
  start(): Promise<string>;
  /** The port of /metrics and /health once started; null when the endpoint is off. */
  metricsPort(): number | null;
  /** Stops the bridge and the workers (reverse order). vPLCs keep running. */
  stop(graceMs?: number): Promise<void>;
};

/** Electron's resources folder (set in Electron's main process, undefined on plain Node). */
function electronResourcesPath(): string | undefined {
  const { resourcesPath } = process as { resourcesPath?: unknown };
  return typeof resourcesPath === 'string' && resourcesPath !== '' ? resourcesPath : undefined;
}

/** The composition root (docs/architecture.md decision 1): built the same way by the CLI and by Electron's main process. */
export function createAgent(d: AgentDeps): Agent {
  const { config, log } = d;
  const events = new EventHub();
  // A test that brings its own spawn runs the workers its way (threads, stand-ins).
  const inProcessWorkers = config.workers === 'in-process' && !d.spawn;
  const workerSpec = (name: WorkerSpec['name'], workerConfig: unknown): WorkerSpec => ({
    name,
    entry: workerEntry(name),
    config: workerConfig,
    maxOldGenerationSizeMb: 256,
    maxYoungGenerationSizeMb: 4,
    ...DEFAULT_SUPERVISION,
    // In-process, a service whose loop is stuck stalls the supervisor too: the clock can only find a service that no
    // longer answers (IN_PROCESS_LIVENESS_MS), so it looks every 20 s instead of every 4 s.
    ...(inProcessWorkers ? { livenessMs: IN_PROCESS_LIVENESS_MS } : {}),
  });
  const specs = [
    workerSpec('netmon', config.netmonSocket ? { mode: 'external', socketPath: config.netmonSocket } : { mode: 'builtin' }),
    workerSpec('orchestrator', {
      settings: orchestratorWorkerSettings(config, electronResourcesPath()),
      sampleUsage: d.sampleUsage ?? true,
      allowRemoteRemoval: config.allowRemoteRemoval,
    }),
    ...(config.cloudEnabled
      ? [
          workerSpec('cloudlink', {
            cloudUrl: config.cloudUrl,
            mtlsDir: config.mtlsDir,
            ...(config.caFile ? { caFile: config.caFile } : {}),
            serverPins: config.serverPins,
            runCommandTimeoutMs: config.runCommandTimeoutMs,
            webrtc: config.webrtc,
          }),
        ]
      : []),
  ];
  const journal = new Journal(path.join(config.dataDir, 'journal'), log.scope('journal'));
  const recorder = new JournalRecorder(journal);
  // The bus and the supervisor refer to each other; the bus is called only once the workers start.
  const bus = new WorkerBus({
    request: (w, op, input, t) => supervisor.request(w, op, input, t),
    has: (w) => supervisor.has(w),
    log: log.scope('bus'),
    cloudEnabled: config.cloudEnabled,
    sinks: {
      'link-state': (l) => events.publish('link:state', l),
      netmon: (e) => {
        if (e.type === 'network_change') events.publish('netmon:change', { ...e.data });
      },
      'vplc-changed': (e) => events.publish('vplc:changed', e),
      'engine-outage': (r) => recorder.engineOutage(r),
      'host-sample': (s) => events.publish('metrics:sample', s),
      'image-progress': (p) => events.publish('images:progress', p),
      'image-pull-progress': (p) => events.publish('images:pull-progress', p),
      'plc-compile': (p) => events.publish('plc:compile', p),
      'serial-changed': (c) => events.publish('serial:changed', c),
      'serial-ports': (c) => {
        events.publish('serial:ports', c);
        recorder.serialPorts(c);
      },
    },
    onCommand: (topic, request, ack) => recorder.cloud(topic, request, ack),
  });
  const inProcess = inProcessWorkers ? new InProcessServices(d.services ?? SERVICES, (worker, err) => log.scope(worker).warn('error from an ended service', { err: describeError(err) })) : undefined;
  if (inProcess) d.fatal?.claim(inProcess.claim);
  const supervisor = new Supervisor(specs, {
    spawn: d.spawn ?? inProcess?.spawn ?? spawnThread,
    timers: realTimers,
    onHealth: (h) => {
      log.scope('supervisor').info(`worker ${h.name}: ${h.state.kind}`, { state: h.state });
      bus.onHealth(h);
    },
    onLog: (worker, level, msg, data) => log.scope(worker)[level](msg, data),
    onEvent: (worker, name, payload) => bus.onEvent(worker, name, payload),
    onRequest: (worker, req, reply) => bus.onRequest(worker, req, reply),
  });
  const registry = new ApiRegistry((channel, err) => log.warn('API handler failed', { channel, err: String(err) }));
  const request = (op: string, input: unknown, timeoutMs: number): ReturnType<Supervisor['request']> => supervisor.request('orchestrator', op, input, timeoutMs);
  const status = async (): Promise<z.output<typeof AgentStatus>> => {
    const info = AgentInfo.safeParse((await request('agent.info', {}, 5_000)) as unknown);
    const health = supervisor.health();
    return {
      installationId: info.success ? info.data.value.installationId : '',
      mode: d.mode ?? 'own',
      cloud: bus.cloud,
      workers: health.map((h) => ({ name: h.name, state: h.state.kind })),
      warnings: info.success ? info.data.value.warnings : ['the orchestrator worker is not answering'],
    };
  };
  const backend = workerBackend(request, status, {
    stop: () => supervisor.stopAll(30_000),
    start: () => Promise.resolve(supervisor.startAll()),
  });
  registerHandlers(registry, backend, d.logHub);
  const work = new WorkQueue(path.join(config.dataDir, 'work-queue.json'), backend, log.scope('work-queue'), (item) =>
    void journal.append({ vplc: item.vplc, action: item.command, requestedBy: 'ui', result: item.result ?? 'error', ...(item.message ? { detail: item.message } : {}) }),
  );
  registry.observe((channel, input, result, ctx) => recorder.api(channel, input, result, ctx.client ?? 'ui'));
  events.subscribe((name, payload) => {
    if (name === 'vplc:changed') recorder.event(payload as EventPayload<'vplc:changed'>);
  });
  registerImages(registry, request);
  registerDiagnostics(registry, (timeoutMs) => supervisor.threads(timeoutMs));
  registerEdit(registry, request);
  registerSerial(registry, request);
  registerPlc(registry, request);
  registerOperations(registry, { timeline: new NetworkTimeline(events), journal, work });
  registerSettings(registry, d.settings, config.sources);
  registerCerts(registry, { mtlsDir: config.mtlsDir, provisionUrl: config.provisionUrl, caFile: config.caFile, events, settings: d.settings, caFileSetting: config.sources.find((s) => s.key === 'cloud.caFile') });
  d.logHub.subscribe((batch) => events.publish('logs:line', batch));
  let latestSample: EventPayload<'metrics:sample'> | null = null;
  events.subscribe((name, payload) => {
    if (name === 'metrics:sample') latestSample = payload as EventPayload<'metrics:sample'>;
  });
  const metrics =
    config.metricsPort === null
      ? null
      : new MetricsServer(
          new MetricsCollector({
            version: appVersion(),
            mode: d.mode ?? 'own',
            workers: () => supervisor.health(),
            cloud: () => bus.cloud,
            ask: async (op) => {
              const env = await request(op, {}, 10_000);
              return env.ok ? env.value : null;
            },
            latestHostSample: () => latestSample,
            certDaysLeft: async () => {
              const c = await readCredentials(config.mtlsDir).catch(() => null);
              return c?.ok ? (Date.parse(c.credentials.info.notAfter) - Date.now()) / 86_400_000 : null;
            },
          }),
          config.metricsPort,
          { log: log.scope('metrics-http') },
        );
  const token = randomBytes(32).toString('hex');
  const ui = new UiServer({ registry, events, token, port: config.uiPort, log: log.scope('ui-server'), upload: { dir: path.join(config.dataDir, 'uploads') }, ...(d.rendererDir ? { staticDir: d.rendererDir } : {}) });
  return {
    registry,
    events,
    supervisor,
    token,
    start: async () => {
      const unhandled = registry.unhandled();
      if (unhandled.length) throw new Error(`API channels without a handler: ${unhandled.join(', ')}`);
      // The ports first: a squatted port stops the start before any worker touches Docker.
      const url = await ui.listen();
      if (metrics) log.info('metrics endpoint listening', { url: await metrics.listen().catch((err: unknown) => explainListenError(err, config.metricsPort ?? 0)) });
      await journal.open();
      await work.open();
      supervisor.startAll();
      return url;
    },
    metricsPort: () => metrics?.port ?? null,
    stop: async (graceMs = 30_000) => {
      await ui.close();
      await metrics?.close();
      // No service starts again in this agent: one that overruns its stop ends with the process.
      inProcess?.final();
      await supervisor.stopAll(graceMs);
    },
  };
}

/** The app's version from package.json, beside a checkout (electron/…) or a build (dist/electron/…). */
export function appVersion(): string {
  for (const rel of ['../../package.json', '../../../package.json']) {
    const file = fileURLToPath(new URL(rel, import.meta.url));
    if (!existsSync(file)) continue;
    const v = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
    if (typeof v === 'string') return v;
  }
  return 'unknown';
}

/** renderer/dist beside a checkout (electron/…) or a build (dist/electron/…). */
export function rendererDir(): string {
  const candidates = ['../../renderer/dist', '../../../renderer/dist'].map((rel) => fileURLToPath(new URL(rel, import.meta.url)));
  return candidates.find((c) => existsSync(c)) ?? (candidates[0] as string);
}
