// How the P3 bench names the agent's threads and reads their wake-ups: robust to thread ids that wrap at pid_max and to
// however many threads Node starts on its own.
import { describe, expect, it } from 'vitest';
import { groupThreads, nameThreads, OTHER_THREADS } from '../../../bench/p3-idle-agent.js';
import { voluntarySwitches } from '../../../bench/proc-tree.js';

describe('P3 thread names', () => {
  it('names main and the workers by id and groups every other thread, whatever order the ids wrapped into', () => {
    const pid = 32_700;
    // Thread ids wrapped past pid_max (32768): Node's own threads and the workers got small ids after main's.
    const tids = [pid, 32_701, 32_702, 32_767, 300, 301, 302, 303, 304];
    const names = nameThreads(pid, tids, [
      { name: 'netmon', tid: 302, heapUsed: 1, heapTotal: 2 },
      { name: 'orchestrator', tid: 303, heapUsed: 1, heapTotal: 2 },
      { name: 'cloudlink', tid: 304, heapUsed: 1, heapTotal: 2 },
    ]);
    expect(Object.fromEntries(names)).toEqual({
      [pid]: 'main',
      32701: OTHER_THREADS,
      32702: OTHER_THREADS,
      32767: OTHER_THREADS,
      300: OTHER_THREADS,
      301: OTHER_THREADS,
      302: 'netmon',
      303: 'orchestrator',
      304: 'cloudlink',
    });
  });

  it('sums the group and keeps main first and the group last', () => {
    const names = new Map([
      [1, 'main'],
      [2, OTHER_THREADS],
      [3, 'netmon'],
      [4, OTHER_THREADS],
    ]);
    const groups = groupThreads(
      [
        { tid: 2, cpuSeconds: 0.25, wakeupsPerSecond: 1 },
        { tid: 3, cpuSeconds: 0.5, wakeupsPerSecond: 2 },
        { tid: 4, cpuSeconds: 0.25, wakeupsPerSecond: 3 },
        { tid: 1, cpuSeconds: 1, wakeupsPerSecond: 4 },
      ],
      names,
    );
    expect([...groups.keys()]).toEqual(['main', 'netmon', OTHER_THREADS]);
    expect(groups.get(OTHER_THREADS)).toMatchObject({ cpuSeconds: 0.5, wakeupsPerSecond: 4, threads: 2 });
  });
});

describe('voluntarySwitches', () => {
  it('reads the voluntary line, not the nonvoluntary one, in any order', () => {
    expect(voluntarySwitches('Name:\tnode\nnonvoluntary_ctxt_switches:\t7\nvoluntary_ctxt_switches:\t42\n')).toBe(42);
    expect(voluntarySwitches('voluntary_ctxt_switches:\t5\nnonvoluntary_ctxt_switches:\t9\n')).toBe(5);
  });
});
