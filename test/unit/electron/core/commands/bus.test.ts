import { describe, expect, it } from 'vitest';
import { WorkerBus } from '../../../../../electron/core/commands/bus.js';
import { EVENT_ROUTES, REQUEST_ROUTES } from '../../../../../electron/core/commands/routes.js';
import type { Logger } from '../../../../../electron/core/logging/logger.js';
import { Supervisor } from '../../../../../electron/core/supervisor/supervisor.js';
import { DEFAULT_SUPERVISION, type WorkerSpec } from '../../../../../electron/core/supervisor/types.js';
import type { Envelope, WorkerName } from '../../../../../electron/lib/protocol/messages.js';
import { CloudlinkWorker } from '../../../../../electron/workers/cloudlink/worker.js';
import { NetmonWorker } from '../../../../../electron/workers/netmon/worker.js';
import { OrchestratorWorker } from '../../../../../electron/workers/orchestrator/worker.js';
import { FakeTimers, FakeWorker } from '../../../../support/fake-workers.js';

type Answer = (op: string, input: unknown) => Envelope | undefined;
type Req = { t: 'req'; id: number; op: string; input: unknown };

/** A fake thread that answers the requests it receives with `answer` (undefined: never answers). */
class AnsweringWorker extends FakeWorker {
  constructor(private readonly answer: Answer) {
    super();
  }
  override postMessage(m: unknown): void {
    super.postMessage(m);
    const r = m as Req;
    if (r.t !== 'req') return;
    const result = this.answer(r.op, r.input);
    if (result) queueMicrotask(() => this.say({ t: 'res', id: r.id, result }));
  }
  requests(): Array<{ op: string; input: unknown }> {
    return this.sent.filter((m): m is Req => (m as Req).t === 'req').map(({ op, input }) => ({ op, input }));
  }
  replies(): unknown[] {
    return this.sent.filter((m) => (m as { t: string }).t === 'res');
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
};

const discovery = {
  type: 'network_discovery',
  data: { timestamp: 't', interfaces: [{ interface: 'vt0', index: 3, operstate: 'UP', type: 'ethernet', ipv4_addresses: [], gateway: null, timestamp: 't' }] },
};

function rig(o: { workers?: WorkerName[]; cloudEnabled?: boolean; answers?: Partial<Record<WorkerName, Answer>> } = {}) {
  const timers = new FakeTimers();
  const live = new Map<WorkerName, AnsweringWorker[]>();
  const logs: Array<{ level: string; msg: string; data?: Record<string, unknown> }> = [];
  const at =
    (level: string) =>
    (msg: string, data?: Record<string, unknown>): void =>
      void logs.push({ level, msg, ...(data ? { data } : {}) });
  const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error'), scope: () => log };
  const commands: unknown[][] = [];
  const sunk: Array<[string, unknown]> = [];
  const names = o.workers ?? ['netmon', 'orchestrator', 'cloudlink'];
  const specs: WorkerSpec[] = names.map((name) => ({ name, entry: name, config: {}, ...DEFAULT_SUPERVISION }));
  const bus: WorkerBus = new WorkerBus({
    request: (w, op, input, t) => sup.request(w, op, input, t),
    has: (w) => sup.has(w),
    log,
    cloudEnabled: o.cloudEnabled ?? true,
    sinks: {
      'link-state': (p) => sunk.push(['link-state', p]),
      netmon: (p) => sunk.push(['netmon', p]),
      'host-sample': (p) => sunk.push(['host-sample', p]),
      'image-progress': (p) => sunk.push(['image-progress', p]),
    },
    onCommand: (...args) => commands.push(args),
  });
  const sup: Supervisor = new Supervisor(specs, {
    spawn: (entry) => {
      const name = entry as WorkerName;
      const w = new AnsweringWorker(o.answers?.[name] ?? (() => undefined));
      live.set(name, [...(live.get(name) ?? []), w]);
      return w;
    },
    timers,
    random: () => 0.5,
    onHealth: (h) => bus.onHealth(h),
    onEvent: (w, name, payload) => bus.onEvent(w, name, payload),
    onRequest: (w, req, reply) => bus.onRequest(w, req, reply),
    onLog: (_w, level, msg, data) => at(level)(msg, data),
  });
  const worker = (name: WorkerName): AnsweringWorker => {
    const w = live.get(name)?.at(-1);
    if (!w) throw new Error(`no ${name} thread`);
    return w;
  };
  const up = (...which: WorkerName[]): void => {
    for (const n of which) worker(n).say({ t: 'ready' });
  };
  sup.startAll();
  return { bus, sup, timers, worker, up, logs, commands, sunk, live };
}

describe('WorkerBus: requests between workers', () => {
  it('carries a cloud command from the cloudlink worker to the orchestrator and its ack back, unchanged', async () => {
    const ack = { status: 'success', interfaces: [] };
    const r = rig({ answers: { orchestrator: (op) => (op === 'cloud.execute' ? { ok: true, value: ack } : undefined) } });
    r.up('netmon', 'orchestrator', 'cloudlink');
    const input = { topic: 'get_host_interfaces', request: { correlation_id: 7 } };
    r.worker('cloudlink').say({ t: 'req', id: 41, to: 'orchestrator', op: 'cloud.execute', input, timeoutMs: 5_000 });
    await settle();
    expect(r.worker('orchestrator').requests()).toContainEqual({ op: 'cloud.execute', input });
    expect(r.worker('cloudlink').replies()).toEqual([{ t: 'res', id: 41, result: { ok: true, value: ack } }]);
    expect(r.commands).toEqual([['get_host_interfaces', { correlation_id: 7 }, ack]]);
  });

  it('answers UNAVAILABLE at once when the target is not running, and the journal sees an error ack', async () => {
    const r = rig({ workers: ['netmon', 'cloudlink'] });
    r.up('netmon', 'cloudlink');
    r.worker('cloudlink').say({ t: 'req', id: 1, to: 'orchestrator', op: 'cloud.execute', input: { topic: 'delete_device', request: { device_id: 'a' } }, timeoutMs: 60_000 });
    await settle();
    // No time has passed on the fake clock: the answer did not wait for any deadline.
    expect(r.timers.t).toBe(0);
    expect(r.worker('cloudlink').replies()).toEqual([{ t: 'res', id: 1, result: { ok: false, error: { code: 'UNAVAILABLE', message: 'no orchestrator worker in this agent' } } }]);
    expect(r.commands).toEqual([['delete_device', { device_id: 'a' }, { status: 'error', error: 'no orchestrator worker in this agent' }]]);
  });

  it('answers TIMEOUT when the target does not answer within the requester’s deadline', async () => {
    const r = rig();
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('cloudlink').say({ t: 'req', id: 2, to: 'orchestrator', op: 'cloud.execute', input: { topic: 'get_host_interfaces', request: {} }, timeoutMs: 3_000 });
    await settle();
    expect(r.worker('cloudlink').replies()).toEqual([]);
    r.timers.advance(3_000);
    await settle();
    expect(r.worker('cloudlink').replies()).toEqual([
      { t: 'res', id: 2, result: { ok: false, error: { code: 'TIMEOUT', message: 'worker orchestrator did not answer cloud.execute within 3000 ms' } } },
    ]);
  });

  it('answers NO_ROUTE to a request the table does not allow, without reaching any worker', async () => {
    const r = rig({ answers: { netmon: () => ({ ok: true, value: null }) } });
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('cloudlink').say({ t: 'req', id: 3, to: 'netmon', op: 'netmon.snapshot', input: {}, timeoutMs: 1_000 });
    r.worker('cloudlink').say({ t: 'req', id: 4, to: 'netmon', op: 'cloud.execute', input: {}, timeoutMs: 1_000 });
    await settle();
    expect(r.worker('cloudlink').replies()).toEqual([
      { t: 'res', id: 3, result: { ok: false, error: { code: 'NO_ROUTE', message: 'no route for netmon.snapshot from cloudlink to netmon' } } },
      { t: 'res', id: 4, result: { ok: false, error: { code: 'NO_ROUTE', message: 'no route for cloud.execute from cloudlink to netmon' } } },
    ]);
    // Only the bus's own discovery replay (the orchestrator became ready) asked netmon anything.
    expect(r.worker('netmon').requests()).toEqual([{ op: 'netmon.snapshot', input: {} }]);
    expect(r.logs.filter((l) => l.msg === 'worker request without a route')).toHaveLength(2);
  });

  it('ignores and logs a malformed request (no target), and nothing reaches the orchestrator', async () => {
    const r = rig();
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('cloudlink').say({ t: 'req', id: 5, op: 'cloud.execute', input: {}, timeoutMs: 1_000 });
    await settle();
    expect(r.worker('orchestrator').requests().filter((q) => q.op === 'cloud.execute')).toEqual([]);
    expect(r.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'worker cloudlink sent a malformed message' }));
  });
});

