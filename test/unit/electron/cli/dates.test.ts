// Dates in the CLI are for a person: local time with its zone and how far away it is (fixed clock and zone here).
import { describe, expect, it } from 'vitest';
import { humanDate, relativeTime } from '../../../../electron/cli/dates.js';

const now = new Date('2026-11-05T19:27:47.213Z');

describe('humanDate', () => {
  it('shows the local time with its zone and the distance ("link it before …" used to print raw ISO)', () => {
    expect(humanDate('2026-12-04T19:27:47.213Z', now, 'Europe/Berlin')).toBe('Fri, 4 Dec 2026, 20:27 CET (in 29 days)');
    expect(humanDate('2026-12-04T19:27:47.213Z', now, 'UTC')).toBe('Fri, 4 Dec 2026, 19:27 UTC (in 29 days)');
  });

  it('reads the certificate form of a date too', () => {
    expect(humanDate('Dec  4 19:27:47 2027 GMT', now, 'UTC')).toBe('Sat, 4 Dec 2027, 19:27 UTC (in 1 year)');
  });

  it('returns what it cannot read as it came', () => {
    expect(humanDate('someday', now)).toBe('someday');
  });
});

describe('relativeTime', () => {
  it('uses the largest unit that fits, in both directions', () => {
    const at = (ms: number): Date => new Date(now.getTime() + ms);
    expect(relativeTime(at(3 * 3_600_000 + 5), now)).toBe('in 3 hours');
    expect(relativeTime(at(-2 * 86_400_000), now)).toBe('2 days ago');
    expect(relativeTime(at(-86_400_000), now)).toBe('1 day ago');
    expect(relativeTime(at(90 * 60_000), now)).toBe('in 1 hour');
    expect(relativeTime(at(20_000), now)).toBe('now');
  });
});
