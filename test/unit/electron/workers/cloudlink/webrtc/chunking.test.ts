// Data-channel chunking (docs/protocol.md §4.11 "Chunking", caps in docs/debug.md "Data channels"): outbound split,
// inbound reassembly under hostile sequences, and a fast-check round trip. Pure; runtime < 1 s.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteBudget, PART_OVERHEAD_BYTES, Reassembler, splitOutbound, TransferIds } from '../../../../../../electron/workers/cloudlink/webrtc/chunking.js';
import { CHUNKING, ChunkMessage } from '../../../../../../shared/webrtc/messages.js';

const RUNS = Number(process.env.VPLC_FUZZ_RUNS ?? 200);
const ids = (): TransferIds => new TransferIds(() => 1_700_000_000_000);
const frames = (text: string): ChunkMessage[] => splitOutbound(text, ids()).map((f) => ChunkMessage.parse(JSON.parse(f)));
const fresh = (limits = {}, budget = new ByteBudget(CHUNKING.maxBufferedBytesPerAgent)): Reassembler => new Reassembler(budget, limits);
const start = (id: string, n: number, size: number): ChunkMessage => ({ type: 'chunk_start', transfer_id: id, total_chunks: n, total_size: size });
const data = (id: string, i: number, d: string): ChunkMessage => ({ type: 'chunk_data', transfer_id: id, sequence: i, data: d });
const end = (id: string): ChunkMessage => ({ type: 'chunk_end', transfer_id: id });

describe('splitOutbound', () => {
  it('sends a message under 15000 characters as it is', () => {
    const text = 'x'.repeat(14_999);
    expect(splitOutbound(text, ids())).toEqual([text]);
  });

  it('chunks a message of exactly 15000 characters into 14000-character pieces with <ms>-<n> transfer ids', () => {
    const text = 'a'.repeat(15_000);
    const out = frames(text);
    expect(out[0]).toEqual({ type: 'chunk_start', transfer_id: '1700000000000-1', total_chunks: 2, total_size: 15_000 });
    expect(out.slice(1, 3).map((f) => (f.type === 'chunk_data' ? [f.sequence, f.data.length] : null))).toEqual([[0, 14_000], [1, 1_000]]);
    expect(out[3]).toEqual({ type: 'chunk_end', transfer_id: '1700000000000-1' });
  });

  it('numbers transfers so two in the same millisecond differ', () => {
    const t = ids();
    expect([t.next(), t.next()]).toEqual(['1700000000000-1', '1700000000000-2']);
  });
});

