import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { DebugMap } from '../../../../shared/debug/debug-map.js';
import { decodeValue, encodeValue, formatDuration, parseDuration, ValueError } from '../../../../shared/debug/values.js';

const FIXTURES = path.resolve(__dirname, '../../../fixtures/openplc-runtime-v4.1.4/debug');
const map = DebugMap.parse(JSON.parse(readFileSync(path.join(FIXTURES, 'debug-map.json'), 'utf8')));
const Exchange = z.object({
  label: z.string(),
  response_payload: z.object({ data: z.string().optional() }).nullable(),
  decoded: z.object({ values: z.array(z.object({ path: z.string(), value: z.union([z.number(), z.boolean(), z.string()]) })).optional() }).passthrough().optional(),
});
const exchanges = z.array(Exchange).parse(JSON.parse(readFileSync(path.join(FIXTURES, 'debug-exchanges.json'), 'utf8')));
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function refusal(fn: () => unknown): ValueError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValueError) return err;
    throw err;
  }
  throw new Error('expected a ValueError');
}

describe('decodeValue on the recorded GET_LIST answers', () => {
  const full = exchanges.filter((e) => e.label.startsWith('GET_LIST v4') && (e.decoded?.values?.length ?? 0) === map.leaves.length);

  it('has recorded full reads to check', () => {
    expect(full.length).toBeGreaterThanOrEqual(4);
  });

  it.each(full.map((e) => [e.label, e] as const))('%s: each leaf of debug-map.json decodes to the recorded value', (_label, e) => {
    const reply = hex(e.response_payload?.data ?? '');
    const len = reply.readUInt16BE(8);
    const data = reply.subarray(10, 10 + len);
    expect(len).toBe(map.leaves.reduce((n, l) => n + l.size, 0));
    let at = 0;
    const got = map.leaves.map((leaf) => {
      const v = decodeValue(leaf.type, leaf.size, data.subarray(at, at + leaf.size), true);
      at += leaf.size;
      return { path: leaf.path, value: v };
    });
    expect(got).toEqual((e.decoded?.values ?? []).map((v) => ({ path: v.path, value: v.value })));
  });

  it('decodes the forced COUNTER (12345) of the recorded single read', () => {
    const e = exchanges.find((x) => x.label === 'GET_LIST v4 [0:0] after force COUNTER');
    const reply = hex(e?.response_payload?.data ?? '');
    expect(decodeValue('INT', 2, reply.subarray(10, 12), true)).toBe(12_345);
  });
});

