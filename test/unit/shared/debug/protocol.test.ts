/** The runtime codec against every recorded exchange of OpenPLC v4.1.4 (test/fixtures/openplc-runtime-v4.1.4/debug/). */
import { describe, expect, it } from 'vitest';
import { formatHex, parseHex } from '../../../../shared/debug/hex.js';
import {
  FC,
  decodeInfo,
  decodeMd5,
  decodeSet,
  decodeValues,
  encodeGetListLegacy,
  encodeGetListV4,
  encodeInfo,
  encodeMd5,
  encodeSetLegacy,
  encodeSetV4,
  replyBytes,
  statusName,
  type FunctionCode,
} from '../../../../shared/debug/protocol.js';
import { fixture, normHex, type Exchange } from '../../../support/debug-runtime.js';

type Decoded = Record<string, unknown>;
type Recorded = Exchange & { decoded: Decoded };

const live = fixture<Recorded[]>('debug-exchanges.json');
const stopped = fixture<Recorded[]>('debug-exchanges-plc-stopped.json');
const edge = fixture<Record<string, { request_payload: unknown; response_payload: unknown }>>('debug-edge-cases.json');
const meta = fixture<{ program_md5_debug_map: string }>('capture-meta.json');

const commandOf = (e: Exchange): string | null => {
  const p = e.request_payload;
  return typeof p === 'object' && p !== null && 'command' in p && typeof p.command === 'string' ? p.command : null;
};
const reply = (e: Exchange): { success: boolean; data?: string; error?: string } => e.response_payload as { success: boolean; data?: string; error?: string };

/** The decode of one recorded exchange, as the agent does it, or the error text it yields. */
function decodeRecorded(e: Exchange): unknown {
  const r = reply(e);
  if (!r.success) return { error: r.error };
  const cmd = commandOf(e);
  // The runtime answers a request it cannot parse (`ZZ`) with a parser text; any expected code shows that.
  const fc = (/^[0-9a-f]{2}/i.test(cmd ?? '') ? parseHex((cmd ?? '').slice(0, 2))[0] : FC.INFO) as FunctionCode;
  try {
    const b = replyBytes(r.data ?? '', fc);
    switch (fc) {
      case FC.INFO:
        return decodeInfo(b);
      case FC.GET_MD5:
        return decodeMd5(b);
      case FC.GET_LIST:
      case FC.GET:
        return decodeValues(b);
      case FC.SET:
        decodeSet(b);
        return 'ok';
      default:
        return { error: 'unreachable' };
    }
  } catch (err) {
    return { error: (err as Error).message };
  }
}

const statusOf = (d: Decoded): string | undefined => (typeof d.status === 'string' ? d.status : undefined);

