import { describe, expect, it } from 'vitest';
import { DebugMap } from '../../../../../../shared/debug/debug-map.js';
import { expectedSize, toAddress, toAddresses, variableCount } from '../../../../../../electron/workers/orchestrator/debug/translate.js';
import { fixture } from '../../../../../support/debug-runtime.js';

const map = DebugMap.parse(fixture('debug-map.json'));

describe('debug index translation (docs/debug.md "Index translation")', () => {
  const v4 = { arrays: [6, 3, 0, 2], legacy: false };

  it('maps flat indexes through the per-array counts, array 0 first', () => {
    expect(variableCount(v4)).toBe(11);
    expect([0, 5, 6, 8, 9, 10].map((i) => toAddress(i, v4))).toEqual([
      { array: 0, element: 0 },
      { array: 0, element: 5 },
      { array: 1, element: 0 },
      { array: 1, element: 2 },
      { array: 3, element: 0 },
      { array: 3, element: 1 },
    ]);
    expect(toAddress(11, v4)).toBeNull();
  });

  it('passes explicit addresses through on v4; legacy runtimes have array 0 only', () => {
    expect(toAddress({ array: 7, element: 9999 }, v4)).toEqual({ array: 7, element: 9999 });
    const legacy = { arrays: [300], legacy: true };
    expect(toAddress(299, legacy)).toEqual({ array: 0, element: 299 });
    expect(toAddress(300, legacy)).toBeNull();
    expect(toAddress({ array: 0, element: 4 }, legacy)).toEqual({ array: 0, element: 4 });
    expect(toAddress({ array: 1, element: 0 }, legacy)).toBeNull();
  });

  it('names the first index that has no variable', () => {
    expect(toAddresses([0, 99, 1], v4)).toEqual({ ok: false, index: 99 });
  });

  it('expects the sizes of the debug map of the loaded program only', () => {
    const all = [0, 1, 2, 3, 4, 5].map((element) => ({ array: 0, element }));
    expect(expectedSize(all, map, map.md5)).toBe(21);
    expect(expectedSize(all, map, 'ffffffffffffffffffffffffffffffff')).toBeNull();
    expect(expectedSize(all, null, map.md5)).toBeNull();
    expect(expectedSize([{ array: 0, element: 0 }, { array: 0, element: 9999 }], map, map.md5)).toBe('not-in-program');
  });
});
