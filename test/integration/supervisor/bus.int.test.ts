// The worker bus with real worker_threads: a request from one worker reaches another through the supervisor and the
// routing table and the answer comes back; a target that is down or slow ends in an error envelope, never a hang; the
// real netmon worker's own log lines reach the agent log. Runtime: a few seconds.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { workerEntry } from '../../../electron/core/agent.js';
import { WorkerBus } from '../../../electron/core/commands/bus.js';
import type { Logger } from '../../../electron/core/logging/logger.js';
import { spawnThread } from '../../../electron/core/supervisor/spawn.js';
import { Supervisor } from '../../../electron/core/supervisor/supervisor.js';
import { realTimers, type WorkerName, type WorkerSpec } from '../../../electron/core/supervisor/types.js';
import type { Envelope } from '../../../electron/lib/protocol/messages.js';
import { requireDocker } from '../../support/require.js';
import { waitFor } from '../../support/run.js';

// The agent's integration layer runs where Docker runs; this suite itself needs only worker_threads and `ip`.
requireDocker();

const testWorker = fileURLToPath(new URL('../../support/workers/test-worker.ts', import.meta.url));
const spec = (name: WorkerName, entry = testWorker, config: unknown = {}): WorkerSpec => ({
  name,
  entry,
  config,
  backoff: { baseMs: 200, maxMs: 1_000, jitter: 0.3 },
  loop: { maxCrashes: 5, windowMs: 60_000, slowRetryMs: 5_000 },
  livenessMs: 5_000,
  stableMs: 60_000,
});

function agentLike(specs: WorkerSpec[]): { sup: Supervisor; bus: WorkerBus; logs: string[]; commands: unknown[][] } {
  const logs: string[] = [];
  const commands: unknown[][] = [];
  const note = (msg: string): void => void logs.push(msg);
  const log: Logger = { debug: note, info: note, warn: note, error: note, scope: () => log };
  const bus: WorkerBus = new WorkerBus({
    request: (w, op, input, t) => sup.request(w, op, input, t),
    has: (w) => sup.has(w),
    log,
    cloudEnabled: true,
    onCommand: (...c) => commands.push(c),
  });
  const sup: Supervisor = new Supervisor(specs, {
    spawn: spawnThread,
    timers: realTimers,
    onHealth: (h) => bus.onHealth(h),
    onEvent: (w, name, payload) => bus.onEvent(w, name, payload),
    onRequest: (w, req, reply) => bus.onRequest(w, req, reply),
    onLog: (_w, _level, msg) => note(msg),
  });
  running.push(sup);
  return { sup, bus, logs, commands };
}

const running: Supervisor[] = [];
afterAll(async () => {
  for (const s of running) await s.stopAll(2_000);
});

const up = (sup: Supervisor, ...names: WorkerName[]): Promise<unknown> =>
  waitFor(() => sup.health(), (h) => names.every((n) => h.some((x) => x.name === n && x.state.kind === 'running')), { timeoutMs: 20_000, what: `${names.join(', ')} running` });

/** Has the cloudlink stand-in ask the orchestrator stand-in through the bus; the envelope it got is its answer. */
async function ask(sup: Supervisor, input: Record<string, unknown>, timeoutMs: number): Promise<Envelope> {
  const env = await sup.request('cloudlink', 'ask', { to: 'orchestrator', op: 'cloud.execute', input, timeoutMs }, timeoutMs + 10_000);
  if (!env.ok) throw new Error(`the asking worker failed: ${env.error.message}`);
  return env.value as Envelope;
}

describe('the worker bus with real threads', () => {
  it('carries a request from one worker to another and the answer back, and the observer sees it', async () => {
    const a = agentLike([spec('orchestrator'), spec('cloudlink')]);
    a.sup.startAll();
    await up(a.sup, 'orchestrator', 'cloudlink');
    const env = await ask(a.sup, { topic: 'get_host_interfaces', request: { correlation_id: 3 } }, 5_000);
    expect(env).toEqual({ ok: true, value: { status: 'success', topic: 'get_host_interfaces', request: { correlation_id: 3 }, pid: process.pid } });
    expect(a.commands).toEqual([['get_host_interfaces', { correlation_id: 3 }, (env as { value: unknown }).value]]);
  });

  it('answers TIMEOUT when the target is too slow', async () => {
    const a = agentLike([spec('orchestrator'), spec('cloudlink')]);
    a.sup.startAll();
    await up(a.sup, 'orchestrator', 'cloudlink');
    expect(await ask(a.sup, { topic: 'get_host_interfaces', request: {}, sleepMs: 3_000 }, 500)).toEqual({
      ok: false,
      error: { code: 'TIMEOUT', message: 'worker orchestrator did not answer cloud.execute within 500 ms' },
    });
    expect(a.commands).toEqual([['get_host_interfaces', {}, { status: 'error', error: 'worker orchestrator did not answer cloud.execute within 500 ms' }]]);
  });

  it('answers UNAVAILABLE without waiting for the deadline when the target is not running', async () => {
    const a = agentLike([spec('cloudlink')]);
    a.sup.startAll();
    await up(a.sup, 'cloudlink');
    const started = performance.now();
    expect(await ask(a.sup, { topic: 'get_host_interfaces', request: {} }, 60_000)).toEqual({ ok: false, error: { code: 'UNAVAILABLE', message: 'no orchestrator worker in this agent' } });
    console.log(`a missing target answered in ${Math.round(performance.now() - started)} ms (deadline 60000 ms)`);
  });

  it('answers NO_ROUTE for a request the table does not allow', async () => {
    const a = agentLike([spec('orchestrator'), spec('cloudlink')]);
    a.sup.startAll();
    await up(a.sup, 'orchestrator', 'cloudlink');
    const env = await a.sup.request('cloudlink', 'ask', { to: 'orchestrator', op: 'vplc.delete', input: { name: 'x', requester: 'cloud' }, timeoutMs: 1_000 }, 5_000);
    expect(env).toEqual({ ok: true, value: { ok: false, error: { code: 'NO_ROUTE', message: 'no route for vplc.delete from cloudlink to orchestrator' } } });
  });

  it('logs the real netmon worker’s monitor messages: "ip monitor ended; restarting" reaches the agent log', async () => {
    const a = agentLike([spec('netmon', workerEntry('netmon'), { mode: 'builtin' })]);
    a.sup.startAll();
    await up(a.sup, 'netmon');
    // The monitor's `ip -o monitor` is a child of this process (the worker is a thread of it); end it from outside.
    const child = await waitFor(() => ipMonitorChild(), (pid) => pid !== null, { timeoutMs: 10_000, what: 'the ip monitor child' });
    process.kill(child as number, 'SIGKILL');
    await waitFor(() => a.logs, (l) => l.includes('[netmon] ip monitor ended; restarting'), { timeoutMs: 10_000, what: 'the restart log line' });
  });
});

/** Our own `ip … monitor` child, found by its parent pid (never another process's). */
function ipMonitorChild(): number | null {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (ppid === process.pid && cmd[0]?.endsWith('ip') && cmd.includes('monitor')) return Number(pid);
    } catch {
      // The process ended while we looked.
    }
  }
  return null;
}
