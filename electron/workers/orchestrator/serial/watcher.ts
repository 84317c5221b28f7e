import { existsSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

export type DirWatcherOptions = {
  /** The directory whose entries matter (the by-id dir); it may not exist yet, and may come and go. */
  dir: string;
  /** Quiet time after the last event before `onSettled` runs: a burst (a hub with four adapters) is one call. */
  debounceMs: number;
  /** Longest delay after the first event of a burst, so a long burst is still seen in time. */
  maxWaitMs: number;
  onSettled: () => void;
};

/**
 * Hot-plug without polling (docs/serial.md "Hot-plug"): inotify on a directory and on its nearest existing ancestor,
 * because udev removes the by-id dir with its last link and creates it again on the next plug. In the ancestor only
 * the entry on the way to `dir` counts, so the rest of `/dev` does not wake the agent.
 *
 * Watches are bound to inodes: a removed and recreated `dir` is a new inode. The owner therefore calls `arm()` again
 * before each scan; arming before scanning means a change is either in the scan or raises a new event.
 */
export class DirWatcher {
  private watchers: FSWatcher[] = [];
  private paths: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private burstStart = 0;
  private closed = false;

  constructor(private readonly o: DirWatcherOptions) {}

  /** (Re)places the watches where the directory and its nearest existing ancestor are now. */
  arm(): void {
    this.unwatch();
    if (this.closed) return;
    const { dir } = this.o;
    if (existsSync(dir)) this.add(dir, () => true);
    let child = dir;
    let ancestor = path.dirname(dir);
    while (!existsSync(ancestor) && ancestor !== path.dirname(ancestor)) {
      child = ancestor;
      ancestor = path.dirname(ancestor);
    }
    const entry = path.basename(child);
    this.add(ancestor, (name) => name === null || name === entry);
  }

  /** Watch paths in force now (for diagnostics and tests). */
  watched(): string[] {
    return this.paths.slice();
  }

  private add(dir: string, relevant: (name: string | null) => boolean): void {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (relevant(name === null ? null : String(name))) this.poke();
      });
      // A watch that fails (its directory removed under it) re-arms through the next scan.
      w.on('error', () => this.poke());
      this.watchers.push(w);
      this.paths.push(dir);
    } catch {
      // Gone between the existence check and the watch: the ancestor's event schedules the scan that re-arms.
      this.poke();
    }
  }

  /** Schedules `onSettled` after the burst; exposed for a forced resync. */
  poke(): void {
    if (this.closed) return;
    const now = Date.now();
    if (this.timer === undefined) this.burstStart = now;
    clearTimeout(this.timer);
    const wait = Math.max(0, Math.min(this.o.debounceMs, this.burstStart + this.o.maxWaitMs - now));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.o.onSettled();
    }, wait);
  }

  private unwatch(): void {
    for (const w of this.watchers) w.close();
    this.watchers = [];
    this.paths = [];
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.unwatch();
  }
}