describe('decodeValue by type', () => {
  it('reads integers of every width, signed and unsigned, in both byte orders', () => {
    expect(decodeValue('SINT', 1, hex('ff'), true)).toBe(-1);
    expect(decodeValue('USINT', 1, hex('ff'), true)).toBe(255);
    expect(decodeValue('INT', 2, hex('fe ff'), true)).toBe(-2);
    expect(decodeValue('INT', 2, hex('ff fe'), false)).toBe(-2);
    expect(decodeValue('UINT', 2, hex('34 12'), true)).toBe(0x1234);
    expect(decodeValue('WORD', 2, hex('12 34'), false)).toBe(0x1234);
    expect(decodeValue('DINT', 4, hex('00 00 00 80'), true)).toBe(-2_147_483_648);
    expect(decodeValue('UDINT', 4, hex('ff ff ff ff'), true)).toBe(4_294_967_295);
    expect(decodeValue('LINT', 8, hex('ff ff ff ff ff ff ff 7f'), true)).toBe('9223372036854775807');
    expect(decodeValue('ULINT', 8, hex('ff ff ff ff ff ff ff ff'), false)).toBe('18446744073709551615');
    expect(decodeValue('LWORD', 8, hex('01 00 00 00 00 00 00 00'), false)).toBe('72057594037927936');
  });

  it('reads reals, booleans and strings', () => {
    expect(decodeValue('REAL', 4, hex('00 00 c0 3f'), true)).toBe(1.5);
    expect(decodeValue('REAL', 4, hex('3f c0 00 00'), false)).toBe(1.5);
    expect(decodeValue('LREAL', 8, hex('00 00 00 00 00 00 04 c0'), true)).toBe(-2.5);
    expect(decodeValue('REAL', 4, hex('00 00 c0 7f'), true)).toBe('NaN');
    expect(decodeValue('LREAL', 8, hex('00 00 00 00 00 00 f0 ff'), true)).toBe('-Infinity');
    expect(decodeValue('BOOL', 1, hex('02'), true)).toBe(true);
    expect(decodeValue('bool', 1, hex('00'), true)).toBe(false);
    const s = Buffer.alloc(127);
    s[0] = 5;
    s.write('hello', 1, 'latin1');
    expect(decodeValue('STRING', 127, s, true)).toBe('hello');
    // A length byte beyond the body is cut at the body.
    expect(decodeValue('STRING', 4, Buffer.from([200, 0x61, 0x62, 0x63]), true)).toBe('abc');
  });

  it('shows the time types readably', () => {
    const ns = (n: bigint): Buffer => {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(n);
      return b;
    };
    expect(decodeValue('TIME', 8, ns(0n), true)).toBe('T#0s');
    expect(decodeValue('TIME', 8, ns(3_723_500_000_000n), true)).toBe('T#1h2m3s500ms');
    expect(decodeValue('TIME', 8, ns(-1_500n), true)).toBe('T#-1us500ns');
    expect(decodeValue('DATE', 8, ns(BigInt(Date.UTC(2024, 1, 29)) * 1_000_000n), true)).toBe('D#2024-02-29');
    expect(decodeValue('TOD', 8, ns(45_296_250_000_000n), true)).toBe('TOD#12:34:56.25');
    expect(decodeValue('DT', 8, ns(BigInt(Date.UTC(1999, 11, 31, 23, 59, 58)) * 1_000_000n), true)).toBe('DT#1999-12-31-23:59:58');
    expect(decodeValue('DT', 8, ns(-1n), true)).toBe('DT#1969-12-31-23:59:59.999999999');
  });

  it('refuses a size that does not fit the type, wrong byte counts and unknown types, naming the field', () => {
    expect(refusal(() => decodeValue('INT', 4, hex('00 00 00 00'), true)).field).toBe('size');
    expect(refusal(() => decodeValue('INT', 2, hex('00'), true)).field).toBe('data');
    expect(refusal(() => decodeValue('FANCY_STRUCT', 2, hex('00 00'), true)).field).toBe('type');
  });
});

