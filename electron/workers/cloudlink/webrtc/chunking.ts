import { CHUNKING, type ChunkingLimits, type ChunkMessage } from '../../../../shared/webrtc/messages.js';

/**
 * Chunking of the `data` channel (docs/protocol.md §4.11 "Chunking", our caps in docs/debug.md "Data channels").
 * Pure: time comes in as arguments, so the limits are unit-tested without timers.
 */

/** Transfer ids `<ms>-<n>`; `n` counts per process so two transfers in one millisecond differ. */
export class TransferIds {
  private n = 0;
  constructor(private readonly now: () => number = Date.now) {}
  next(): string {
    this.n += 1;
    return `${this.now()}-${this.n}`;
  }
}

/** The frames to send for one outbound message: the message itself, or chunk_start / chunk_data… / chunk_end. */
export function splitOutbound(text: string, ids: TransferIds, limits: Pick<ChunkingLimits, 'thresholdChars' | 'chunkChars'> = CHUNKING): string[] {
  if (text.length < limits.thresholdChars) return [text];
  const transfer_id = ids.next();
  const total = Math.ceil(text.length / limits.chunkChars);
  const frames = [JSON.stringify({ type: 'chunk_start', transfer_id, total_chunks: total, total_size: text.length })];
  for (let i = 0; i < total; i++) {
    frames.push(JSON.stringify({ type: 'chunk_data', transfer_id, sequence: i, data: text.slice(i * limits.chunkChars, (i + 1) * limits.chunkChars) }));
  }
  frames.push(JSON.stringify({ type: 'chunk_end', transfer_id }));
  return frames;
}

/**
 * Bytes that may be buffered across every channel of the process; shared by the reassemblers. A part is charged
 * `partCost` bytes (UTF-16: 2 per character, at least PART_OVERHEAD_BYTES so empty parts are not free).
 */
export class ByteBudget {
  private used = 0;
  constructor(readonly limit: number) {}
  take(n: number): boolean {
    if (this.used + n > this.limit) return false;
    this.used += n;
    return true;
  }
  give(n: number): void {
    this.used = Math.max(0, this.used - n);
  }
  get inUse(): number {
    return this.used;
  }
}

/** What one stored part costs in memory, roughly: its Map entry and string header even when empty. */
export const PART_OVERHEAD_BYTES = 64;

/** The bytes a stored chunk_data part is charged (docs/debug.md "Data channels"). */
export function partCost(data: string): number {
  return Math.max(data.length * 2, PART_OVERHEAD_BYTES);
}

export type ReassemblyResult =
  | { kind: 'pending' }
  | { kind: 'complete'; text: string }
  /** The transfer (or the frame) was dropped; `reason` goes back to the peer and to the log. */
  | { kind: 'dropped'; transfer_id: string; reason: string };

interface Transfer {
  totalChunks: number;
  totalSize: number;
  parts: Map<number, string>;
  chars: number;
  /** Bytes charged to the budgets for the stored parts. */
  cost: number;
  touchedAt: number;
}

/**
 * Inbound reassembly for one channel.
 *
 * INVARIANTS
 * - `buffered` equals the sum of the stored parts' costs (`partCost`), and so does this reassembler's share of the
 *   shared budget; every path that forgets a transfer gives its bytes back.
 * - At most `maxTransfersPerChannel` transfers are open; each holds at most `total_chunks` parts and `total_size`
 *   characters, so a peer that never sends chunk_end holds bounded memory until the stale purge.
 * - A duplicate sequence is counted once (the first copy wins).
 */
export class Reassembler {
  private readonly transfers = new Map<string, Transfer>();
  private buffered = 0;
  private readonly limits: ChunkingLimits;

  constructor(
    private readonly budget: ByteBudget,
    limits: Partial<ChunkingLimits> = {},
  ) {
    this.limits = { ...CHUNKING, ...limits };
  }

  get openTransfers(): number {
    return this.transfers.size;
  }

