import { describe, expect, it } from 'vitest';
import { CrashGuard } from '../../../../../electron/workers/orchestrator/lifecycle/crash-guard.js';

describe('CrashGuard', () => {
  it('suspends after 5 restarts within 600 s and resumes when the window allows', () => {
    let t = 0;
    const g = new CrashGuard(5, 600_000, () => t);
    for (let i = 0; i < 5; i++) {
      expect(g.suspended('p')).toBe(false);
      g.record('p');
      t += 10_000;
    }
    expect(g.suspended('p')).toBe(true);
    expect(g.count('p')).toBe(5);
    t = 600_000;
    expect(g.suspended('p')).toBe(false);
    expect(g.count('p')).toBe(4);
  });

  it('forgets the history when an explicit start clears it', () => {
    const t = 0;
    const g = new CrashGuard(2, 1_000, () => t);
    g.record('p');
    g.record('p');
    expect(g.suspended('p')).toBe(true);
    g.clear('p');
    expect(g.count('p')).toBe(0);
  });
});

describe('CrashGuard on the monotonic clock', () => {
  it('takes back exactly the record of a restart the engine refused', () => {
    let t = 1_000;
    const g = new CrashGuard(5, 600_000, () => t);
    g.record('p');
    t += 10;
    const token = g.record('p');
    t += 10;
    g.record('q');
    g.retract('p', token);
    expect(g.count('p')).toBe(1);
    expect(g.count('q')).toBe(1);
    // A token that is not there (already pruned or retracted) changes nothing.
    g.retract('p', token);
    expect(g.count('p')).toBe(1);
  });

  it('tells when a suspended vPLC may restart again: when enough records age out', () => {
    let t = 0;
    const g = new CrashGuard(3, 100_000, () => t);
    expect(g.resumesAt('p')).toBeNull();
    for (const at of [0, 10_000, 20_000, 30_000]) {
      t = at;
      g.record('p');
    }
    // 4 records, limit 3: the two oldest must age out for the count to fall below the limit.
    expect(g.resumesAt('p')).toBe(110_000);
    t = 110_000;
    expect(g.suspended('p')).toBe(false);
    expect(g.resumesAt('p')).toBeNull();
  });
});

describe('the crash-loop window across agent restarts', () => {
  it('a snapshot restored by a new guard (another monotonic base) keeps the count, the suspension and when it ends', () => {
    let mono = 50_000;
    const wall = 1_800_000_000_000;
    const a = new CrashGuard(3, 600_000, () => mono);
    for (let i = 0; i < 3; i++) {
      a.record('p');
      mono += 20_000;
    }
    const resumesIn = (a.resumesAt('p') ?? 0) - mono;
    const saved = a.snapshot(wall);
    expect(saved['p']).toHaveLength(3);

    // The agent restarts 30 s later; the new process's monotonic clock starts elsewhere.
    let mono2 = 7;
    const b = new CrashGuard(3, 600_000, () => mono2);
    b.restore(saved, wall + 30_000);
    expect(b.suspended('p')).toBe(true);
    expect((b.resumesAt('p') ?? 0) - mono2).toBe(resumesIn - 30_000);
    mono2 += resumesIn - 30_000;
    expect(b.suspended('p')).toBe(false);
  });

  it('drops records older than the window and records from the future (a clock stepped back)', () => {
    const g = new CrashGuard(3, 600_000, () => 0);
    const now = 1_800_000_000_000;
    g.restore({ p: [now - 700_000, now - 10_000, now + 60_000] }, now);
    expect(g.count('p')).toBe(1);
  });

  it('tells its owner about every change, so the file follows', () => {
    let changes = 0;
    const g = new CrashGuard(3, 600_000, () => 0, () => changes++);
    const t = g.record('p');
    g.retract('p', t);
    g.record('p');
    g.clear('p');
    g.clear('p');
    expect(changes).toBe(4);
  });
});
