import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import { readCredentials, type ClientCredentials } from './credentials.js';
import { expiryWarning, type ExpiryWarning } from './expiry.js';
import { CURRENT } from './layout.js';

export interface CredentialWatcherOptions {
  dir: string;
  /** Fallback poll (docs/protocol.md §2.7: 30 s), in addition to fs.watch, while something is not watched. */
  pollMs?: number;
  /**
   * The poll once a valid pair is in use and all three watches are armed (default 5 min): fs.watch reports every
   * change then, and the poll only re-checks the expiry level (days apart) and catches a lost event.
   */
  watchedPollMs?: number;
  /** Quiet time after a file event before re-reading (key and certificate are written one after the other). */
  settleMs?: number;
  now?: () => number;
  /** A valid pair that differs from the current one (also the first valid pair). */
  onAccepted(credentials: ClientCredentials): void;
  /** A changed pair that does not pass the checks; the current pair (if any) stays in use. */
  onRejected(reason: string, missing: boolean): void;
  /** The expiry level of the current certificate changed (30/7/1 days, expired). */
  onExpiry?(warning: ExpiryWarning, credentials: ClientCredentials): void;
}

/**
 * Watches an mTLS directory and validates every new pair before anyone uses it (docs/protocol.md §2.7 item 1).
 *
 * INVARIANTS
 * - At most one check runs at a time; events during a check schedule exactly one more.
 * - `current` only ever holds a pair that passed `checkPair`; a rejected pair never replaces it.
 * - The same rejected content is reported once, not at every poll.
 * - stop() clears the poll timer, the settle timer and both fs watchers.
 * - The poll runs every `pollMs` while there is no valid pair or a watch could not be armed (the directory does not
 *   exist yet), and every `watchedPollMs` otherwise; a slow poll already armed is brought forward when that changes.
 */
export class CredentialWatcher {
  current: ClientCredentials | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  /** Monotonic ms at which the armed poll fires. */
  private pollDueAt = Infinity;
  private settleTimer: NodeJS.Timeout | null = null;
  private watchers: FSWatcher[] = [];
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;
  private lastRejected: string | null = null;
  private lastExpiry: string | null = null;

  constructor(private readonly opts: CredentialWatcherOptions) {}

  /** Reads the pair once (reporting it) and starts watching. */
  async start(): Promise<ClientCredentials | null> {
    await this.check();
    this.arm();
    this.schedulePoll();
    return this.current;
  }

  /** The delay until the next fallback poll, in ms (for tests). */
  get pollDelayMs(): number {
    const fast = this.opts.pollMs ?? 30_000;
    return this.current !== null && this.watchers.length === 3 ? Math.max(fast, this.opts.watchedPollMs ?? 5 * 60_000) : fast;
  }

  private schedulePoll(): void {
    if (this.stopped) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    const ms = this.pollDelayMs;
    this.pollDueAt = performance.now() + ms;
    this.pollTimer = setTimeout(() => {
      // Null while the poll runs: it schedules the next one itself, with the delay in force when it ends.
      this.pollTimer = null;
      this.arm();
      void this.check().finally(() => this.schedulePoll());
    }, ms);
    this.pollTimer.unref();
  }

  /** The poll delay may have dropped (a watch lost, the pair forgotten): an armed slow poll is brought forward. */
  private pollSooner(): void {
    if (this.stopped || this.pollTimer === null) return;
    if (performance.now() + this.pollDelayMs < this.pollDueAt) this.schedulePoll();
  }

  stop(): void {
    this.stopped = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.pollTimer = this.settleTimer = null;
    for (const w of this.watchers.splice(0)) w.close();
  }

  /** Forget the current pair (self-destruct moved it away); the next valid pair is accepted as new. */
  forget(): void {
    this.current = null;
    this.lastRejected = null;
    this.lastExpiry = null;
    this.pollSooner();
  }

  private arm(): void {
    if (this.stopped) return;
    for (const w of this.watchers.splice(0)) w.close();
    const base = path.basename(this.opts.dir);
    const onEvent = (file: string | null): void => {
      if (file === null || file === base || file === CURRENT || file.startsWith('client.')) this.schedule();
    };
    // The directory (a swap renames `current`), its parent (the directory itself replaced) and the current generation
    // (files rewritten in place through the links); re-armed after every check, so it follows each swap.
    for (const [target, filter] of [
      [this.opts.dir, false],
      [path.dirname(this.opts.dir), true],
      [path.join(this.opts.dir, CURRENT), false],
    ] as const) {
      try {
        const w = watch(target, { persistent: false }, (_e, f) => (filter ? f === base && onEvent(f) : onEvent(f)));
        w.on('error', () => {
          w.close();
          // A watch that failed no longer counts as armed: the poll goes back to its fast period.
          this.watchers = this.watchers.filter((x) => x !== w);
          this.pollSooner();
        });
        this.watchers.push(w);
      } catch {
        // Not there (yet): the poll re-arms.
      }
    }
    this.pollSooner();
  }

  private schedule(): void {
    if (this.stopped) return;
    if (this.settleTimer) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      this.arm();
      void this.check();
    }, this.opts.settleMs ?? 250);
    this.settleTimer.unref();
  }

  /** Re-reads the directory now. */
  check(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.checkOnce().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        void this.check();
      }
    });
    return this.running;
  }

  private async checkOnce(): Promise<void> {
    const now = this.opts.now?.() ?? Date.now();
    const r = await readCredentials(this.opts.dir, now);
    if (this.stopped) return;
    if (r.ok) {
      const c = r.credentials;
      const same = this.current !== null && this.current.tls.cert === c.tls.cert && this.current.tls.key === c.tls.key;
      this.lastRejected = null;
      if (!same) {
        this.current = c;
        this.lastExpiry = null;
        this.opts.onAccepted(c);
      }
    } else if (r.reason !== this.lastRejected) {
      this.lastRejected = r.reason;
      this.opts.onRejected(r.reason, r.missing === true);
    }
    const cur = this.current;
    if (cur) {
      const w = expiryWarning(cur.info.notAfter, now);
      if (w.level !== this.lastExpiry) {
        this.lastExpiry = w.level;
        if (w.level !== 'ok') this.opts.onExpiry?.(w, cur);
      }
    }
  }
}
