import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateMac,
  isAllZeroMac,
  isAssignableMac,
  isLocallyAdministered,
  isUnicastMac,
  normalizeMac,
} from '../../../../shared/net/mac.js';

/** A `random` that replays the given values in [0, 1). */
function replay(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe('normalizeMac', () => {
  it.each([
    ['0a:1b:2c:3d:4e:5f', '0a:1b:2c:3d:4e:5f'],
    ['0A:1B:2C:3D:4E:5F', '0a:1b:2c:3d:4e:5f'],
    ['0A-1B-2C-3D-4E-5F', '0a:1b:2c:3d:4e:5f'],
    ['0a1b.2c3d.4e5f', '0a:1b:2c:3d:4e:5f'],
    ['0A1B2C3D4E5F', '0a:1b:2c:3d:4e:5f'],
  ])('%s → %s', (input, out) => {
    expect(normalizeMac(input)).toBe(out);
  });

  it.each(['', '0a:1b:2c:3d:4e', '0a:1b:2c:3d:4e:5f:00', '0a:1b-2c:3d:4e:5f', '0a:1b:2c:3d:4e:5g', 'a:b:c:d:e:f', ' 0a:1b:2c:3d:4e:5f', '0a1b2c3d4e5'])(
    'rejects %j',
    (input) => {
      expect(normalizeMac(input)).toBeNull();
    },
  );
});

describe('MAC predicates', () => {
  it('unicast, all-zero, locally administered', () => {
    expect(isUnicastMac('0a:1b:2c:3d:4e:5f')).toBe(true);
    expect(isUnicastMac('01:00:5e:00:00:01')).toBe(false);
    expect(isUnicastMac('ff:ff:ff:ff:ff:ff')).toBe(false);
    expect(isUnicastMac('junk')).toBe(false);
    expect(isAllZeroMac('00:00:00:00:00:00')).toBe(true);
    expect(isAllZeroMac('00-00-00-00-00-00')).toBe(true);
    expect(isAllZeroMac('00:00:00:00:00:01')).toBe(false);
    expect(isLocallyAdministered('02:00:00:00:00:01')).toBe(true);
    expect(isLocallyAdministered('00:1b:2c:3d:4e:5f')).toBe(false);
    expect(isAssignableMac('00:1b:2c:3d:4e:5f')).toBe(true);
    expect(isAssignableMac('00:00:00:00:00:00')).toBe(false);
    expect(isAssignableMac('33:33:00:00:00:01')).toBe(false);
  });
});

describe('generateMac (docs/protocol.md §5.5)', () => {
  const FIRST_OCTETS = new Set(Array.from({ length: 64 }, (_, r) => (0x02 | (r << 2)).toString(16).padStart(2, '0')));

  it('builds the first octet as 0x02 | (r << 2) and five random octets', () => {
    expect(generateMac(replay([0]))).toBe('02:00:00:00:00:00');
    expect(generateMac(replay([0.999999999]))).toBe('fe:ff:ff:ff:ff:ff');
    // r = floor(0.5 * 64) = 32 → 0x82; octets floor(v * 256).
    expect(generateMac(replay([0.5, 10 / 256, 27 / 256, 44 / 256, 61 / 256, 78 / 256]))).toBe('82:0a:1b:2c:3d:4e');
    // A source that returns exactly 1 is clamped.
    expect(generateMac(() => 1)).toBe('fe:ff:ff:ff:ff:ff');
  });

  it('is always a locally administered unicast MAC with a first octet in {02,06,0a,…,fe} (property)', () => {
    expect(FIRST_OCTETS.size).toBe(64);
    expect(FIRST_OCTETS.has('02') && FIRST_OCTETS.has('06') && FIRST_OCTETS.has('0a') && FIRST_OCTETS.has('fe')).toBe(true);
    const unit = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
    fc.assert(
      fc.property(fc.array(unit, { minLength: 6, maxLength: 6 }), (values) => {
        const mac = generateMac(replay(values));
        return (
          normalizeMac(mac) === mac &&
          isUnicastMac(mac) &&
          isLocallyAdministered(mac) &&
          !isAllZeroMac(mac) &&
          FIRST_OCTETS.has(mac.slice(0, 2))
        );
      }),
      { numRuns: 1000 },
    );
  });

  it('works with Math.random', () => {
    for (let i = 0; i < 200; i++) {
      const mac = generateMac(Math.random);
      expect(mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
      expect(FIRST_OCTETS.has(mac.slice(0, 2))).toBe(true);
    }
  });
});