describe('runtime debug protocol: every recorded reply decodes as recorded', () => {
  for (const e of [...live, ...stopped]) {
    it(e.label, () => {
      const out = decodeRecorded(e);
      const d = e.decoded;
      const status = statusOf(d);
      if ('webserver_error' in d) return expect(out).toEqual({ error: d.webserver_error });
      if ('runtime_text' in d) return expect(out).toEqual({ error: d.runtime_text });
      if (status !== undefined && !status.startsWith('0x7E')) {
        const code = Number.parseInt(status.slice(2, 4), 16);
        expect(out).toEqual({ error: statusName(code) });
        return;
      }
      if ('md5_ascii' in d) return expect(out).toEqual({ md5: d.md5_ascii, littleEndian: true });
      if ('elem_counts' in d) return expect(out).toEqual({ arrays: d.elem_counts, legacy: false });
      if ('data_len' in d) {
        const v = out as { lastIndex: number; tick: number; data: Uint8Array };
        expect(v.lastIndex).toBe(d.last_idx);
        expect(v.tick).toBe(d.tick_scan_counter);
        expect(v.data.length).toBe(d.data_len);
        return;
      }
      expect(out).toBe('ok');
    });
  }

  it('names the status codes, 83 included', () => {
    expect([0x7e, 0x81, 0x82, 0x83, 0x99].map(statusName)).toEqual(['SUCCESS', 'ERROR_OUT_OF_BOUNDS', 'ERROR_OUT_OF_MEMORY', 'ERROR_NO_PROGRAM', 'UNKNOWN(0x99)']);
  });

  it('reads the values of GET_LIST in request order (COUNTER INT little-endian, then LAMP)', () => {
    const e = live.find((x) => x.label === 'GET_LIST v4 mixed [0:0, 0:9999, 0:1]');
    const v = decodeValues(replyBytes(reply(e!).data!, FC.GET_LIST));
    expect(formatHex(v.data)).toBe('DD 13 00');
    expect(Buffer.from(v.data).readInt16LE(0)).toBe(5085);
  });

  it('reads the md5 of the loaded program and the little-endian marker', () => {
    const e = live.find((x) => x.label === 'MD5')!;
    expect(decodeMd5(replyBytes(reply(e).data!, FC.GET_MD5))).toEqual({ md5: meta.program_md5_debug_map, littleEndian: true });
    expect(decodeMd5(Buffer.from([0x45, 0x7e, ...Buffer.from(meta.program_md5_debug_map), 0xde, 0xad])).littleEndian).toBe(false);
  });

  it('answers the burst of the edge cases with the right function codes only', () => {
    expect(reply({ label: '', request_payload: null, response_payload: edge.with_ack_callback!.response_payload }).data).toBe('41 01 7e 00 06');
    expect(decodeInfo(replyBytes('41 01 7e 00 06', FC.INFO))).toEqual({ arrays: [6], legacy: false });
    // A reply to another command than the one in flight is refused, not misread (the runtime answers out of order).
    expect(() => replyBytes('45 7e', FC.INFO)).toThrow('unexpected reply 0x45 to 0x41');
  });
});

describe('runtime debug protocol: requests encode as recorded', () => {
  const recorded = new Set([...live, ...stopped].map(commandOf).filter((c): c is string => c !== null && c !== '').map(normHex));
  const has = (b: Uint8Array): boolean => recorded.has(normHex(formatHex(b)));

  it('INFO and MD5', () => {
    expect(has(encodeInfo())).toBe(true);
    expect(formatHex(encodeMd5())).toBe('45 DE AD 00 00');
  });

  it('v4 GET_LIST of 0:0..0:5, of 0:0, of the mixed and trailing-invalid lists', () => {
    expect(has(encodeGetListV4([0, 1, 2, 3, 4, 5].map((element) => ({ array: 0, element }))))).toBe(true);
    expect(has(encodeGetListV4([{ array: 0, element: 0 }]))).toBe(true);
    expect(has(encodeGetListV4([{ array: 0, element: 0 }, { array: 0, element: 9999 }, { array: 0, element: 1 }]))).toBe(true);
    expect(has(encodeGetListV4([{ array: 0, element: 9999 }, { array: 0, element: 1 }, { array: 0, element: 8888 }]))).toBe(true);
    expect(has(encodeGetListV4([{ array: 5, element: 0 }]))).toBe(true);
  });

  it('legacy GET_LIST and SET (the recorded u16 forms and docs/protocol.md §4.11 examples)', () => {
    expect(has(encodeGetListLegacy([0, 1, 2, 3, 4, 5]))).toBe(true);
    expect(has(encodeGetListLegacy([9999]))).toBe(true);
    expect(formatHex(encodeGetListLegacy([0, 1, 2]))).toBe('44 00 03 00 00 00 01 00 02');
    expect(formatHex(encodeSetLegacy(5, true, Buffer.from([0x2a, 0])))).toBe('42 00 05 01 00 02 2A 00');
    expect(formatHex(encodeSetLegacy(5, false, Buffer.from([0])))).toBe('42 00 05 00 00 01 00');
    expect(has(encodeSetLegacy(1, true, Buffer.from([1])))).toBe(true);
    expect(has(encodeSetLegacy(1, false, Buffer.from([0])))).toBe(true);
  });

  it('v4 SET force, release, a short value and an out-of-range element', () => {
    expect(has(encodeSetV4({ array: 0, element: 1 }, true, Buffer.from([1])))).toBe(true);
    expect(has(encodeSetV4({ array: 0, element: 1 }, false, Buffer.from([0])))).toBe(true);
    expect(has(encodeSetV4({ array: 0, element: 0 }, true, Buffer.from([0x39, 0x30])))).toBe(true);
    expect(has(encodeSetV4({ array: 0, element: 0 }, false, Buffer.alloc(0)))).toBe(true);
    expect(has(encodeSetV4({ array: 0, element: 9999 }, true, Buffer.from([1])))).toBe(true);
  });

  it('refuses list sizes outside 1–1024 (v4) and 1–256 (legacy)', () => {
    expect(() => encodeGetListV4([])).toThrow('GET_LIST takes 1–1024 entries, got 0');
    expect(encodeGetListV4(Array.from({ length: 1024 }, () => ({ array: 0, element: 0 }))).length).toBe(3 + 3 * 1024);
    expect(() => encodeGetListV4(Array.from({ length: 1025 }, () => ({ array: 0, element: 0 })))).toThrow('GET_LIST takes 1–1024 entries, got 1025');
    expect(() => encodeGetListLegacy(Array.from({ length: 257 }, () => 0))).toThrow('GET_LIST takes 1–256 entries, got 257');
  });
});

