import { describe, expect, it } from 'vitest';
import { agentWord, TrayFeed, type FeedTimers, type TrayAgentApi } from '../../../../electron/shell/tray/feed.js';
import type { TrayState } from '../../../../electron/shell/tray/menu.js';
import type { Envelope } from '../../../../shared/api/envelope.js';

const cert = (daysLeft: number): unknown => ({
  agentId: 'a1',
  subject: 'CN=a1',
  issuer: 'CN=ca',
  notBefore: '2026-01-01T00:00:00Z',
  notAfter: '2027-01-01T00:00:00Z',
  fingerprint256: 'AA',
  expiry: { level: 'ok', daysLeft, message: null },
});

/** A scripted agent: answers from `answers`, records calls, and lets the test emit events. */
function fakeApi(answers: Record<string, Envelope<unknown>>): TrayAgentApi & { calls: string[]; emit(name: string, payload: unknown): void } {
  let listener: (name: string, payload: unknown) => void = () => undefined;
  const calls: string[] = [];
  return {
    mode: 'own',
    calls,
    call: (channel) => {
      calls.push(channel);
      return Promise.resolve(answers[channel] ?? { ok: false, error: { code: 'UNAVAILABLE', message: 'no answer' } });
    },
    onEvent: (cb) => {
      listener = cb;
      return () => (listener = () => undefined);
    },
    emit: (name, payload) => listener(name, payload),
  };
}

function manualTimers(): FeedTimers & { fire(): void; pending: number } {
  const timeouts = new Map<number, () => void>();
  let next = 1;
  return {
    setInterval: () => 0,
    clearInterval: () => undefined,
    setTimeout: (cb) => {
      timeouts.set(next, cb);
      return next++;
    },
    clearTimeout: (h) => void timeouts.delete(h as number),
    fire: () => {
      const all = [...timeouts.values()];
      timeouts.clear();
      for (const cb of all) cb();
    },
    get pending() {
      return timeouts.size;
    },
  };
}

const status = (workers: string[], cloud = 'connecting'): Envelope<unknown> => ({
  ok: true,
  value: { installationId: 'i', mode: 'own', cloud, workers: workers.map((state, i) => ({ name: `w${i}`, state })), warnings: [] },
});
const vplcs = (running: boolean[]): Envelope<unknown> => ({
  ok: true,
  value: running.map((r, i) => ({ name: `p${i}`, state: r ? 'running' : 'exited', running: r, desired_state: null, operation: null, internal_ip: null })),
});
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

describe('agentWord', () => {
  it.each([
    [[], 'stopped'],
    [['stopped', 'stopped'], 'stopped'],
    [['running', 'starting'], 'starting'],
    [['running', 'stopping'], 'stopping'],
    [['running', 'backoff'], 'degraded'],
    [['running', 'failed'], 'degraded'],
    [['running', 'unresponsive'], 'degraded'],
    [['running', 'running', 'running'], 'running'],
  ] as const)('%j → %s', (workers, word) => {
    expect(agentWord({ installationId: '', mode: 'own', cloud: 'disabled', workers: workers.map((state) => ({ name: 'w', state })), warnings: [] })).toBe(word);
  });
});

