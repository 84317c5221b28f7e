import { z } from 'zod';
import { ReconcileView, type AgentStatus, type EventPayload } from '../../../shared/api/contract.js';
import { CloudState } from '../../../shared/domain/link.js';
import { PlcView } from '../../../shared/domain/plc.js';
import { VplcHealth } from '../../../shared/domain/vplc-status.js';
import type { WorkerHealth } from '../supervisor/supervisor.js';
import type { Metric } from './format.js';
import { evaluateHealth, type Health } from './health.js';
import { plcMetrics } from './plc.js';

const VplcMetrics = z.array(
  z.object({ name: z.string(), state: z.string(), running: z.boolean(), health: VplcHealth.optional(), cpuPercent: z.number().nullable(), memoryBytes: z.number().nullable(), restartsInWindow: z.number(), plc: PlcView.nullable().optional() }),
);
const AgentInfo = z.object({ installationId: z.string(), warnings: z.array(z.string()) });

export type CollectorDeps = {
  version: string;
  mode: 'own' | 'service';
  workers(): WorkerHealth[];
  cloud(): z.output<typeof AgentStatus>['cloud'];
  /** A request to the orchestrator worker, resolving to its value or null when it did not answer. */
  ask(op: 'metrics.vplcs' | 'agent.info' | 'reconcile.status'): Promise<unknown>;
  latestHostSample(): EventPayload<'metrics:sample'> | null;
  /** Days until the client certificate expires; null when not enrolled or unreadable. */
  certDaysLeft(): Promise<number | null>;
  now?: () => number;
};

type Snapshot = { metrics: Metric[]; health: Health };

const WORKER_STATES = ['stopped', 'starting', 'running', 'unresponsive', 'backoff', 'failed', 'stopping'] as const;
const GIB = 1024 ** 3;

/**
 * Gathers the agent's figures for /metrics and /health. Scrapes are served from a snapshot at most `maxAgeMs` old,
 * so a tight scrape interval cannot turn into a stream of Docker calls.
 */
export class MetricsCollector {
  private cached: { at: number; value: Promise<Snapshot> } | null = null;

  constructor(
    private readonly d: CollectorDeps,
    private readonly maxAgeMs = 5_000,
  ) {}

  snapshot(): Promise<Snapshot> {
    const now = (this.d.now ?? Date.now)();
    if (!this.cached || now - this.cached.at > this.maxAgeMs) this.cached = { at: now, value: this.collect() };
    return this.cached.value;
  }