describe('runtime debug protocol: malformed and older replies', () => {
  it('the older INFO form [41][count u16] and the older md5 ending at a NUL', () => {
    expect(decodeInfo(replyBytes('41 01 2C', FC.INFO))).toEqual({ arrays: [300], legacy: true });
    // `41 00 7E` is a v4 runtime whose program has no arrays, not an older one with 126 variables.
    expect(decodeInfo(replyBytes('41 00 7E', FC.INFO))).toEqual({ arrays: [], legacy: false });
    expect(decodeInfo(replyBytes('41 00 7F', FC.INFO))).toEqual({ arrays: [127], legacy: true });
    const md5 = Buffer.concat([Buffer.from([0x45, 0x7e]), Buffer.from(meta.program_md5_debug_map), Buffer.from([0])]);
    expect(decodeMd5(md5)).toEqual({ md5: meta.program_md5_debug_map, littleEndian: true });
  });

  it('parser errors and unknown function codes', () => {
    expect(() => replyBytes('ERROR_PARSING', FC.INFO)).toThrow('ERROR_PARSING');
    expect(() => replyBytes('ERROR_PROCESSING', FC.INFO)).toThrow('ERROR_PROCESSING');
    expect(() => replyBytes('99 7e', FC.INFO)).toThrow('unknown function code 0x99');
    expect(() => replyBytes('41', FC.INFO)).toThrow('too short');
    expect(() => replyBytes('', FC.INFO)).toThrow('empty input');
    expect(() => replyBytes('4', FC.INFO)).toThrow(/^malformed hex/);
  });

  it('truncated replies', () => {
    expect(() => decodeValues(parseHex('44 7e 00 00 00 00 13 de 00 04 01 02'))).toThrow('truncated values: length says 4 bytes, got 2');
    expect(() => decodeValues(parseHex('44 7e 00 00 00'))).toThrow('too short');
    expect(() => decodeInfo(parseHex('41 02 7e 00 06'))).toThrow('truncated INFO reply: 2 arrays need 7 bytes, got 5');
    expect(() => decodeInfo(parseHex('41 7e'))).toThrow('too short');
    expect(() => decodeMd5(parseHex('45 7e'))).toThrow('too short');
  });
});
