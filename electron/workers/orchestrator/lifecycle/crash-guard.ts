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
    /** Called after every change, so the records can be kept across agent restarts. */
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** The records as wall-clock ms (what a file can keep across a restart of the agent). */
  snapshot(wallNow: number): Record<string, number[]> {
    const mono = this.monotonic();
    const out: Record<string, number[]> = {};
    for (const name of [...this.restarts.keys()]) {
      const kept = this.prune(name);
      if (kept.length) out[name] = kept.map((at) => Math.round(wallNow - (mono - at)));
    }
    return out;
  }

  /** Takes back records saved by `snapshot`; records outside the window (or from the future) are dropped. */
  restore(records: Record<string, number[]>, wallNow: number): void {
    const mono = this.monotonic();
    for (const [name, walls] of Object.entries(records)) {
      const ages = walls.map((w) => wallNow - w).filter((age) => age >= 0 && age < this.windowMs);
      if (ages.length) this.restarts.set(name, ages.map((age) => mono - age));
    }
  }

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
    this.onChange();
    return at;
  }

  /** Takes back one record (a restart that turned out to be caused by an engine outage). */
  retract(name: string, token: number): void {
    const list = this.restarts.get(name);
    const i = list?.lastIndexOf(token) ?? -1;
    if (list && i >= 0) {
      list.splice(i, 1);
      this.onChange();
    }
  }

  /** Takes back every record made at or after `since` (monotonic ms), for all vPLCs; returns how many. */
  retractSince(since: number): number {
    let n = 0;
    for (const [name, list] of this.restarts) {
      const kept = list.filter((at) => at < since);
      n += list.length - kept.length;
      this.restarts.set(name, kept);
    }
    if (n > 0) this.onChange();
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
    if (this.restarts.delete(name)) this.onChange();
  }
}
