/**
 * Rate limit on automatic restarts: at most `max` within `windowMs` (docs/protocol.md §6.2: 5 per 600 s).
 * When it trips, restarts pause and the state is reported; they resume as soon as the window allows.
 * Times are monotonic: a wall-clock step (NTP, a manual change) neither empties nor stretches the window.
 */
export class CrashGuard {
  private readonly restarts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly monotonic: () => number,
  ) {}

  private prune(name: string): number[] {
    const t = this.monotonic();
    const kept = (this.restarts.get(name) ?? []).filter((at) => t - at < this.windowMs);
    if (kept.length) this.restarts.set(name, kept);
    else this.restarts.delete(name);
    return kept;
  }

  count(name: string): number {
    return this.prune(name).length;
  }

  suspended(name: string): boolean {
    return this.count(name) >= this.max;
  }

  /** Records a restart; the returned token lets `retract` take back exactly this record. */
  record(name: string): number {
    const at = this.monotonic();
    const kept = this.prune(name);
    kept.push(at);
    this.restarts.set(name, kept);
    return at;
  }

  /** Takes back one record (a restart that turned out to be caused by an engine outage). */
  retract(name: string, token: number): void {
    const list = this.restarts.get(name);
    const i = list?.lastIndexOf(token) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
  }

  /** Takes back every record made at or after `since` (monotonic ms), for all vPLCs; returns how many. */
  retractSince(since: number): number {
    let n = 0;
    for (const [name, list] of this.restarts) {
      const kept = list.filter((at) => at < since);
      n += list.length - kept.length;
      this.restarts.set(name, kept);
    }
    return n;
  }

  /** Monotonic ms at which a suspended vPLC may be restarted again, or null when it is not suspended. */
  resumesAt(name: string): number | null {
    const list = this.prune(name);
    if (list.length < this.max) return null;
    // The restart that must age out for the count to drop below the limit.
    const sorted = [...list].sort((a, b) => a - b);
    return (sorted[sorted.length - this.max] ?? 0) + this.windowMs;
  }

  clear(name: string): void {
    this.restarts.delete(name);
  }
}
