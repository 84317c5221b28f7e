import { describe, expect, it } from 'vitest';
import { parsePeriod } from '../../../../../../electron/workers/orchestrator/metrics/period.js';

const NOW = 1_712_750_000;

describe('parsePeriod', () => {
  it('defaults to the last hour when absent, without a warning', () => {
    expect(parsePeriod(undefined, NOW)).toEqual({ start: NOW - 3600, end: NOW });
    expect(parsePeriod(null, NOW)).toEqual({ start: NOW - 3600, end: NOW });
  });

  it('reads "<start>,<end>" as an inclusive absolute range', () => {
    expect(parsePeriod('1712740000,1712750000', NOW)).toEqual({ start: 1712740000, end: 1712750000 });
    expect(parsePeriod(' 10 , 20 ', NOW)).toEqual({ start: 10, end: 20 });
    expect(parsePeriod('20,10', NOW)).toEqual({ start: 20, end: 10 });
  });

  it('reads relative hours, minutes, days and seconds', () => {
    expect(parsePeriod('2h', NOW)).toEqual({ start: NOW - 7200, end: NOW });
    expect(parsePeriod('15m', NOW)).toEqual({ start: NOW - 900, end: NOW });
    expect(parsePeriod('2d', NOW)).toEqual({ start: NOW - 172_800, end: NOW });
    expect(parsePeriod('90', NOW)).toEqual({ start: NOW - 90, end: NOW });
    expect(parsePeriod('0h', NOW)).toEqual({ start: NOW, end: NOW });
    expect(parsePeriod('0', NOW)).toEqual({ start: NOW, end: NOW });
  });

  it('truncates a fractional now and never starts before 0', () => {
    expect(parsePeriod('1h', NOW + 0.9)).toEqual({ start: NOW - 3600, end: NOW });
    expect(parsePeriod('99999999999d', NOW)).toEqual({ start: 0, end: NOW });
    expect(parsePeriod(`${'9'.repeat(400)}`, NOW)).toEqual({ start: 0, end: NOW });
  });

  it.each(['', 'abc', '1H', '-1h', '1.5h', '1w', 'h', '1,2,3', '1,', ',2', '-5', '1h30m', '0x10'])(
    'falls back to the last 3600 s with a warning for %j',
    (bad) => {
      const r = parsePeriod(bad, NOW);
      expect(r.start).toBe(NOW - 3600);
      expect(r.end).toBe(NOW);
      expect(r.warning).toMatch(/Unrecognised period/);
    },
  );

  it('keeps the warning short for huge input', () => {
    const r = parsePeriod('x'.repeat(10_000), NOW);
    expect(r.warning?.length).toBeLessThan(200);
  });
});
