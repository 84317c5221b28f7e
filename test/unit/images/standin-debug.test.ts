// The stand-in runtime's debug commands and BLINK simulation (test/images/standin/debug.mjs, blink.mjs) at the exact
// ticks of the recording: with the PLC's tick under the test's control every recorded reply must come back byte for
// byte, values included (test/fixtures/openplc-runtime-v4.1.4/debug/).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createDebugCommands, parseHex, RECORDED_MD5 } from '../../images/standin/debug.mjs';

const FIXTURES = fileURLToPath(new URL('../../fixtures/openplc-runtime-v4.1.4/debug/', import.meta.url));
const fixture = (name: string): unknown => JSON.parse(readFileSync(path.join(FIXTURES, name), 'utf8'));
const Reply = z.union([z.object({ success: z.literal(true), data: z.string() }), z.object({ success: z.literal(false), error: z.string() })]);
const Exchange = z.object({ label: z.string(), request_payload: z.unknown(), response_payload: Reply });
type Exchange = z.output<typeof Exchange>;
const Edge = z.object({ request_payload: z.unknown(), response_payload: Reply });

/** A debug handler on a PLC whose tick the test sets (null: not running). */
function harness(md5 = RECORDED_MD5): { handle: (p: unknown) => unknown; at: (tick: number | null) => void; restart: () => void } {
  let tick: number | null = 0;
  let run = {};
  const handle = createDebugCommands({ plc: { debugTick: () => (tick === null ? null : { run, tick }) }, md5: () => md5 });
  return {
    handle,
    at: (t) => {
      tick = t;
    },
    restart: () => {
      run = {};
    },
  };
}

/** The tick a value reply (43/44 with 7e) carries, else null. */
function replyTick(x: Exchange): number | null {
  const r = x.response_payload;
  if (!r.success || !/^4[34] 7e/.test(r.data)) return null;
  return (parseHex(r.data) ?? Buffer.alloc(8)).readUInt32BE(4);
}

describe('stand-in debug commands against the recording, tick by tick', () => {
  it('answers every exchange of debug-exchanges.json byte for byte, forced values and their after-effects included', () => {
    const exchanges = z.array(Exchange).parse(fixture('debug-exchanges.json'));
    const h = harness();
    let tick = 0;
    exchanges.forEach((x, i) => {
      const own = replyTick(x);
      // A SET carries no tick: it happened in the scan before the next reading.
      const next = exchanges.slice(i).map(replyTick).find((t) => t !== null);
      if (own !== null) tick = own;
      else if (next !== undefined && next !== null) tick = Math.max(tick, next - 1);
      h.at(tick);
      expect(h.handle(x.request_payload), `${x.label} at tick ${tick}`).toEqual(x.response_payload);
    });

    // The recorded polls came later in the same run: COUNTER stays one behind the tick after its one-scan force.
    const edge = z.object({ poll_ticks: z.array(z.object({ data: z.string() })) }).parse(fixture('debug-edge-cases.json'));
    for (const poll of edge.poll_ticks) {
      h.at((parseHex(poll.data) ?? Buffer.alloc(8)).readUInt32BE(4));
      expect(h.handle({ command: '44 00 01 00 00 00' })).toEqual({ success: true, data: poll.data });
    }
  });

  it('answers 83 to every command while not running, as debug-exchanges-plc-stopped.json shows', () => {
    const h = harness();
    h.at(null);
    for (const x of z.array(Exchange).parse(fixture('debug-exchanges-plc-stopped.json'))) {
      expect(h.handle(x.request_payload), x.label).toEqual(x.response_payload);
    }
  });

  it('answers the malformed payloads of debug-edge-cases.json and their Python siblings', () => {
    const h = harness();
    h.at(100);
    const edge = z.record(z.string(), z.unknown()).parse(fixture('debug-edge-cases.json'));
    for (const name of ['non_string_command', 'string_payload', 'array_payload', 'with_ack_callback']) {
      const x = Edge.parse(edge[name]);
      expect(h.handle(x.request_payload), name).toEqual(x.response_payload);
    }
    expect(h.handle(undefined)).toEqual({ success: false, error: "'NoneType' object has no attribute 'get'" });
    expect(h.handle(7)).toEqual({ success: false, error: "'int' object has no attribute 'get'" });
    expect(h.handle(true)).toEqual({ success: false, error: "'bool' object has no attribute 'get'" });
    expect(h.handle({ command: 0 })).toEqual({ success: false, error: 'Empty command' });
    expect(h.handle({ command: [] })).toEqual({ success: false, error: 'Empty command' });
    expect(h.handle({ command: ['41'] })).toEqual({ success: true, data: 'ERROR_PROCESSING' });
    expect(h.handle({ command: '4' })).toEqual({ success: true, data: 'ERROR_PARSING' });
    expect(h.handle({ command: '  ' })).toEqual({ success: true, data: 'ERROR_PARSING' });
    expect(h.handle({ command: '40' })).toEqual({ success: true, data: 'ERROR_PROCESSING' });
  });

  it('bounds GET_LIST at 1024 entries and SET at the declared value length', () => {
    const h = harness();
    h.at(10);
    const entries = (n: number): string => `44 ${n.toString(16).padStart(4, '0')} ${'00 00 00 '.repeat(n)}`;
    const max = h.handle({ command: entries(1024) }) as { data: string };
    expect((parseHex(max.data) ?? Buffer.alloc(10)).readUInt16BE(8)).toBe(2048);
    expect(h.handle({ command: entries(1025) })).toEqual({ success: true, data: '44 82' });
    expect(h.handle({ command: '44 00 02 00 00 00 00 00' })).toEqual({ success: true, data: '44 81' });
    expect(h.handle({ command: '42 00 00 03 01 00 08 00 65 cd 1d' })).toEqual({ success: true, data: '42 81' });
    expect(h.handle({ command: '42 00 00 03 01 00 04 00 65 cd 1d' })).toEqual({ success: true, data: '42 82' });
    expect(h.handle({ command: '43 00 00 04 00 02' })).toEqual({ success: true, data: '43 81' });
    expect(h.handle({ command: '43 00 00 05 00 06' })).toEqual({ success: true, data: '43 81' });
  });

  it('reports the md5 it is given, and starts the program over on a new run', () => {
    const h = harness('0123456789abcdef0123456789abcdef');
    h.at(5_000);
    const md5 = h.handle({ command: '45 de ad 00 00' }) as { data: string };
    expect((parseHex(md5.data) ?? Buffer.alloc(0)).subarray(2, 34).toString('ascii')).toBe('0123456789abcdef0123456789abcdef');
    expect(h.handle({ command: '42 00 00 00 01 00 02 39 30' })).toEqual({ success: true, data: '42 7e' });
    h.restart();
    h.at(3);
    expect(h.handle({ command: '44 00 01 00 00 00' })).toEqual({ success: true, data: '44 7e 00 00 00 00 00 03 00 02 03 00' });
  });
});
