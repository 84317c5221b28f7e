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
