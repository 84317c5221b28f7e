import { randomUUID } from 'node:crypto';
import type { AckBody } from '../../../shared/cloud/acks.js';
import type { HeartbeatMetrics } from '../../../shared/cloud/heartbeat.js';
import { CloudAckInput, CloudlinkWorkerConfig, MetricsSampleInput } from '../../lib/protocol/agent-ops.js';
import type { CloudCommandTarget } from '../../lib/protocol/cloud-command.js';
import { WorkerError, type WorkerApi, type WorkerImpl } from '../../lib/worker/host.js';
import { startCloudLink, type CloudLinkHandle } from './start.js';

/**
 * The cloud link as a supervised worker. Commands go out as `cloud.command` events and come back through the
 * `cloud.ack` op; the router's deadline still guarantees one ack when nothing comes back.
 *
 * INVARIANTS
 * - Every pending command is settled: by its ack, or when the worker stops (the router then sends its error ack).
 */
export class CloudlinkWorker implements WorkerImpl {
  private link?: CloudLinkHandle;
  private latest: HeartbeatMetrics | null = null;
  private readonly instance = randomUUID();
  private nextKey = 1;
  private readonly pending = new Map<string, { resolve: (ack: AckBody) => void; reject: (err: Error) => void }>();

  async start(rawConfig: unknown, api: WorkerApi): Promise<void> {
    const config = CloudlinkWorkerConfig.parse(rawConfig);
    const target: CloudCommandTarget = {
      execute: (topic, request) =>
        new Promise<AckBody>((resolve, reject) => {
          const key = `${this.instance}:${this.nextKey++}`;
          this.pending.set(key, { resolve, reject });
          api.emit('cloud.command', { key, topic, request });
        }),
    };
    this.link = await startCloudLink({
      target,
      heartbeat: { latest: () => this.latest, uptimeSeconds: () => process.uptime() },
      mtlsDir: config.mtlsDir,
      cloudUrl: config.cloudUrl,
      ...(config.caFile ? { caFile: config.caFile } : {}),
      serverPins: config.serverPins,
      runCommandTimeoutMs: config.runCommandTimeoutMs,
      log: api.log,
    });
    const report = (state: string): void => api.emit('link.state', { state, agentId: this.link?.stats().agentId ?? null });
    // The state it is in now (e.g. not_enrolled, which never changes by itself), then every change.
    report(this.link.stats().state);
    this.link.onState(report);
  }

  handle(op: string, input: unknown): Promise<unknown> {
    switch (op) {
      case 'cloud.ack': {
        const a = CloudAckInput.parse(input);
        const p = this.pending.get(a.key);
        this.pending.delete(a.key);
        p?.resolve(a.ack);
        return Promise.resolve(p !== undefined);
      }
      case 'metrics.sample':
        this.latest = MetricsSampleInput.parse(input);
        return Promise.resolve(null);
      case 'link.retire':
        return this.link ? this.link.retire() : Promise.resolve(null);
      case 'link.stats':
        return Promise.resolve(this.link?.stats() ?? null);
      default:
        return Promise.reject(new WorkerError('UNKNOWN_OP', `no cloudlink op ${op}`, 'op'));
    }
  }

  async stop(): Promise<void> {
    // The link drains first (up to 10 s for in-flight acks); only what is still pending then gets its error ack.
    await this.link?.close();
    for (const p of this.pending.values()) p.reject(new Error('the agent is stopping'));
    this.pending.clear();
  }
}
