import type { PlcHistoryPoint } from '../../../../shared/domain/plc.js';
import { DEFAULT_RING_CAPACITY } from '../metrics/ring.js';

/** The longest chart window (48 h), the same as the CPU/memory history's. */
export const HISTORY_SPAN_MS = 48 * 3600 * 1000;

/** Points a ring holds to cover the longest window at one point per poll (34 560 at 5 s, as the usage rings). */
export function historyCapacity(pollMs: number): number {
  return Math.max(1, Math.min(4 * DEFAULT_RING_CAPACITY, Math.ceil(HISTORY_SPAN_MS / pollMs)));
}

/** One vPLC's scan-cycle points in typed columns (unix seconds and µs figures); the oldest go when it is full. */
class PlcRing {
  private readonly ts: Uint32Array;
  private readonly cols: { scan_avg: Float32Array; scan_max: Float32Array; cycle_avg: Float32Array; latency_avg: Float32Array; latency_max: Float32Array };
  private readonly overruns: Float64Array;
  private readonly tasks: string[];
  private head = 0;
  private filled = 0;

  constructor(private readonly capacity: number) {
    this.ts = new Uint32Array(capacity);
    const col = (): Float32Array => new Float32Array(capacity);
    this.cols = { scan_avg: col(), scan_max: col(), cycle_avg: col(), latency_avg: col(), latency_max: col() };
    this.overruns = new Float64Array(capacity);
    this.tasks = new Array<string>(capacity);
  }

  append(p: PlcHistoryPoint): void {
    const s = this.head;
    this.ts[s] = Math.max(0, Math.min(0xffff_ffff, Math.trunc(p.timestamp)));
    this.cols.scan_avg[s] = p.scan_avg;
    this.cols.scan_max[s] = p.scan_max;
    this.cols.cycle_avg[s] = p.cycle_avg;
    this.cols.latency_avg[s] = p.latency_avg;
    this.cols.latency_max[s] = p.latency_max;
    this.overruns[s] = p.overruns;
    this.tasks[s] = p.task;
    this.head = (s + 1) % this.capacity;
    if (this.filled < this.capacity) this.filled += 1;
  }

  query(start: number, end: number): PlcHistoryPoint[] {
    const out: PlcHistoryPoint[] = [];
    const oldest = (this.head - this.filled + this.capacity) % this.capacity;
    for (let i = 0; i < this.filled; i++) {
      const s = (oldest + i) % this.capacity;
      const timestamp = this.ts[s] ?? 0;
      if (timestamp < start || timestamp > end) continue;
      out.push({
        timestamp,
        task: this.tasks[s] ?? '',
        scan_avg: this.cols.scan_avg[s] ?? 0,
        scan_max: this.cols.scan_max[s] ?? 0,
        cycle_avg: this.cols.cycle_avg[s] ?? 0,
        latency_avg: this.cols.latency_avg[s] ?? 0,
        latency_max: this.cols.latency_max[s] ?? 0,
        overruns: this.overruns[s] ?? 0,
      });
    }
    return out;
  }
}

/**
 * Scan-cycle history per vPLC for the charts (docs/plc.md "Polling"): one ring per vPLC, made at its first point
 * (a vPLC without credentials costs nothing), forgotten when the vPLC is deleted.
 */
export class PlcHistory {
  private readonly rings = new Map<string, PlcRing>();

  constructor(private readonly capacity: number) {}

  append(name: string, p: PlcHistoryPoint): void {
    let r = this.rings.get(name);
    if (!r) this.rings.set(name, (r = new PlcRing(this.capacity)));
    r.append(p);
  }

  /** Chronological points with `start ≤ timestamp ≤ end` (unix seconds). */
  query(name: string, start: number, end: number): PlcHistoryPoint[] {
    return this.rings.get(name)?.query(start, end) ?? [];
  }

  forget(name: string): void {
    this.rings.delete(name);
  }

  has(name: string): boolean {
    return this.rings.has(name);
  }
}
