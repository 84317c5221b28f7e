import { cidrsOverlap, cidrToString, parseCidr } from '../../../../shared/net/ipv4.js';

/**
 * The lowest block of `blockPrefix` inside `pool` that overlaps none of `used`.
 * Pure: callers pass Docker's subnets, the host's routes and known LANs.
 */
export function allocateBlock(pool: string, used: readonly string[], blockPrefix = 29): string | null {
  const p = parseCidr(pool);
  if (!p || p.prefix > blockPrefix) return null;
  const size = 2 ** (32 - blockPrefix);
  const count = 2 ** (blockPrefix - p.prefix);
  const usedParsed = used.map((u) => parseCidr(u)).filter((u): u is NonNullable<typeof u> => u !== null);
  for (let i = 0; i < count; i++) {
    const network = (p.network + i * size) >>> 0;
    const block = cidrToString({ network, prefix: blockPrefix });
    if (!usedParsed.some((u) => cidrsOverlap(block, cidrToString(u)))) return block;
  }
  return null;
}