describe('TrayFeed', () => {
  it('builds the state from status, vPLC list and certificate', async () => {
    const api = fakeApi({ 'agent:status': status(['running', 'running'], 'connected'), 'vplc:list': vplcs([true, false, true]), 'certs:info': { ok: true, value: cert(6.7) } });
    const renders: TrayState[] = [];
    const feed = new TrayFeed(api, (s) => renders.push(s), () => undefined, manualTimers());
    await feed.start();
    expect(feed.current()).toEqual({ agent: 'running', mode: 'own', cloud: 'connected', vplcs: { running: 2, degraded: 0, total: 3 }, certDaysLeft: 6 });
  });

  it('keeps the last known counts when a read fails instead of showing zero', async () => {
    const answers: Record<string, Envelope<unknown>> = { 'agent:status': status(['running']), 'vplc:list': vplcs([true, true]), 'certs:info': { ok: true, value: null } };
    const feed = new TrayFeed(fakeApi(answers), () => undefined, () => undefined, manualTimers());
    await feed.start();
    delete answers['vplc:list'];
    await feed.refresh();
    expect(feed.current().vplcs).toEqual({ running: 2, degraded: 0, total: 2 });
  });

  it('counts a running vPLC short of a verified fact as degraded, not running', async () => {
    const list = [
      { name: 'a', state: 'running', running: true, desired_state: null, operation: null, internal_ip: null, health: 'running', reasons: [] },
      { name: 'b', state: 'running', running: true, desired_state: null, operation: null, internal_ip: null, health: 'degraded', reasons: ["no DHCP lease on vNIC 'lan'"] },
      { name: 'c', state: 'exited', running: false, desired_state: null, operation: null, internal_ip: null, health: 'stopped', reasons: [] },
    ];
    const api = fakeApi({ 'agent:status': status(['running'], 'connected'), 'vplc:list': { ok: true, value: list }, 'certs:info': { ok: true, value: null } });
    const feed = new TrayFeed(api, () => undefined, () => undefined, manualTimers());
    await feed.start();
    expect(feed.current().vplcs).toEqual({ running: 1, degraded: 1, total: 3 });
  });

  it('follows link state events and leaves a disabled cloud alone', async () => {
    const api = fakeApi({ 'agent:status': status(['running']), 'vplc:list': vplcs([]), 'certs:info': { ok: true, value: null } });
    const feed = new TrayFeed(api, () => undefined, () => undefined, manualTimers());
    await feed.start();
    api.emit('link:state', { state: 'connected', agentId: 'a1' });
    expect(feed.current().cloud).toBe('connected');
    api.emit('link:state', { state: 'waiting', agentId: 'a1' });
    expect(feed.current().cloud).toBe('connecting');
    api.emit('link:state', { state: 'something-new', agentId: null });
    expect(feed.current().cloud).toBe('offline');

    const local = fakeApi({ 'agent:status': status(['running'], 'disabled'), 'vplc:list': vplcs([]), 'certs:info': { ok: true, value: null } });
    const localFeed = new TrayFeed(local, () => undefined, () => undefined, manualTimers());
    await localFeed.start();
    local.emit('link:state', { state: 'connected', agentId: null });
    expect(localFeed.current().cloud).toBe('disabled');
  });

  it('refreshes once for a burst of vPLC changes', async () => {
    const api = fakeApi({ 'agent:status': status(['running']), 'vplc:list': vplcs([]), 'certs:info': { ok: true, value: null } });
    const timers = manualTimers();
    const feed = new TrayFeed(api, () => undefined, () => undefined, timers);
    await feed.start();
    const before = api.calls.filter((c) => c === 'vplc:list').length;
    for (let i = 0; i < 5; i++) api.emit('vplc:changed', { kind: 'created', name: `p${i}` });
    expect(timers.pending).toBe(1);
    timers.fire();
    await flush();
    expect(api.calls.filter((c) => c === 'vplc:list').length).toBe(before + 1);
  });

  it('shows the transition at once, the real state after, and reports a failed stop', async () => {
    const answers: Record<string, Envelope<unknown>> = { 'agent:status': status(['running']), 'vplc:list': vplcs([]), 'certs:info': { ok: true, value: null } };
    const renders: TrayState[] = [];
    const errors: string[] = [];
    const feed = new TrayFeed(fakeApi(answers), (s) => renders.push(s), (m) => errors.push(m), manualTimers());
    await feed.start();
    answers['agent:stop'] = { ok: false, error: { code: 'INTERNAL', message: 'worker did not stop' } };
    await feed.command('stop-agent');
    expect(renders.map((r) => r.agent).slice(-2)).toEqual(['stopping', 'running']);
    expect(errors).toEqual(['Stopping the agent failed: worker did not stop']);
  });
});

describe('TrayFeed when the agent cannot be reached', () => {
  it('shows why (from the service’s state report), and drops the reason once the agent answers again', async () => {
    const answers: Record<string, Envelope<unknown>> = {};
    const api = fakeApi(answers);
    const renders: TrayState[] = [];
    const why = 'the service is not running: its last start (2026-12-04T19:00:00.000Z) failed: port 48750 is held by another process (pid 812 `python3`, uid 65534)';
    const feed = new TrayFeed(api, (s) => renders.push(s), () => undefined, manualTimers(), () => Promise.resolve(why));
    await feed.start();
    expect(feed.current().problem).toBe(why);
    answers['agent:status'] = status(['running', 'running'], 'connected');
    await feed.refresh();
    expect(feed.current().problem).toBeUndefined();
    expect(feed.current().agent).toBe('running');
  });

  it('falls back to the transport’s own message when there is nothing better to say', async () => {
    const feed = new TrayFeed(fakeApi({}), () => undefined, () => undefined, manualTimers());
    await feed.start();
    expect(feed.current().problem).toBe('no answer');
  });
});
