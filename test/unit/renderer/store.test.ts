import { describe, expect, it } from 'vitest';
import { Api } from '../../../renderer/src/api/client';
import { filterLogs } from '../../../renderer/src/features/logs/Logs';
import { hostSeries } from '../../../renderer/src/features/metrics';
import { connectStore, createAppStore, MAX_SAMPLES } from '../../../renderer/src/store/app';
import { FakeTransport, ok } from './fake-transport';

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0));
const sample = (ts: number) => ({ ts, cpu_usage: 10, memory_usage: 2, memory_total: 8, disk_usage: 50, disk_total: 100 });

describe('the app store', () => {
  it('loads everything when the link opens and keeps the last value when a refresh fails', async () => {
    const t = new FakeTransport({ 'vplc:list': () => ok([{ name: 'a', state: 'running', running: true, desired_state: 'running', operation: null, internal_ip: null }]) });
    const api = new Api(t);
    const store = createAppStore(api);
    const off = connectStore(api, store);
    t.setState('open');
    await flush();
    expect(store.getState().link).toBe('open');
    expect(store.getState().vplcs.data?.map((v) => v.name)).toEqual(['a']);
    expect(store.getState().status.error).toBe('no fake for agent:status');
    t.handle('vplc:list', () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'worker restarting' } }));
    await store.getState().refreshVplcs();
    expect(store.getState().vplcs).toEqual({ data: [expect.objectContaining({ name: 'a' })], loading: false, error: 'worker restarting' });
    off();
  });

  it('rejects an answer that does not match the contract with a clear error', async () => {
    const t = new FakeTransport();
    t.handleUnchecked('vplc:list', () => ok([{ name: 5 }]));
    const api = new Api(t);
    const r = await api.call('vplc:list', {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.message).toMatch(/does not match this UI \(0\.name:/);
  });

  it('keeps a bounded window of live samples and ignores malformed events', () => {
    const t = new FakeTransport();
    const api = new Api(t);
    const store = createAppStore(api);
    connectStore(api, store);
    for (let i = 0; i < MAX_SAMPLES + 10; i++) t.emit('metrics:sample', sample(i));
    t.emitUnchecked('metrics:sample', { ts: 'x' });
    expect(store.getState().hostSamples).toHaveLength(MAX_SAMPLES);
    expect(store.getState().hostSamples[0]?.ts).toBe(10);
  });
});

describe('host series', () => {
  it('continues the history with newer live samples, in percent, inside the range', () => {
    const history = { cpu: [{ timestamp: 100, cpu: 5 }, { timestamp: 200, cpu: 6 }], memory: [{ timestamp: 200, memory: 4096 }] };
    const s = hostSeries(history, [sample(150), sample(300)], 3_600, 400);
    expect(s.cpu).toEqual([{ t: 100, v: 5 }, { t: 200, v: 6 }, { t: 300, v: 10 }]);
    expect(s.memory).toEqual([{ t: 200, v: 50 }, { t: 300, v: 25 }]);
    expect(s.disk).toEqual([{ t: 150, v: 50 }, { t: 300, v: 50 }]);
    expect(hostSeries(history, [], 3_600, 10_000).cpu).toEqual([]);
  });
});

describe('log filter', () => {
  const line = (level: 'debug' | 'info' | 'warn' | 'error', msg: string) => ({ ts: '2026-01-01T00:00:00.000Z', level, scope: 'orchestrator', msg });
  it('keeps lines at or above the level that match the search in scope or message', () => {
    const lines = [line('debug', 'tick'), line('info', 'vPLC plc1 created'), line('error', 'Docker down')];
    expect(filterLogs(lines, 'info', '').map((l) => l.msg)).toEqual(['vPLC plc1 created', 'Docker down']);
    expect(filterLogs(lines, 'debug', 'PLC1').map((l) => l.msg)).toEqual(['vPLC plc1 created']);
    expect(filterLogs(lines, 'warn', 'orchestr').map((l) => l.msg)).toEqual(['Docker down']);
  });
});
