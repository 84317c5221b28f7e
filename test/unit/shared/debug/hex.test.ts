import { describe, expect, it } from 'vitest';
import { formatHex, HexError, parseHex } from '../../../../shared/debug/hex.js';

describe('debug hex (docs/protocol.md §4.11 "Hex encoding")', () => {
  it('reads lowercase, uppercase, spaced and unspaced input alike', () => {
    for (const s of ['45 DE AD 00 00', '45dead0000', '45 de ad 00 00', ' 45DEAD 00 00\n']) expect([...parseHex(s)]).toEqual([0x45, 0xde, 0xad, 0, 0]);
  });

  it('writes uppercase pairs separated by single spaces', () => {
    expect(formatHex(Buffer.from([0x44, 0x7e, 0x00, 0x0a, 0xff]))).toBe('44 7E 00 0A FF');
    expect(formatHex(Buffer.from([0x41]))).toBe('41');
    expect(formatHex(Buffer.alloc(0))).toBe('');
  });

  it('names the parser errors: empty input, a bad character, an odd digit count', () => {
    expect(() => parseHex('')).toThrow(new HexError('empty input'));
    expect(() => parseHex('   ')).toThrow('empty input');
    expect(() => parseHex('4G')).toThrow('malformed hex: unexpected character "G" at position 1');
    expect(() => parseHex('ZZ')).toThrow(/^malformed hex/);
    expect(() => parseHex('414')).toThrow('malformed hex: odd number of digits (3)');
  });

  it('round-trips every byte value', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect([...parseHex(formatHex(all))]).toEqual([...all]);
  });
});
