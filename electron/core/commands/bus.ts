import { z } from 'zod';
import { cloudStateOf, type CloudState, type LinkStateReport } from '../../../shared/domain/link.js';
import { ackOf } from '../../lib/protocol/cloud-command.js';
import type { Envelope, WorkerName, WorkerRequest } from '../../lib/protocol/messages.js';
import type { Logger } from '../logging/logger.js';
import type { WorkerHealth } from '../supervisor/supervisor.js';
import { CORE_EVENTS, eventRoutes, requestRoute, type CoreEvent, type CoreSinks, type EventRoute } from './routes.js';

export type { CloudState };

export type BusDeps = {
  /** The supervisor's request: always resolves, with the worker's envelope or UNAVAILABLE/TIMEOUT. */
  request(worker: WorkerName, op: string, input: unknown, timeoutMs: number): Promise<Envelope>;
  /** Whether the agent runs this worker at all; events routed to an absent worker are dropped quietly. */
  has(worker: WorkerName): boolean;
  log: Logger;
  cloudEnabled: boolean;
  /** The core's consumers (API events, journal); any left out are not needed by this agent. */
  sinks?: Partial<CoreSinks>;
  /** Sees every cloud command once it is answered: the journal's observer. */
  onCommand?: (topic: string, request: Record<string, unknown>, ack: Record<string, unknown>) => void;
};

/** Only what the journal reads; the orchestrator's handler table parses the request fully. */
const CommandSeen = z.object({ topic: z.string(), request: z.record(z.string(), z.unknown()) });

/**
 * The bus between workers (docs/architecture.md "The worker bus"): applies the routing table in routes.ts and keeps
 * the little state that belongs to the core — the cloud state, and the discovery replay to a (re)started orchestrator.
 *
 * INVARIANTS
 * - Every worker request gets exactly one reply: the target's envelope, or NO_ROUTE / UNAVAILABLE / TIMEOUT.
 * - netmon events reach the orchestrator in the order netmon emitted them; a restarted orchestrator first gets a fresh
 *   discovery, so its interface cache is never older than netmon's.
 * - No handler here throws: a failing sink or observer is logged.
 */
export class WorkerBus {
  cloud: CloudState;

  constructor(private readonly d: BusDeps) {
    this.cloud = d.cloudEnabled ? 'connecting' : 'disabled';
  }

  onHealth(h: WorkerHealth): void {
    if (h.name === 'orchestrator' && h.state.kind === 'running') void this.replayDiscovery();
    // A link that is not running is not connected, whatever it said last.
    if (h.name === 'cloudlink' && h.state.kind !== 'running' && this.d.cloudEnabled) this.cloud = 'offline';
  }

  private async replayDiscovery(): Promise<void> {
    const snap = await this.d.request('netmon', 'netmon.snapshot', {}, 5_000);
    if (!snap.ok || !snap.value) return;
    const sent = await this.d.request('orchestrator', 'netmon.event', snap.value, 10_000);
    if (!sent.ok) this.d.log.warn('discovery not replayed to the orchestrator', { error: sent.error.message });
  }

  onEvent(worker: WorkerName, name: string, payload: unknown): void {
    const routes = eventRoutes(worker, name);
    if (!routes.length) this.d.log.debug('worker event without a route', { worker, name });
    for (const r of routes) {
      if ('core' in r) this.toCore(r.core, worker, name, payload);
      else this.toWorker(r, payload);
    }
  }

  private toWorker(r: Exclude<EventRoute, { core: CoreEvent }>, payload: unknown): void {
    if (!this.d.has(r.to)) return;
    void this.d.request(r.to, r.op, payload, r.timeoutMs).then((env) => {
      if (!env.ok && !r.quiet) this.d.log.warn(`${r.op} not delivered to the ${r.to} worker`, { code: env.error.code, error: env.error.message });
    });
  }

  private toCore(sink: CoreEvent, worker: WorkerName, name: string, payload: unknown): void {
    const parsed = CORE_EVENTS[sink].safeParse(payload);
    if (!parsed.success) {
      this.d.log.warn(`malformed ${name} event from the ${worker} worker`, { field: parsed.error.issues[0]?.path.join('.') || 'payload', issue: parsed.error.issues[0]?.message });
      return;
    }
    if (sink === 'link-state') this.cloud = cloudStateOf((parsed.data as LinkStateReport).state);
    try {
      (this.d.sinks?.[sink] as ((p: unknown) => void) | undefined)?.(parsed.data);
    } catch (err) {
      this.d.log.warn(`the core's ${sink} consumer failed`, { err: String(err) });
    }
  }

  /** A worker's request: routed by the table, answered exactly once through `reply`. */
  onRequest(from: WorkerName, req: WorkerRequest, reply: (result: Envelope) => void): void {
    const route = requestRoute(from, req.op);
    if (!route || route.to !== req.to) {
      this.d.log.warn('worker request without a route', { from, to: req.to, op: req.op });
      reply({ ok: false, error: { code: 'NO_ROUTE', message: `no route for ${req.op} from ${from} to ${req.to}` } });
      return;
    }
    void this.d.request(route.to, route.op, req.input, req.timeoutMs).then((env) => {
      if (route.observe === 'cloud-command') this.observeCommand(req.input, env);
      reply(env);
    });
  }

  private observeCommand(input: unknown, env: Envelope): void {
    const c = CommandSeen.safeParse(input);
    if (!this.d.onCommand || !c.success) return;
    try {
      this.d.onCommand(c.data.topic, c.data.request, ackOf(env));
    } catch (err) {
      this.d.log.warn('cloud command observer failed', { err: String(err) });
    }
  }
}