describe('Reassembler', () => {
  it('reassembles chunks that arrive out of order', () => {
    const r = fresh();
    const text = JSON.stringify({ type: 'run_command', data: 'é'.repeat(40_000) });
    const [first, ...rest] = frames(text);
    const last = rest.pop();
    expect(r.accept(first!, 0)).toEqual({ kind: 'pending' });
    for (const f of rest.reverse()) expect(r.accept(f, 1).kind).toBe('pending');
    expect(r.accept(last!, 2)).toEqual({ kind: 'complete', text });
    expect(r.openTransfers).toBe(0);
    expect(r.bufferedBytes).toBe(0);
  });

  it('counts a duplicate sequence once (the first copy wins)', () => {
    const r = fresh();
    r.accept(start('t', 2, 4), 0);
    r.accept(data('t', 0, 'ab'), 0);
    r.accept(data('t', 0, 'XX'), 0);
    r.accept(data('t', 1, 'cd'), 0);
    expect(r.accept(end('t'), 0)).toEqual({ kind: 'complete', text: 'abcd' });
  });

  it('discards a transfer with a gap at chunk_end', () => {
    const r = fresh();
    r.accept(start('t', 3, 6), 0);
    r.accept(data('t', 0, 'ab'), 0);
    r.accept(data('t', 2, 'ef'), 0);
    expect(r.accept(end('t'), 0)).toEqual({ kind: 'dropped', transfer_id: 't', reason: 'incomplete: 1 of 3 chunks missing' });
    expect(r.openTransfers).toBe(0);
    expect(r.bufferedBytes).toBe(0);
  });

  it('refuses chunk counts and sizes outside 1–10000 chunks and 1 B–100 MB', () => {
    const r = fresh();
    expect(r.accept(start('a', 0, 10), 0)).toMatchObject({ kind: 'dropped', reason: 'total_chunks must be 1–10000, got 0' });
    expect(r.accept(start('b', 10_001, 10), 0)).toMatchObject({ kind: 'dropped', reason: 'total_chunks must be 1–10000, got 10001' });
    expect(r.accept(start('c', 1, 0), 0)).toMatchObject({ kind: 'dropped', reason: 'total_size must be 1–104857600, got 0' });
    expect(r.accept(start('d', 1, 100 * 1024 * 1024 + 1), 0)).toMatchObject({ kind: 'dropped' });
    expect(r.openTransfers).toBe(0);
  });

  it('drops a transfer on a sequence out of range and on more data than total_size (oversize)', () => {
    const r = fresh();
    r.accept(start('t', 2, 4), 0);
    expect(r.accept(data('t', 2, 'x'), 0)).toMatchObject({ kind: 'dropped', reason: 'sequence 2 out of range 0–1' });
    expect(r.openTransfers).toBe(0);
    r.accept(start('u', 2, 4), 0);
    r.accept(data('u', 0, 'abc'), 0);
    expect(r.accept(data('u', 1, 'de'), 0)).toMatchObject({ kind: 'dropped', reason: 'more data than total_size 4' });
    expect(r.bufferedBytes).toBe(0);
  });

  it('answers chunk_data and chunk_end of an unknown transfer without creating one', () => {
    const r = fresh();
    expect(r.accept(data('nope', 0, 'x'), 0)).toMatchObject({ kind: 'dropped', reason: 'unknown transfer' });
    expect(r.accept(end('nope'), 0)).toMatchObject({ kind: 'dropped', reason: 'unknown transfer' });
    expect(r.openTransfers).toBe(0);
  });

  it('purges a transfer 60 s after its last chunk, and a chunk keeps it alive', () => {
    const r = fresh();
    r.accept(start('t', 3, 30), 0);
    r.accept(data('t', 0, 'abc'), 50_000);
    expect(r.purge(109_999)).toEqual([]);
    expect(r.purge(110_000)).toEqual(['t']);
    expect(r.bufferedBytes).toBe(0);
    expect(r.accept(data('t', 1, 'x'), 110_001)).toMatchObject({ kind: 'dropped', reason: 'unknown transfer' });
  });

  it('caps transfers in progress: a never-ending stream of chunk_start holds at most 4', () => {
    const r = fresh();
    for (let i = 0; i < 1_000; i++) r.accept(start(`t${i}`, 10_000, 100 * 1024 * 1024), 0);
    expect(r.openTransfers).toBe(CHUNKING.maxTransfersPerChannel);
    expect(r.accept(start('more', 1, 1), 0)).toMatchObject({ kind: 'dropped', reason: 'too many transfers in progress (at most 4)' });
  });

  it('caps buffered bytes (2 per character) per channel and across the agent, and gives them back', () => {
    const budget = new ByteBudget(200);
    const a = fresh({ maxBufferedBytesPerChannel: 160 }, budget);
    const b = fresh({}, budget);
    const forty = 'x'.repeat(40);
    a.accept(start('t', 10, 1_000), 0);
    for (let i = 0; i < 2; i++) a.accept(data('t', i, forty), 0);
    expect(a.bufferedBytes).toBe(160);
    expect(a.accept(data('t', 2, 'x'), 0)).toMatchObject({ kind: 'dropped', reason: 'channel buffer limit of 160 bytes reached' });
    expect(budget.inUse).toBe(0);
    a.accept(start('u', 10, 1_000), 0);
    for (let i = 0; i < 2; i++) a.accept(data('u', i, forty), 0);
    b.accept(start('v', 10, 1_000), 0);
    expect(b.accept(data('v', 0, 'x'), 0)).toMatchObject({ kind: 'dropped', reason: 'agent buffer limit of 200 bytes reached' });
    a.clear();
    expect(budget.inUse).toBe(0);
  });

  it('charges empty parts too: a flood of empty chunk_data is capped by the budget', () => {
    const budget = new ByteBudget(10 * PART_OVERHEAD_BYTES);
    const r = fresh({}, budget);
    r.accept(start('e', 10_000, 10_000), 0);
    const results = Array.from({ length: 10_000 }, (_, i) => r.accept(data('e', i, ''), 0));
    expect(results.slice(0, 10).every((x) => x.kind === 'pending')).toBe(true);
    expect(results[10]).toMatchObject({ kind: 'dropped', reason: `agent buffer limit of ${10 * PART_OVERHEAD_BYTES} bytes reached` });
    expect(budget.inUse).toBe(0);
  });

  it('round-trips any text and never holds memory after a hostile sequence (fast-check)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40_000 }), (text) => {
        const r = fresh({ thresholdChars: 10, chunkChars: 7 });
        const out = splitOutbound(text, ids(), { thresholdChars: 10, chunkChars: 7 });
        if (out.length === 1) {
          expect(out[0]).toBe(text);
          return;
        }
        let last: unknown;
        for (const f of out) last = r.accept(ChunkMessage.parse(JSON.parse(f)), 0);
        expect(last).toEqual({ kind: 'complete', text });
      }),
      { numRuns: Math.min(RUNS, 200) },
    );
    const hostile = fc.array(
      fc.oneof(
        fc.record({ type: fc.constant('chunk_start' as const), transfer_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), total_chunks: fc.integer({ min: -2, max: 12 }), total_size: fc.integer({ min: -2, max: 60 }) }),
        fc.record({ type: fc.constant('chunk_data' as const), transfer_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), sequence: fc.integer({ min: -1, max: 12 }), data: fc.string({ maxLength: 12 }) }),
        fc.record({ type: fc.constant('chunk_end' as const), transfer_id: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f') }),
      ),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(hostile, fc.integer({ min: 0, max: 200_000 }), (msgs, step) => {
        const budget = new ByteBudget(1_000);
        const r = fresh({}, budget);
        let now = 0;
        for (const m of msgs) {
          now += step / 100;
          const res = r.accept(m, now);
          if (res.kind === 'complete') expect(res.text.length).toBeLessThanOrEqual(60);
          expect(r.openTransfers).toBeLessThanOrEqual(CHUNKING.maxTransfersPerChannel);
          expect(r.bufferedBytes).toBe(budget.inUse);
          expect(r.bufferedBytes).toBeLessThanOrEqual(budget.limit);
        }
        r.purge(now + CHUNKING.staleMs + 1);
        expect(r.openTransfers).toBe(0);
        expect(budget.inUse).toBe(0);
      }),
      { numRuns: RUNS },
    );
  });
});
