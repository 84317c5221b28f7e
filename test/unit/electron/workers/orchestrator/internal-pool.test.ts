import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocateBlock } from '../../../../../electron/workers/orchestrator/net/internal-pool.js';
import { cidrsOverlap, ipInCidr } from '../../../../../shared/net/ipv4.js';

describe('allocateBlock', () => {
  it('takes the lowest free /29', () => {
    expect(allocateBlock('172.29.0.0/16', [])).toBe('172.29.0.0/29');
    expect(allocateBlock('172.29.0.0/16', ['172.29.0.0/29', '172.29.0.8/29'])).toBe('172.29.0.16/29');
  });

  it('skips blocks overlapping a wider route or LAN', () => {
    expect(allocateBlock('172.29.0.0/16', ['172.29.0.0/24'])).toBe('172.29.1.0/29');
  });

  it('returns null when the pool is exhausted', () => {
    expect(allocateBlock('198.19.0.0/28', ['198.19.0.0/28'])).toBeNull();
  });

  it('never returns a block that overlaps a used subnet or leaves the pool', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 22, max: 32 })), { maxLength: 20 }), (used) => {
        const subnets = used.map(([o, p]) => `198.19.${o}.0/${p}`);
        const block = allocateBlock('198.19.0.0/16', subnets);
        if (block === null) return;
        expect(ipInCidr(block.split('/')[0]!, '198.19.0.0/16')).toBe(true);
        for (const s of subnets) expect(cidrsOverlap(block, s)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
