import { describe, expect, it } from 'vitest';
import { historyCapacity, PlcHistory } from '../../../../../../electron/workers/orchestrator/plc/history.js';
import { DEFAULT_RING_CAPACITY } from '../../../../../../electron/workers/orchestrator/metrics/ring.js';
import type { PlcHistoryPoint } from '../../../../../../shared/domain/plc.js';

const point = (timestamp: number, scan = 7): PlcHistoryPoint => ({ timestamp, task: 'TASK0', scan_avg: scan, scan_max: 56, cycle_avg: 6330, latency_avg: 87, latency_max: 2798, overruns: timestamp });

describe('PLC history rings', () => {
  it('hold 48 h at the poll period, as the usage rings do at 5 s', () => {
    expect(historyCapacity(5_000)).toBe(DEFAULT_RING_CAPACITY);
    expect(historyCapacity(10_000)).toBe(DEFAULT_RING_CAPACITY / 2);
  });

  it('answer the points of a window in order, and drop the oldest when full', () => {
    const h = new PlcHistory(4);
    for (let t = 1; t <= 6; t++) h.append('a', point(1000 + t * 5));
    expect(h.query('a', 0, 2000).map((p) => p.timestamp)).toEqual([1015, 1020, 1025, 1030]);
    expect(h.query('a', 1020, 1025).map((p) => p.timestamp)).toEqual([1020, 1025]);
    expect(h.query('a', 1020, 1025)[0]).toEqual(point(1020));
  });

  it('keep one ring per vPLC, made at its first point and gone when forgotten', () => {
    const h = new PlcHistory(8);
    expect(h.has('a')).toBe(false);
    h.append('a', point(10));
    h.append('b', point(10, 9));
    expect(h.query('b', 0, 20)[0]?.scan_avg).toBe(9);
    h.forget('a');
    expect(h.has('a')).toBe(false);
    expect(h.query('a', 0, 20)).toEqual([]);
    expect(h.query('b', 0, 20)).toHaveLength(1);
  });
});