  private async collect(): Promise<Snapshot> {
    const [vplcsRaw, infoRaw, reconcileRaw, certDays] = await Promise.all([this.d.ask('metrics.vplcs'), this.d.ask('agent.info'), this.d.ask('reconcile.status'), this.d.certDaysLeft()]);
    const vplcs = VplcMetrics.safeParse(vplcsRaw);
    const info = AgentInfo.safeParse(infoRaw);
    const reconcile = ReconcileView.safeParse(reconcileRaw);
    const workers = this.d.workers();
    const cloud = this.d.cloud();
    const host = this.d.latestHostSample();
    const m: Metric[] = [
      { name: 'vplc_orchestrator_up', help: 'The agent answers (always 1 when scraped).', type: 'gauge', samples: [{ value: 1 }] },
      { name: 'vplc_orchestrator_info', help: 'Agent version and mode.', type: 'gauge', samples: [{ labels: { version: this.d.version, mode: this.d.mode }, value: 1 }] },
      { name: 'vplc_orchestrator_cloud_link_state', help: 'Cloud link state (1 for the current one).', type: 'gauge', samples: CloudState.options.map((s) => ({ labels: { state: s }, value: s === cloud ? 1 : 0 })) },
      {
        name: 'vplc_orchestrator_worker_state',
        help: 'Supervised worker state (1 for the current one).',
        type: 'gauge',
        samples: workers.flatMap((w) => WORKER_STATES.map((s) => ({ labels: { worker: w.name, state: s }, value: w.state.kind === s ? 1 : 0 }))),
      },
      { name: 'vplc_orchestrator_worker_restarts_total', help: 'Unexpected worker exits since the agent started.', type: 'counter', samples: workers.map((w) => ({ labels: { worker: w.name }, value: w.crashesTotal ?? 0 })) },
      { name: 'vplc_orchestrator_docker_up', help: 'The Docker engine answered the last container list.', type: 'gauge', samples: [{ value: vplcs.success ? 1 : 0 }] },
      { name: 'vplc_orchestrator_host_warnings', help: 'Host health warnings (e.g. Docker live-restore off).', type: 'gauge', samples: info.success ? [{ value: info.data.warnings.length }] : [] },
    ];
    if (vplcs.success) {
      const list = vplcs.data;
      m.push(
        { name: 'vplc_orchestrator_vplcs', help: 'vPLCs known to this agent.', type: 'gauge', samples: [{ value: list.length }] },
        { name: 'vplc_orchestrator_vplc_running', help: 'Whether the vPLC container runs.', type: 'gauge', samples: list.map((v) => ({ labels: { vplc: v.name, state: v.state }, value: v.running ? 1 : 0 })) },
        {
          name: 'vplc_orchestrator_vplc_health',
          help: 'What the agent says the vPLC is, from verified facts (1 for the current one; degraded: running short of a lease, MAC, attachment or runtime answer).',
          type: 'gauge',
          samples: list.flatMap((v) => (v.health ? VplcHealth.options.map((h) => ({ labels: { vplc: v.name, health: h }, value: h === v.health ? 1 : 0 })) : [])),
        },
        { name: 'vplc_orchestrator_vplc_cpu_percent', help: 'vPLC CPU use, percent of one core (latest sample).', type: 'gauge', samples: list.flatMap((v) => (v.cpuPercent === null ? [] : [{ labels: { vplc: v.name }, value: v.cpuPercent }])) },
        { name: 'vplc_orchestrator_vplc_memory_bytes', help: 'vPLC memory use (latest sample).', type: 'gauge', samples: list.flatMap((v) => (v.memoryBytes === null ? [] : [{ labels: { vplc: v.name }, value: v.memoryBytes }])) },
        { name: 'vplc_orchestrator_vplc_restarts', help: 'Automatic restarts of the vPLC in the crash-guard window.', type: 'gauge', samples: list.map((v) => ({ labels: { vplc: v.name }, value: v.restartsInWindow })) },
        ...plcMetrics(list.flatMap((v) => (v.plc ? [{ name: v.name, plc: v.plc }] : []))),
      );
    }
    if (host) {
      m.push(
        { name: 'vplc_orchestrator_host_cpu_percent', help: 'Host CPU use, percent.', type: 'gauge', samples: [{ value: host.cpu_usage }] },
        { name: 'vplc_orchestrator_host_memory_used_bytes', help: 'Host memory in use.', type: 'gauge', samples: [{ value: Math.round(host.memory_usage * GIB) }] },
        { name: 'vplc_orchestrator_host_memory_total_bytes', help: 'Host memory.', type: 'gauge', samples: [{ value: Math.round(host.memory_total * GIB) }] },
        { name: 'vplc_orchestrator_host_disk_used_bytes', help: 'Disk in use on the root file system.', type: 'gauge', samples: [{ value: Math.round(host.disk_usage * GIB) }] },
        { name: 'vplc_orchestrator_host_disk_total_bytes', help: 'Size of the root file system.', type: 'gauge', samples: [{ value: Math.round(host.disk_total * GIB) }] },
      );
    }
    if (certDays !== null) {
      m.push({ name: 'vplc_orchestrator_client_certificate_expiry_seconds', help: 'Seconds until the mTLS client certificate expires (negative: expired).', type: 'gauge', samples: [{ value: Math.round(certDays * 86_400) }] });
    }
    if (reconcile.success) {
      const r = reconcile.data;
      m.push({ name: 'vplc_orchestrator_reconcile_cycles_total', help: 'Reconcile cycles run since the agent started.', type: 'counter', samples: [{ value: r.cycles }] });
      if (r.lastRun) {
        const last = r.lastRun;
        m.push(
          { name: 'vplc_orchestrator_reconcile_last_outcome', help: 'Outcome of the last reconcile cycle (1 for the current one).', type: 'gauge', samples: (['in-sync', 'repaired', 'failed', 'timeout'] as const).map((o) => ({ labels: { outcome: o }, value: last.outcome === o ? 1 : 0 })) },
          { name: 'vplc_orchestrator_reconcile_pending_changes', help: 'Changes waiting for a change window in the last cycle.', type: 'gauge', samples: [{ value: last.pending.length }] },
          { name: 'vplc_orchestrator_reconcile_last_run_timestamp_seconds', help: 'When the last reconcile cycle finished.', type: 'gauge', samples: [{ value: Math.floor(Date.parse(last.finishedAt) / 1000) }] },
        );
      }
    }
    const health = evaluateHealth({
      workers: workers.map((w) => ({ name: w.name, state: w.state.kind })),
      orchestratorAnswers: info.success,
      dockerAnswers: vplcs.success,
      warnings: info.success ? info.data.warnings : [],
      cloud,
      certDaysLeft: certDays,
    });
    return { metrics: m, health };
  }
}
