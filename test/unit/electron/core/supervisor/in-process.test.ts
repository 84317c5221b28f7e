import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InProcessServices } from '../../../../../electron/core/supervisor/in-process.js';
import { realTimers, type WorkerSpec, type WorkerState } from '../../../../../electron/core/supervisor/types.js';
import { WorkerSlot } from '../../../../../electron/core/supervisor/worker-slot.js';
import type { WorkerName } from '../../../../../electron/lib/protocol/messages.js';
import { handlers, type WorkerApi, type WorkerImpl } from '../../../../../electron/lib/worker/host.js';
import { waitFor } from '../../../../support/run.js';

const spec = (name: WorkerName): WorkerSpec => ({
  name,
  entry: `/nowhere/${name}/entry.js`,
  config: { hello: name },
  backoff: { baseMs: 20, maxMs: 20, jitter: 0 },
  loop: { maxCrashes: 50, windowMs: 600_000, slowRetryMs: 300_000 },
  livenessMs: 60_000,
  stableMs: 60_000,
});

/** A service that records its life: starts, stops, and the config and inputs it saw. */
class Recorder implements WorkerImpl {
  static made: Recorder[] = [];
  started: unknown[] = [];
  stops = 0;
  held: Array<{ list: number[] }> = [];
  api?: WorkerApi;
  claimed: Array<boolean | string> = [];

  /** What start built after its wait, and whether stop found it. */
  built = false;
  stoppedBuilt = false;
  asked: unknown[] = [];

  constructor(
    private readonly claim: (err: unknown) => boolean,
    private readonly behave: { startMs?: number; stop?: 'throw' | 'hang' | 'ask' | { ms: number } } = {},
  ) {
    Recorder.made.push(this);
  }

  async start(config: unknown, api: WorkerApi): Promise<void> {
    this.started.push(config);
    this.api = api;
    if (this.behave.startMs) await new Promise((r) => setTimeout(r, this.behave.startMs));
    this.built = true;
  }

  stop(): Promise<void> {
    this.stops++;
    this.stoppedBuilt = this.built;
    const how = this.behave.stop;
    if (how === 'throw') throw new Error('stop broke');
    if (how === 'hang') return new Promise(() => undefined);
    // A stop that asks another worker (the cloud link closing a debug session asks the orchestrator).
    if (how === 'ask') return (this.api?.request('orchestrator', 'debug.close', {}, 60_000) ?? Promise.resolve()).then((e) => void this.asked.push(e));
    return how ? new Promise((r) => setTimeout(r, how.ms)) : Promise.resolve();
  }

  readonly handle = handlers({
    keep: { input: z.object({ list: z.array(z.number()) }), run: (input) => Promise.resolve(void this.held.push(input)) },
    /** Hands an error to `claim` from a timer this service set: what the process's fatal handler would do. */
    fault: {
      input: z.object({ ms: z.number().int().positive().default(5) }),
      run: ({ ms }) => {
        setTimeout(() => this.claimed.push(this.claim(new Error('fault in a timer'))), ms);
        return Promise.resolve('armed');
      },
    },
    fail: { input: z.unknown(), run: () => Promise.resolve(void this.api?.fail(new Error('cannot go on'))) },
    /** Asks another worker through the bus; what comes back is kept. */
    ask: { input: z.unknown(), run: () => Promise.resolve(void this.api?.request('cloudlink', 'x', {}, 60_000).then((e) => this.asked.push(e))) },
  });
}

function setup(
  loaders?: ConstructorParameters<typeof InProcessServices>[0],
  onState: (s: WorkerState) => void = () => undefined,
): {
  services: InProcessServices;
  slot: (name: WorkerName) => WorkerSlot;
  states: Map<WorkerName, WorkerState[]>;
  logs: string[];
  late: Array<[WorkerName, string]>;
  faults: string[];
} {
  Recorder.made = [];
  const logs: string[] = [];
  const late: Array<[WorkerName, string]> = [];
  const faults: string[] = [];
  const states = new Map<WorkerName, WorkerState[]>();
  const services: InProcessServices = new InProcessServices(
    loaders ?? {
      netmon: () => Promise.resolve(new Recorder((e) => services.claim(e))),
      orchestrator: () => Promise.resolve(new Recorder((e) => services.claim(e))),
    },
    (name, err) => void late.push([name, String(err)]),
    (err) => void faults.push(String(err)),
  );
  const slot = (name: WorkerName): WorkerSlot =>
    new WorkerSlot(spec(name), {
      spawn: services.spawn,
      timers: realTimers,
      random: () => 0.5,
      onState: (s) => {
        states.set(name, [...(states.get(name) ?? []), s]);
        onState(s);
      },
      onEvent: () => undefined,
      onRequest: () => undefined,
      onLog: (level, msg, data) => void logs.push(`${level} ${msg}${data?.err ? ` ${String(data.err).split('\n')[0]}` : ''}`),
    });
  return { services, slot, states, logs, late, faults };
}

