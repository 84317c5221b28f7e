/**
 * Cloud indexes ↔ runtime addresses (docs/debug.md "Index translation"). The cloud numbers variables flatly; a v4
 * runtime addresses `[array][element]`. INFO's per-array counts (array 0 first) give the mapping: flat index i is in
 * the first array whose cumulative count exceeds it. Explicit `{array, element}` addresses pass unchanged (the runtime
 * skips the ones it does not have). A legacy runtime takes the flat index as its u16 index.
 */
import type { DebugIndex } from '../../../../shared/debug/messages.js';
import type { VarAddress } from '../../../../shared/debug/types.js';
import type { DebugMap } from '../../../../shared/debug/debug-map.js';

export type Layout = { arrays: readonly number[]; legacy: boolean };

/** The text of an index that names no variable (what the older runtime answered for it). */
export const OUT_OF_BOUNDS = 'ERROR_OUT_OF_BOUNDS';

export function variableCount(layout: Layout): number {
  return layout.arrays.reduce((a, b) => a + b, 0);
}

/** The runtime address of one cloud index, or null when it names no variable of the layout. */
export function toAddress(index: DebugIndex, layout: Layout): VarAddress | null {
  if (typeof index !== 'number') {
    // Legacy runtimes have a single flat table: only array 0 exists there.
    if (layout.legacy) return index.array === 0 ? index : null;
    return index;
  }
  if (layout.legacy) return index < (layout.arrays[0] ?? 0) ? { array: 0, element: index } : null;
  let rest = index;
  for (let array = 0; array < layout.arrays.length; array += 1) {
    const count = layout.arrays[array] ?? 0;
    if (rest < count) return { array, element: rest };
    rest -= count;
  }
  return null;
}

/** All addresses of a list, or the first index that has none. */
export function toAddresses(indexes: readonly DebugIndex[], layout: Layout): { ok: true; addresses: VarAddress[] } | { ok: false; index: DebugIndex } {
  const addresses: VarAddress[] = [];
  for (const i of indexes) {
    const a = toAddress(i, layout);
    if (a === null) return { ok: false, index: i };
    addresses.push(a);
  }
  return { ok: true, addresses };
}

/**
 * What the program's debug map expects of a GET_LIST reply, when the map is known and belongs to the loaded program:
 * the total size of the values, or `not-in-program` when an address names no variable of the map (the runtime would
 * skip it silently). null: no usable map, the reply's data is passed through unchecked.
 */
export function expectedSize(addresses: readonly VarAddress[], map: DebugMap | null, md5: string | null): number | 'not-in-program' | null {
  if (map === null || md5 === null || map.md5.toLowerCase() !== md5) return null;
  const sizes = new Map(map.leaves.map((l) => [`${l.arrayIdx}:${l.elemIdx}`, l.size]));
  let total = 0;
  for (const a of addresses) {
    const size = sizes.get(`${a.array}:${a.element}`);
    if (size === undefined) return 'not-in-program';
    total += size;
  }
  return total;
}