describe('encodeValue', () => {
  it('round-trips every type through decodeValue in both byte orders', () => {
    const cases: Array<[string, number, string | number | boolean, string | number | boolean]> = [
      ['BOOL', 1, 'TRUE', true],
      ['BOOL', 1, false, false],
      ['SINT', 1, -128, -128],
      ['USINT', 1, '16#FF', 255],
      ['INT', 2, '12345', 12_345],
      ['INT', 2, '-32_768', -32_768],
      ['UINT', 2, 65_535, 65_535],
      ['DINT', 4, '2#1010', 10],
      ['UDINT', 4, '0xFFFFFFFF', 4_294_967_295],
      ['LINT', 8, '-9223372036854775808', '-9223372036854775808'],
      ['ULINT', 8, '18446744073709551615', '18446744073709551615'],
      ['BYTE', 1, '8#17', 15],
      ['WORD', 2, 513, 513],
      ['DWORD', 4, '16#DEAD_BEEF', 0xdeadbeef],
      ['LWORD', 8, '16#0102030405060708', '72623859790382856'],
      ['REAL', 4, '1.5', 1.5],
      ['LREAL', 8, -2.25e300, -2.25e300],
      ['TIME', 8, 'T#1h30m', 'T#1h30m'],
      ['TIME', 8, 'TIME#-2.5s', 'T#-2s500ms'],
      ['DATE', 8, 'D#2024-02-29', 'D#2024-02-29'],
      ['TOD', 8, 'TOD#07:08:09.5', 'TOD#07:08:09.5'],
      ['DT', 8, 'DT#2026-12-05-14:39:00', 'DT#2026-12-05-14:39:00'],
      ['STRING', 10, 'pump 1', 'pump 1'],
    ];
    for (const le of [true, false]) {
      for (const [type, size, input, shown] of cases) expect([type, decodeValue(type, size, encodeValue(type, size, input, le), le)]).toEqual([type, shown]);
    }
  });

  it('writes the bytes the runtime took for COUNTER := 12345 (recorded SET 42 00 00 00 01 00 02 39 30)', () => {
    expect(Buffer.from(encodeValue('INT', 2, 12_345, true))).toEqual(hex('39 30'));
    expect(Buffer.from(encodeValue('BOOL', 1, true, true))).toEqual(hex('01'));
  });

  it('refuses values out of range for their type with the range in the message', () => {
    expect(refusal(() => encodeValue('INT', 2, 32_768, true)).message).toBe('32768 is out of range for INT (-32768 to 32767)');
    expect(refusal(() => encodeValue('USINT', 1, '-1', true)).message).toBe('-1 is out of range for USINT (0 to 255)');
    expect(refusal(() => encodeValue('ULINT', 8, '18446744073709551616', true)).message).toMatch(/out of range for ULINT/);
    expect(refusal(() => encodeValue('REAL', 4, '1e39', true)).message).toMatch(/out of range for REAL/);
    expect(refusal(() => encodeValue('TIME', 8, 'T#200000d', true)).message).toMatch(/out of range for TIME/);
    expect(refusal(() => encodeValue('STRING', 4, 'abcd', true)).message).toBe('the text has 4 characters; this STRING holds at most 3');
  });

  it('refuses what is not a value of the type, on the value field', () => {
    const bad: Array<[string, number, string | number | boolean]> = [
      ['BOOL', 1, 'maybe'],
      ['BOOL', 1, 2],
      ['INT', 2, '1.5'],
      ['INT', 2, 1.5],
      ['INT', 2, true],
      ['INT', 2, ''],
      ['REAL', 4, 'NaN'],
      ['REAL', 4, 'Infinity'],
      ['LREAL', 8, '1,5'],
      ['TIME', 8, '500'],
      ['TIME', 8, 500],
      ['DATE', 8, 'D#2023-02-29'],
      ['TOD', 8, 'TOD#24:00:00'],
      ['DT', 8, 'DT#2024-01-01'],
      ['STRING', 10, 'snow☃'],
    ];
    for (const [type, size, input] of bad) expect([type, input, refusal(() => encodeValue(type, size, input, true)).field]).toEqual([type, input, 'value']);
  });
});

describe('durations', () => {
  it('parses IEC duration literals and formats them back', () => {
    expect(parseDuration('T#500ms')).toBe(500_000_000n);
    expect(parseDuration('1d2h')).toBe(93_600_000_000_000n);
    expect(parseDuration('t#1.25s')).toBe(1_250_000_000n);
    expect(formatDuration(86_400_000_000_001n)).toBe('T#1d1ns');
  });
});

describe('integers and bytes, property-checked', () => {
  const INTS: Array<[string, number, boolean]> = [
    ['SINT', 1, true],
    ['USINT', 1, false],
    ['INT', 2, true],
    ['UINT', 2, false],
    ['DINT', 4, true],
    ['UDINT', 4, false],
    ['LINT', 8, true],
    ['ULINT', 8, false],
  ];

  it('every value in range round-trips, and the first ones outside are refused', () => {
    for (const [type, size, signed] of INTS) {
      const bits = BigInt(size * 8);
      const [lo, hi] = signed ? [-(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n] : [0n, (1n << bits) - 1n];
      fc.assert(
        fc.property(fc.bigInt({ min: lo, max: hi }), fc.boolean(), (v, le) => {
          const shown = decodeValue(type, size, encodeValue(type, size, v.toString(), le), le);
          expect(String(shown)).toBe(v.toString());
        }),
      );
      for (const out of [lo - 1n, hi + 1n]) expect(refusal(() => encodeValue(type, size, out.toString(), true)).field).toBe('value');
    }
  });

  it('any bytes of the right size decode to a value of every fixed-size type', () => {
    const types: Array<[string, number]> = [...INTS.map(([t, s]) => [t, s] as [string, number]), ['BOOL', 1], ['REAL', 4], ['LREAL', 8], ['TIME', 8], ['DATE', 8], ['TOD', 8], ['DT', 8], ['STRING', 16]];
    for (const [type, size] of types) {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: size, maxLength: size }), fc.boolean(), (bytes, le) => {
          const v = decodeValue(type, size, bytes, le);
          expect(['boolean', 'number', 'string']).toContain(typeof v);
          if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
        }),
        { numRuns: 200 },
      );
    }
  });
});
