import type { Envelope, ThreadFacts, WorkerRequest } from '../../lib/protocol/messages.js';
import { WorkerSlot, type SlotDeps } from './worker-slot.js';
import type { WorkerName, WorkerSpec, WorkerState } from './types.js';

export type WorkerHealth = { name: WorkerName; state: WorkerState; crashesTotal?: number };

export type SupervisorDeps = Omit<SlotDeps, 'onState' | 'onEvent' | 'onRequest' | 'onLog'> & {
  onHealth(h: WorkerHealth): void;
  onEvent(worker: WorkerName, name: string, payload: unknown): void;
  /** A worker asks another: the bus routes it and calls `reply` exactly once. */
  onRequest(worker: WorkerName, req: WorkerRequest, reply: (result: Envelope) => void): void;
  onLog(worker: WorkerName, level: 'debug' | 'info' | 'warn' | 'error', msg: string, data?: Record<string, unknown>): void;
};

const START_ORDER: WorkerName[] = ['netmon', 'orchestrator', 'cloudlink'];

/**
 * The agent's workers as one unit: start-all in the order netmon → orchestrator → cloudlink, stop-all in reverse.
 * Stopping the agent never stops vPLC containers: that is the orchestrator worker's own rule on stop.
 */
export class Supervisor {
  private readonly slots = new Map<WorkerName, WorkerSlot>();
  /** One clock for every worker's liveness, a third of the shortest `livenessMs`. */
  private readonly checkEveryMs: number;
  private clock?: unknown;

  constructor(
    specs: WorkerSpec[],
    private readonly d: SupervisorDeps,
  ) {
    this.checkEveryMs = Math.max(1, Math.min(60_000, ...specs.map((s) => s.livenessMs)) / 3);
    for (const spec of specs) {
      this.slots.set(
        spec.name,
        new WorkerSlot(spec, {
          ...d,
          onState: (state) => d.onHealth({ name: spec.name, state }),
          onEvent: (name, payload) => d.onEvent(spec.name, name, payload),
          onRequest: (req, reply) => d.onRequest(spec.name, req, reply),
          onLog: (level, msg, data) => d.onLog(spec.name, level, msg, data),
        }, this.checkEveryMs),
      );
    }
  }

  private ordered(): WorkerSlot[] {
    return START_ORDER.flatMap((n) => {
      const s = this.slots.get(n);
      return s ? [s] : [];
    });
  }

  startAll(): void {
    for (const s of this.ordered()) s.start();
    if (this.clock === undefined) this.tick();
  }

  private tick(): void {
    this.clock = this.d.timers.setTimeout(() => {
      for (const s of this.slots.values()) s.checkLiveness();
      this.tick();
    }, this.checkEveryMs);
  }

  /** Stops every worker in reverse start order within one shared budget (the service's stop timeout allows no more). */
  async stopAll(graceMs: number): Promise<void> {
    this.d.timers.clearTimeout(this.clock);
    this.clock = undefined;
    const deadline = performance.now() + graceMs;
    for (const s of this.ordered().reverse()) await s.stop(Math.max(1_000, deadline - performance.now()));
  }

  health(): WorkerHealth[] {
    return [...this.slots.entries()].map(([name, slot]) => ({ name, state: slot.state, crashesTotal: slot.crashesTotal }));
  }

  /** Each running worker's thread id and heap, asked of it now (a worker that does not answer in time is left out). */
  async threads(timeoutMs: number): Promise<Array<{ name: WorkerName } & ThreadFacts>> {
    const facts = await Promise.all([...this.slots.entries()].map(async ([name, slot]) => ({ name, facts: await slot.threadFacts(timeoutMs) })));
    return facts.flatMap(({ name, facts: f }) => (f ? [{ name, ...f }] : []));
  }

  /** Whether this agent runs the worker at all (cloudlink is absent when the cloud is disabled). */
  has(worker: WorkerName): boolean {
    return this.slots.has(worker);
  }

  request(worker: WorkerName, op: string, input: unknown, timeoutMs: number): Promise<Envelope> {
    const slot = this.slots.get(worker);
    if (!slot) return Promise.resolve({ ok: false, error: { code: 'UNAVAILABLE', message: `no ${worker} worker in this agent` } });
    return slot.request(op, input, timeoutMs);
  }
}
