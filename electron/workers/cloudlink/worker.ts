import type { HeartbeatMetrics } from '../../../shared/cloud/heartbeat.js';
import { CloudlinkOps, CloudlinkWorkerConfig } from '../../lib/protocol/agent-ops.js';
import { ackOf, type CloudCommandTarget } from '../../lib/protocol/cloud-command.js';
import type { OrchestratorOpInput } from '../../lib/protocol/orchestrator-ops.js';
import { handlers, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import { busDebugBridge } from './debug-bridge.js';
import { startCloudLink, type CloudLinkHandle } from './start.js';

/** Beyond the link's own per-topic deadline, so that deadline (in router.ts) always answers first. */
const CARRIER_MARGIN_MS = 30_000;

/**
 * The cloud link as a supervised worker. A validated cloud command is one `cloud.execute` request to the orchestrator
 * worker over the bus, and the answer is its ack body; the link's router keeps the one-ack rule and the deadlines.
 */
export class CloudlinkWorker implements WorkerImpl {
  private link?: CloudLinkHandle;
  private latest: HeartbeatMetrics | null = null;

  readonly handle = handlers({
    'metrics.sample': {
      input: CloudlinkOps['metrics.sample'],
      run: ({ cpu_usage, memory_usage, memory_total, disk_usage, disk_total }) => {
        this.latest = { cpu_usage, memory_usage, memory_total, disk_usage, disk_total };
        return Promise.resolve(null);
      },
    },
    'link.retire': { input: CloudlinkOps['link.retire'], run: () => (this.link ? this.link.retire() : Promise.resolve(null)) },
    'link.stats': { input: CloudlinkOps['link.stats'], run: () => Promise.resolve(this.link?.stats() ?? null) },
  });

  async start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = CloudlinkWorkerConfig.parse(rawConfig);
    const target: CloudCommandTarget = {
      execute: async (topic, request) => {
        const input: OrchestratorOpInput<'cloud.execute'> = { topic, request };
        return ackOf(await api.request('orchestrator', 'cloud.execute', input, config.runCommandTimeoutMs + CARRIER_MARGIN_MS));
      },
    };
    this.link = await startCloudLink({
      target,
      heartbeat: { latest: () => this.latest, uptimeSeconds: () => process.uptime() },
      mtlsDir: config.mtlsDir,
      cloudUrl: config.cloudUrl,
      ...(config.caFile ? { caFile: config.caFile } : {}),
      serverPins: config.serverPins,
      runCommandTimeoutMs: config.runCommandTimeoutMs,
      debug: busDebugBridge((op, input, timeoutMs) => api.request('orchestrator', op, input, timeoutMs)),
      ...(config.webrtc ? { webrtc: config.webrtc } : {}),
      log: api.log,
    });
    const report = (state: string): void => api.emit('link.state', { state, agentId: this.link?.stats().agentId ?? null });
    // The state it is in now (e.g. not_enrolled, which never changes by itself), then every change.
    report(this.link.stats().state);
    this.link.onState(report);
  }

  async stop(): Promise<void> {
    // The link drains first (up to 10 s for in-flight acks); the host then settles any request still out.
    await this.link?.close();
  }
}
