import { describe, expect, it } from 'vitest';
import { DEFAULT_RING_CAPACITY, UsageRings } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';

describe('UsageRings', () => {
  it('defaults to 48 h at 5 s and budgets ≈ 0.28 MB per device', () => {
    const rings = new UsageRings();
    expect(rings.capacity).toBe(DEFAULT_RING_CAPACITY);
    expect(DEFAULT_RING_CAPACITY).toBe(34_560);
    const before = rings.byteLength;
    rings.register('plc1');
    expect(rings.byteLength - before).toBe(34_560 * 8);
  });

  it('rejects a bad capacity', () => {
    expect(() => new UsageRings({ capacity: 0 })).toThrow(RangeError);
    expect(() => new UsageRings({ capacity: 1.5 })).toThrow(RangeError);
  });

  it('registers, lists and unregisters devices', () => {
    const rings = new UsageRings({ capacity: 4 });
    rings.register('a');
    rings.register('b');
    rings.register('a');
    expect(rings.list()).toEqual(['a', 'b']);
    expect(rings.has('a')).toBe(true);
    expect(rings.unregister('a')).toBe(true);
    expect(rings.unregister('a')).toBe(false);
    expect(rings.has('a')).toBe(false);
    expect(rings.list()).toEqual(['b']);
  });

  it('truncates cpu to integer percent and memory to integer MiB, in chronological order', () => {
    const rings = new UsageRings({ capacity: 8 });
    rings.register('plc1');
    rings.append({ ts: 100, orchestrator: { cpu: 7.9, memory: 2560.99 }, devices: [['plc1', { cpu: 12.7, memory: 143.4 }]] });
    rings.append({ ts: 105.9, orchestrator: { cpu: 150.2, memory: 1 }, devices: [['plc1', { cpu: 0.4, memory: 0 }]] });
    expect(rings.query('orchestrator', 'cpu', 0, 1000)).toEqual([
      { timestamp: 100, cpu: 7 },
      { timestamp: 105, cpu: 150 },
    ]);
    expect(rings.query('orchestrator', 'memory', 0, 1000)).toEqual([
      { timestamp: 100, memory: 2560 },
      { timestamp: 105, memory: 1 },
    ]);
    expect(rings.query({ device: 'plc1' }, 'cpu', 0, 1000)).toEqual([
      { timestamp: 100, cpu: 12 },
      { timestamp: 105, cpu: 0 },
    ]);
    expect(rings.query({ device: 'plc1' }, 'memory', 0, 1000)).toEqual([
      { timestamp: 100, memory: 143 },
      { timestamp: 105, memory: 0 },
    ]);
  });

  it('filters start ≤ ts ≤ end inclusively', () => {
    const rings = new UsageRings({ capacity: 10 });
    for (let ts = 0; ts < 10; ts++) rings.append({ ts, orchestrator: { cpu: ts, memory: ts } });
    expect(rings.query('orchestrator', 'cpu', 3, 5).map((p) => p.timestamp)).toEqual([3, 4, 5]);
    expect(rings.query('orchestrator', 'cpu', 5, 3)).toEqual([]);
  });

  it('wraps around and evicts the oldest first', () => {
    const rings = new UsageRings({ capacity: 3 });
    rings.register('d');
    for (let i = 1; i <= 7; i++) rings.append({ ts: i * 5, orchestrator: { cpu: i, memory: i * 10 }, devices: [['d', { cpu: i, memory: i }]] });
    expect(rings.size).toBe(3);
    expect(rings.query('orchestrator', 'cpu', 0, 1e9)).toEqual([
      { timestamp: 25, cpu: 5 },
      { timestamp: 30, cpu: 6 },
      { timestamp: 35, cpu: 7 },
    ]);
    expect(rings.query({ device: 'd' }, 'memory', 0, 1e9).map((p) => p.memory)).toEqual([5, 6, 7]);
  });

  it('skips absent samples (NaN, null, non-finite) and devices not sampled in a tick', () => {
    const rings = new UsageRings({ capacity: 5 });
    rings.register('d');
    rings.append({ ts: 1, orchestrator: { cpu: null, memory: 10 }, devices: [['d', { cpu: NaN, memory: 5 }]] });
    rings.append({ ts: 2, orchestrator: { cpu: 3, memory: Infinity } });
    rings.append({ ts: 3 });
    expect(rings.query('orchestrator', 'cpu', 0, 10)).toEqual([{ timestamp: 2, cpu: 3 }]);
    expect(rings.query('orchestrator', 'memory', 0, 10)).toEqual([{ timestamp: 1, memory: 10 }]);
    expect(rings.query({ device: 'd' }, 'cpu', 0, 10)).toEqual([]);
    expect(rings.query({ device: 'd' }, 'memory', 0, 10)).toEqual([{ timestamp: 1, memory: 5 }]);
  });

  it('drops samples of unregistered devices and answers [] for unknown devices', () => {
    const rings = new UsageRings({ capacity: 5 });
    rings.append({ ts: 1, devices: [['ghost', { cpu: 1, memory: 1 }]] });
    expect(rings.query({ device: 'ghost' }, 'cpu', 0, 10)).toEqual([]);
    rings.register('ghost');
    expect(rings.query({ device: 'ghost' }, 'cpu', 0, 10)).toEqual([]);
  });

  it('a device registered late has history only from its registration; unregistering forgets it', () => {
    const rings = new UsageRings({ capacity: 4 });
    rings.append({ ts: 1, orchestrator: { cpu: 1, memory: 1 }, devices: [['late', { cpu: 9, memory: 9 }]] });
    rings.register('late');
    rings.append({ ts: 2, devices: [['late', { cpu: 2, memory: 2 }]] });
    expect(rings.query({ device: 'late' }, 'cpu', 0, 10)).toEqual([{ timestamp: 2, cpu: 2 }]);
    rings.unregister('late');
    rings.register('late');
    expect(rings.query({ device: 'late' }, 'cpu', 0, 10)).toEqual([]);
  });

  it('wraps correctly at the full default capacity', () => {
    const rings = new UsageRings();
    rings.register('plc');
    const n = DEFAULT_RING_CAPACITY + 10;
    for (let i = 0; i < n; i++) rings.append({ ts: 1_700_000_000 + i * 5, orchestrator: { cpu: 1, memory: 1 }, devices: [['plc', { cpu: 50, memory: 100 }]] });
    const all = rings.query({ device: 'plc' }, 'cpu', 0, 0xffffffff);
    expect(all).toHaveLength(DEFAULT_RING_CAPACITY);
    expect(all[0]?.timestamp).toBe(1_700_000_000 + 10 * 5);
    expect(all.at(-1)?.timestamp).toBe(1_700_000_000 + (n - 1) * 5);
  });
});
