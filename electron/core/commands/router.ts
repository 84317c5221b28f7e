import { z } from 'zod';
import { cloudStateOf, type CloudState } from '../../../shared/domain/link.js';
import { CloudCommandEvent, LinkStateEvent } from '../../lib/protocol/agent-ops.js';
import { OrchestratorEvents } from '../../lib/protocol/orchestrator-ops.js';
import type { Logger } from '../logging/logger.js';
import type { WorkerHealth } from '../supervisor/supervisor.js';
import type { WorkerName } from '../supervisor/types.js';
import type { Envelope } from '../../lib/protocol/messages.js';

export type Request = (worker: WorkerName, op: string, input: unknown, timeoutMs: number) => Promise<Envelope>;
export type { CloudState };

/**
 * The internal bus between workers (docs/architecture.md §A): cloud command → orchestrator → ack; netmon event → orchestrator;
 * usage sample → heartbeat. The cloudlink's own router keeps the one-ack rule and the deadlines; this one only carries.
 *
 * INVARIANTS
 * - Every `cloud.command` gets a `cloud.ack` back: the orchestrator's answer, or an error body when it has none.
 * - netmon events reach the orchestrator in the order netmon emitted them; a restarted orchestrator first gets a fresh
 *   discovery, so its interface cache is never older than netmon's.
 */
export class WorkerRouter {
  cloud: CloudState;

  constructor(
    private readonly request: Request,
    private readonly log: Logger,
    private readonly o: { cloudEnabled: boolean; runCommandTimeoutMs: number; onCommand?: (topic: string, request: Record<string, unknown>, ack: Record<string, unknown>) => void },
  ) {
    this.cloud = o.cloudEnabled ? 'connecting' : 'disabled';
  }

  onHealth(h: WorkerHealth): void {
    if (h.name === 'orchestrator' && h.state.kind === 'running') void this.replayDiscovery();
    // A link that is not running is not connected, whatever it said last.
    if (h.name === 'cloudlink' && h.state.kind !== 'running' && this.o.cloudEnabled) this.cloud = 'offline';
  }

  private async replayDiscovery(): Promise<void> {
    const snap = await this.request('netmon', 'netmon.snapshot', {}, 5_000);
    if (snap.ok && snap.value) await this.request('orchestrator', 'netmon.event', snap.value, 10_000);
  }

  onEvent(worker: WorkerName, name: string, payload: unknown): void {
    if (worker === 'netmon' && name === 'netmon.event') {
      void this.request('orchestrator', 'netmon.event', payload, 10_000).then((r) => {
        if (!r.ok) this.log.warn('netmon event not delivered to the orchestrator', { error: r.error.message });
      });
    } else if (worker === 'cloudlink' && name === 'cloud.command') {
      void this.command(payload);
    } else if (worker === 'cloudlink' && name === 'link.state') {
      const s = LinkStateEvent.safeParse(payload);
      if (s.success) this.cloud = cloudStateOf(s.data.state);
    } else if (worker === 'orchestrator' && name === 'metrics.sample' && this.o.cloudEnabled) {
      const s = OrchestratorEvents['metrics.sample'].safeParse(payload);
      if (s.success) {
        const { ts: _ts, ...metrics } = s.data;
        void this.request('cloudlink', 'metrics.sample', metrics, 2_000);
      }
    } else if (worker === 'orchestrator' && name === 'cloud.remove-self' && this.o.cloudEnabled) {
      void this.request('cloudlink', 'link.retire', {}, 10_000);
    }
  }

  private async command(payload: unknown): Promise<void> {
    const c = CloudCommandEvent.safeParse(payload);
    if (!c.success) {
      this.log.warn('malformed cloud command from the link', { issue: c.error.issues[0]?.message });
      return;
    }
    // A generous carrier deadline: the link's own, shorter, per-topic deadline answers first.
    const timeout = this.o.runCommandTimeoutMs + 30_000;
    const env = await this.request('orchestrator', 'cloud.execute', { topic: c.data.topic, request: c.data.request }, timeout);
    const ack = env.ok && z.record(z.string(), z.unknown()).safeParse(env.value).success ? (env.value as Record<string, unknown>) : { status: 'error', error: env.ok ? 'the orchestrator gave no answer' : env.error.message };
    try {
      this.o.onCommand?.(c.data.topic, c.data.request, ack);
    } catch (err) {
      this.log.warn('cloud command observer failed', { err: String(err) });
    }
    const sent = await this.request('cloudlink', 'cloud.ack', { key: c.data.key, ack }, 5_000);
    if (!sent.ok) this.log.warn('ack not delivered to the cloud link', { topic: c.data.topic, error: sent.error.message });
  }
}
