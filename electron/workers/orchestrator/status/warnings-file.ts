import path from 'node:path';
import { z } from 'zod';
import { JsonStore } from '../../../lib/fs/json-store.js';
import type { Logger, WarningBoard, WarningSink } from '../context.js';
import type { StoreProblem } from '../store/state-store.js';

export const WARNINGS_FILE = 'vplc-warnings.json';

const WarningsFileSchema = z.object({
  version: z.literal(1),
  /** Per vPLC, its warnings by key (the key says which check wrote it, so that check can clear it). */
  warnings: z.record(z.string(), z.record(z.string(), z.string())),
});
type WarningsFileBody = z.infer<typeof WarningsFileSchema>;

/**
 * Keys not kept across an agent restart: boot sync writes the dependency ones again, and nothing probes a runtime
 * again after a restart to clear a `runtime` warning (docs/lifecycle.md "Warnings across agent restarts").
 */
export const VOLATILE_WARNING_KEYS: ReadonlySet<string> = new Set(['depends-on', 'depends-on-cycle', 'runtime']);

const durable = (snapshot: Record<string, Record<string, string>>): WarningsFileBody['warnings'] => {
  const out: WarningsFileBody['warnings'] = {};
  for (const [vplc, keyed] of Object.entries(snapshot)) {
    const kept = Object.entries(keyed).filter(([k]) => !VOLATILE_WARNING_KEYS.has(k));
    if (kept.length) out[vplc] = Object.fromEntries(kept);
  }
  return out;
};

/**
 * The per-vPLC warnings kept across agent restarts (`vplc-warnings.json` in the data dir). Restored once at start for
 * vPLCs that still have a record; written atomically after each change, calls during a write coalescing into one more.
 * A corrupt file is moved aside and returned as a problem (shown in the host warnings); the board then starts empty.
 */
export class WarningsFile implements WarningSink {
  private readonly store: JsonStore<WarningsFileBody>;
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  private removed = false;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    nowSeconds?: () => number,
  ) {
    this.store = new JsonStore(path.join(dataDir, WARNINGS_FILE), WarningsFileSchema, nowSeconds);
  }

  get file(): string {
    return this.store.file;
  }

  /** Restores the warnings of vPLCs for which `exists` holds; entries of others are dropped from the file. */
  async restoreInto(board: WarningBoard, exists: (vplc: string) => boolean): Promise<StoreProblem | null> {
    const loaded = await this.store.load();
    if (loaded.kind === 'missing') return null;
    if (loaded.kind === 'corrupt') return { file: this.store.file, movedTo: loaded.movedTo, reason: loaded.reason };
    const all = durable(loaded.value.warnings);
    const kept = Object.fromEntries(Object.entries(all).filter(([vplc]) => exists(vplc)));
    board.restore(kept);
    if (Object.keys(kept).length !== Object.keys(loaded.value.warnings).length) this.save(board);
    return null;
  }

  save(board: WarningBoard): void {
    if (this.dirty || this.removed) return;
    this.dirty = true;
    this.writing = this.writing.then(async () => {
      this.dirty = false;
      await this.store.save({ version: 1, warnings: durable(board.snapshot()) }).catch((err: unknown) => this.log.warn('vPLC warnings not saved', { err: (err as Error).message }));
    });
  }

  flushed(): Promise<void> {
    return this.writing;
  }

  async remove(): Promise<void> {
    this.removed = true;
    await this.writing;
    await this.store.remove();
  }
}
