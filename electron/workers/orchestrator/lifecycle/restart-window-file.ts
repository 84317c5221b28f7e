import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../../../lib/fs/atomic.js';
import { loadJsonFileSync } from '../../../lib/fs/json-file.js';
import type { Logger } from '../context.js';
import type { CrashGuard } from './crash-guard.js';

export const RESTART_WINDOW_FILE = 'restart-window.json';

const RestartWindowSchema = z.object({
  version: z.literal(1),
  /** Per vPLC, the wall-clock ms of each automatic restart still inside the crash-loop window. */
  restarts: z.record(z.string(), z.array(z.number().int().nonnegative())),
});

/**
 * The crash-loop window kept across agent restarts (`restart-window.json` in the data dir), so restarting the agent
 * neither forgets a crash loop nor lifts its suspension. Loaded once at start; written atomically after each change,
 * one write at a time. A corrupt file is moved aside and reported, and the window starts empty.
 */
export class RestartWindowFile {
  private readonly file: string;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    private readonly wallNow: () => number,
  ) {
    this.file = path.join(dataDir, RESTART_WINDOW_FILE);
  }

  restoreInto(guard: CrashGuard): void {
    const loaded = loadJsonFileSync(this.file, RestartWindowSchema, { nowSeconds: () => Math.floor(this.wallNow() / 1000) });
    if (loaded.kind === 'ok') return guard.restore(loaded.value.restarts, this.wallNow());
    if (loaded.kind === 'corrupt') this.log.error('persisted file was corrupt and has been moved aside', { file: this.file, reason: loaded.reason, movedTo: loaded.movedTo });
  }

  /** Saves the guard's records; calls while a write runs coalesce into one more write. */
  save(guard: CrashGuard): void {
    if (this.dirty) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      const body = { version: 1 as const, restarts: guard.snapshot(this.wallNow()) };
      await writeFileAtomic(this.file, `${JSON.stringify(body)}\n`).catch((err: unknown) => this.log.warn('restart window not saved', { err: (err as Error).message }));
    });
  }

  /** Resolves once every requested write is on disk. */
  flushed(): Promise<void> {
    return this.writing;
  }
}