  get bufferedBytes(): number {
    return this.buffered;
  }

  accept(msg: ChunkMessage, now: number): ReassemblyResult {
    this.purge(now);
    switch (msg.type) {
      case 'chunk_start':
        return this.start(msg.transfer_id, msg.total_chunks, msg.total_size, now);
      case 'chunk_data':
        return this.data(msg.transfer_id, msg.sequence, msg.data, now);
      case 'chunk_end':
        return this.end(msg.transfer_id);
    }
  }

  /** Forgets transfers idle for `staleMs`; returns their ids. */
  purge(now: number): string[] {
    const gone: string[] = [];
    for (const [id, t] of this.transfers) {
      if (now - t.touchedAt >= this.limits.staleMs) {
        this.forget(id);
        gone.push(id);
      }
    }
    return gone;
  }

  clear(): void {
    for (const id of [...this.transfers.keys()]) this.forget(id);
  }

  private start(id: string, totalChunks: number, totalSize: number, now: number): ReassemblyResult {
    const l = this.limits;
    if (totalChunks < l.minChunks || totalChunks > l.maxChunks) return this.drop(id, `total_chunks must be ${l.minChunks}–${l.maxChunks}, got ${totalChunks}`);
    if (totalSize < l.minTotalSize || totalSize > l.maxTotalSize) return this.drop(id, `total_size must be ${l.minTotalSize}–${l.maxTotalSize}, got ${totalSize}`);
    // A restarted id replaces the old transfer.
    this.forget(id);
    if (this.transfers.size >= l.maxTransfersPerChannel) return this.drop(id, `too many transfers in progress (at most ${l.maxTransfersPerChannel})`, false);
    this.transfers.set(id, { totalChunks, totalSize, parts: new Map(), chars: 0, cost: 0, touchedAt: now });
    return { kind: 'pending' };
  }

  private data(id: string, sequence: number, data: string, now: number): ReassemblyResult {
    const t = this.transfers.get(id);
    if (!t) return this.drop(id, 'unknown transfer', false);
    if (sequence < 0 || sequence >= t.totalChunks) return this.drop(id, `sequence ${sequence} out of range 0–${t.totalChunks - 1}`);
    t.touchedAt = now;
    if (t.parts.has(sequence)) return { kind: 'pending' };
    if (t.chars + data.length > t.totalSize) return this.drop(id, `more data than total_size ${t.totalSize}`);
    const cost = partCost(data);
    if (this.buffered + cost > this.limits.maxBufferedBytesPerChannel) return this.drop(id, `channel buffer limit of ${this.limits.maxBufferedBytesPerChannel} bytes reached`);
    if (!this.budget.take(cost)) return this.drop(id, `agent buffer limit of ${this.budget.limit} bytes reached`);
    t.parts.set(sequence, data);
    t.chars += data.length;
    t.cost += cost;
    this.buffered += cost;
    return { kind: 'pending' };
  }

  private end(id: string): ReassemblyResult {
    const t = this.transfers.get(id);
    if (!t) return this.drop(id, 'unknown transfer', false);
    if (t.parts.size !== t.totalChunks) {
      const missing = t.totalChunks - t.parts.size;
      return this.drop(id, `incomplete: ${missing} of ${t.totalChunks} chunks missing`);
    }
    const parts: string[] = [];
    for (let i = 0; i < t.totalChunks; i++) parts.push(t.parts.get(i) ?? '');
    this.forget(id);
    return { kind: 'complete', text: parts.join('') };
  }

  private drop(id: string, reason: string, forget = true): ReassemblyResult {
    if (forget) this.forget(id);
    return { kind: 'dropped', transfer_id: id, reason };
  }

  private forget(id: string): void {
    const t = this.transfers.get(id);
    if (!t) return;
    this.transfers.delete(id);
    this.buffered -= t.cost;
    this.budget.give(t.cost);
  }
}