const running = (s: WorkerSlot): Promise<unknown> => waitFor(() => s.state.kind, (k) => k === 'running', { timeoutMs: 5_000, what: 'the service running' });

describe('InProcessServices', () => {
  it('runs a worker in this thread with its config, and copies each message as a thread would', async () => {
    const { slot } = setup();
    const s = slot('netmon');
    s.start();
    await running(s);
    const made = Recorder.made[0];
    expect(made?.started).toEqual([{ hello: 'netmon' }]);
    const input = { list: [1, 2] };
    expect(await s.request('keep', input, 1_000)).toEqual({ ok: true, value: undefined });
    input.list.push(3);
    expect(made?.held).toEqual([{ list: [1, 2] }]);
    expect(made?.held[0]).not.toBe(input);
    await s.stop(1_000);
    expect(s.state.kind).toBe('stopped');
    // A graceful stop stops the service once: ending it afterwards has nothing left to release.
    expect(made?.stops).toBe(1);
  });

  it('claims an error raised from a service timer for that service only: it stops, and only it restarts', async () => {
    const { slot, logs, states } = setup();
    const [net, orch] = [slot('netmon'), slot('orchestrator')];
    net.start();
    orch.start();
    await Promise.all([running(net), running(orch)]);
    const [netFirst, orchOnly] = Recorder.made;
    expect(await net.request('fault', {}, 1_000)).toEqual({ ok: true, value: 'armed' });
    await waitFor(() => Recorder.made.length, (n) => n === 3, { timeoutMs: 5_000, what: 'a new netmon service' });
    await running(net);
    expect(netFirst?.claimed).toEqual([true]);
    expect(netFirst?.stops).toBe(1);
    expect(states.get('netmon')?.map((s) => s.kind)).toEqual(['starting', 'running', 'backoff', 'starting', 'running']);
    expect(states.get('orchestrator')?.map((s) => s.kind)).toEqual(['starting', 'running']);
    expect(orchOnly?.stops).toBe(0);
    expect(await orch.request('keep', { list: [7] }, 1_000)).toEqual({ ok: true, value: undefined });
    expect(logs).toContainEqual('error [netmon] netmon service crashed; it is stopped and restarted alone Error: fault in a timer');
    expect(logs.filter((l) => l.includes('orchestrator service crashed'))).toEqual([]);
    await Promise.all([net.stop(1_000), orch.stop(1_000)]);
  });

  it('does not claim what the agent itself raises outside every service', () => {
    const { services } = setup();
    expect(services.claim(new Error('agent fault'))).toBe(false);
  });

  it('reports, and still claims, an error from a service that has already ended', async () => {
    const { services, slot, late } = setup();
    const s = slot('netmon');
    s.start();
    await running(s);
    const first = Recorder.made[0] as Recorder;
    // The second timer outlives the service: it fires after the first one ended it.
    expect(await s.request('fault', { ms: 400 }, 1_000)).toEqual({ ok: true, value: 'armed' });
    expect(await s.request('fault', {}, 1_000)).toEqual({ ok: true, value: 'armed' });
    await waitFor(() => Recorder.made.length, (n) => n === 2, { timeoutMs: 5_000, what: 'a new netmon service' });
    await running(s);
    await waitFor(() => first.claimed.length, (n) => n === 2, { timeoutMs: 5_000, what: 'the late fault' });
    expect(first.claimed).toEqual([true, true]);
    expect(late).toEqual([['netmon', 'Error: fault in a timer']]);
    expect(services.claim(new Error('outside'))).toBe(false);
    await s.stop(1_000);
  });

  it('treats a worker that calls fail() or cannot be made as a crash (exit 1), restarted with backoff', async () => {
    let attempts = 0;
    const { slot, logs } = setup({
      netmon: () => (++attempts === 1 ? Promise.reject(new Error('module missing')) : Promise.resolve(new Recorder(() => false))),
    });
    const s = slot('netmon');
    s.start();
    await running(s);
    expect(attempts).toBe(2);
    expect(logs.some((l) => l.includes('netmon service crashed') && l.includes('module missing'))).toBe(true);
    // The service ends at once: its answer to this request may not get out, as with a thread that exits.
    await s.request('fail', {}, 1_000);
    await waitFor(() => attempts, (n) => n === 3, { timeoutMs: 5_000, what: 'the restart after fail()' });
    await running(s);
    expect(logs.filter((l) => /worker netmon exited with code 1/.test(l))).toHaveLength(2);
    await s.stop(1_000);
  });

  it('waits for a start still running before it stops, so what the start built is stopped too', async () => {
    const { slot } = setup({ netmon: () => Promise.resolve(new Recorder(() => false, { startMs: 150 })) });
    const s = slot('netmon');
    s.start();
    await waitFor(() => Recorder.made.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the service made' });
    await s.stop(2_000);
    const made = Recorder.made[0];
    expect(s.state.kind).toBe('stopped');
    expect(made?.stops).toBe(1);
    expect(made?.stoppedBuilt).toBe(true);
  });

  it('stops once when a stop on request overruns its grace and the slot then ends the service', async () => {
    const { slot, faults } = setup({ netmon: () => Promise.resolve(new Recorder(() => false, { stop: { ms: 300 } })) });
    const s = slot('netmon');
    s.start();
    await running(s);
    await s.stop(100);
    // Its stop did not settle within the grace: it may still be at work, so the agent must end rather than replace it.
    await waitFor(() => faults.length, (n) => n === 1, { timeoutMs: 2_000, what: 'the agent fault' });
    await new Promise((r) => setTimeout(r, 400));
    expect(Recorder.made[0]?.stops).toBe(1);
    expect(faults).toEqual([expect.stringContaining('the netmon service did not stop in time; the agent exits')]);
  });

  it('ends the agent, once, when a crashed service cannot be stopped (a stop that throws), instead of restarting beside it', async () => {
    const { slot, faults, late, services } = setup({ netmon: () => Promise.resolve(new Recorder((e) => services.claim(e), { stop: 'throw' })) });
    const s = slot('netmon');
    s.start();
    await running(s);
    await s.request('fault', {}, 1_000);
    await waitFor(() => faults.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the agent fault' });
    await new Promise((r) => setTimeout(r, 100));
    expect(faults).toEqual([expect.stringContaining('the netmon service did not stop after its crash')]);
    expect(Recorder.made).toHaveLength(1);
    expect(late).toEqual([]);
  });

  it("answers the crashed service's own requests at once instead of after their deadline", async () => {
    const { slot } = setup();
    const s = slot('netmon');
    s.start();
    await running(s);
    const first = Recorder.made[0] as Recorder;
    await s.request('ask', {}, 1_000);
    await s.request('fault', {}, 1_000);
    await waitFor(() => first.asked.length, (n) => n === 1, { timeoutMs: 2_000, what: 'the answer to the request it had out' });
    expect(first.asked).toEqual([{ ok: false, error: { code: 'UNAVAILABLE', message: 'the worker crashed' } }]);
    await running(s);
    await s.stop(1_000);
  });

  it("treats an error in the agent's own handling of a service's exit as the agent's fault, not the service's", async () => {
    const { slot, faults, late } = setup(undefined, (state) => {
      if (state.kind === 'backoff') throw new Error('broken health listener');
    });
    const s = slot('netmon');
    s.start();
    await running(s);
    await s.request('fault', {}, 1_000);
    await waitFor(() => faults.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the agent fault' });
    expect(faults).toEqual(['Error: broken health listener']);
    expect(late).toEqual([]);
  });

  it('answers at once what a crashed service asks while it stops, so it stops in time and restarts alone', async () => {
    const { slot, faults, services } = setup({ netmon: () => Promise.resolve(new Recorder((e) => services.claim(e), { stop: 'ask' })) });
    const s = slot('netmon');
    s.start();
    await running(s);
    const first = Recorder.made[0] as Recorder;
    await s.request('fault', {}, 1_000);
    await waitFor(() => Recorder.made.length, (n) => n === 2, { timeoutMs: 3_000, what: 'a new netmon service' });
    expect(first.asked).toEqual([{ ok: false, error: { code: 'UNAVAILABLE', message: 'the worker crashed' } }]);
    expect(faults).toEqual([]);
    await running(s);
  });

  it('lets a service that overruns its stop end with the agent when the agent itself stops', async () => {
    const { slot, faults, logs, services } = setup({ netmon: () => Promise.resolve(new Recorder(() => false, { stop: 'hang' })) });
    const s = slot('netmon');
    s.start();
    await running(s);
    services.final();
    await s.stop(100);
    await new Promise((r) => setTimeout(r, 100));
    expect(s.state.kind).toBe('stopped');
    expect(faults).toEqual([]);
    expect(logs).toContainEqual('error [netmon] netmon service did not stop in time; it ends with the agent');
  });
});
