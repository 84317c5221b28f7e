/**
 * Rate limit on automatic restarts: at most `max` within `windowMs` (PROTOCOL §6.2: 5 per 600 s).
 * When it trips, restarts pause and the state is reported; they resume as soon as the window allows.
 */
export class CrashGuard {
  private readonly restarts = new Map<string, number[]>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  private prune(name: string): number[] {
    const t = this.now();
    const kept = (this.restarts.get(name) ?? []).filter((at) => t - at < this.windowMs);
    this.restarts.set(name, kept);
    return kept;
  }

  count(name: string): number {
    return this.prune(name).length;
  }

  suspended(name: string): boolean {
    return this.count(name) >= this.max;
  }

  record(name: string): void {
    this.prune(name).push(this.now());
  }

  clear(name: string): void {
    this.restarts.delete(name);
  }
}