describe('WorkerBus: events and core state', () => {
  it('replays netmon’s discovery to the orchestrator each time it (re)starts', async () => {
    const r = rig({ answers: { netmon: (op) => (op === 'netmon.snapshot' ? { ok: true, value: discovery } : undefined) } });
    r.up('netmon', 'orchestrator');
    await settle();
    expect(r.worker('orchestrator').requests()).toEqual([{ op: 'netmon.event', input: discovery }]);
    r.worker('orchestrator').crash();
    // The first restart comes after about a second of backoff, well inside every liveness deadline.
    r.timers.advance(2_000);
    const second = r.worker('orchestrator');
    expect(r.live.get('orchestrator')).toHaveLength(2);
    second.say({ t: 'ready' });
    await settle();
    expect(second.requests()).toEqual([{ op: 'netmon.event', input: discovery }]);
  });

  it('forwards netmon events to the orchestrator in order, as emitted, and to the core', async () => {
    const r = rig();
    r.up('netmon', 'orchestrator');
    await settle();
    const change = (n: number): unknown => ({ type: 'network_change', data: { interface: `vt${n}`, ipv4_addresses: [], status: 'down' } });
    for (const n of [1, 2, 3]) r.worker('netmon').say({ t: 'event', name: 'netmon.event', payload: change(n) });
    await settle();
    expect(r.worker('orchestrator').requests().filter((q) => q.op === 'netmon.event')).toEqual([1, 2, 3].map((n) => ({ op: 'netmon.event', input: change(n) })));
    expect(r.sunk.filter(([k]) => k === 'netmon')).toHaveLength(3);
  });

  it('routes the monitor’s settling hint to the orchestrator only', async () => {
    const r = rig();
    r.up('netmon', 'orchestrator');
    await settle();
    r.worker('netmon').say({ t: 'event', name: 'netmon.settling', payload: { interface: 'ens37' } });
    await settle();
    expect(r.worker('orchestrator').requests().filter((q) => q.op === 'netmon.settling')).toEqual([{ op: 'netmon.settling', input: { interface: 'ens37' } }]);
    expect(r.sunk).toEqual([]);
  });

  it('takes the cloud state from link.state, and offline when the link is not running', () => {
    const r = rig();
    // Started but not ready yet: a link that is not running is not connected.
    expect(r.bus.cloud).toBe('offline');
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('cloudlink').say({ t: 'event', name: 'link.state', payload: { state: 'waiting', agentId: null } });
    expect(r.bus.cloud).toBe('connecting');
    r.worker('cloudlink').say({ t: 'event', name: 'link.state', payload: { state: 'connected', agentId: '42' } });
    expect(r.bus.cloud).toBe('connected');
    expect(r.sunk).toContainEqual(['link-state', { state: 'connected', agentId: '42' }]);
    r.worker('cloudlink').crash();
    expect(r.bus.cloud).toBe('offline');
    expect(rig({ cloudEnabled: false, workers: ['netmon', 'orchestrator'] }).bus.cloud).toBe('disabled');
  });

  it('logs a malformed event for the core with its field and keeps the state', () => {
    const r = rig();
    r.up('cloudlink');
    r.worker('cloudlink').say({ t: 'event', name: 'link.state', payload: { state: 'connected', agentId: '1' } });
    r.worker('cloudlink').say({ t: 'event', name: 'link.state', payload: { state: 5, agentId: null } });
    expect(r.bus.cloud).toBe('connected');
    expect(r.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'malformed link.state event from the cloudlink worker', data: expect.objectContaining({ field: 'state' }) }));
  });

  it('sends host samples to the cloud link as emitted and to the core; without a cloud link, quietly to the core only', async () => {
    const sample = { ts: 1, cpu_usage: 3, memory_usage: 1.5, memory_total: 8, disk_usage: 10, disk_total: 100 };
    const r = rig();
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('orchestrator').say({ t: 'event', name: 'metrics.sample', payload: sample });
    await settle();
    expect(r.worker('cloudlink').requests()).toEqual([{ op: 'metrics.sample', input: sample }]);
    expect(r.sunk).toContainEqual(['host-sample', sample]);
    const local = rig({ cloudEnabled: false, workers: ['netmon', 'orchestrator'] });
    local.up('netmon', 'orchestrator');
    local.worker('orchestrator').say({ t: 'event', name: 'metrics.sample', payload: sample });
    await settle();
    expect(local.sunk).toContainEqual(['host-sample', sample]);
    expect(local.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('routes the orchestrator’s remove-self to the link’s retire', async () => {
    const r = rig();
    r.up('netmon', 'orchestrator', 'cloudlink');
    r.worker('orchestrator').say({ t: 'event', name: 'cloud.remove-self', payload: {} });
    await settle();
    expect(r.worker('cloudlink').requests()).toEqual([{ op: 'link.retire', input: {} }]);
  });
});

describe('the routing table', () => {
  it('names only ops that the target worker’s handler table has', () => {
    const ops: Record<WorkerName, readonly string[]> = { netmon: new NetmonWorker().handle.ops, orchestrator: new OrchestratorWorker().handle.ops, cloudlink: new CloudlinkWorker().handle.ops };
    const targets = [...Object.values(EVENT_ROUTES).flat(), ...Object.values(REQUEST_ROUTES)].flatMap((r) => ('to' in r ? [r] : []));
    expect(targets.length).toBeGreaterThan(0);
    for (const r of targets) expect(ops[r.to], `${r.to} ${r.op}`).toContain(r.op);
  });
});
