import { promises as fs } from 'node:fs';
import path from 'node:path';
import { JournalEntryView } from '../../../shared/api/contract.js';
import type { z } from 'zod';
import type { Logger } from '../logging/logger.js';

export type JournalEntry = z.output<typeof JournalEntryView>;

const FILE = 'journal.jsonl';
const MAX_BYTES = 5 * 1024 * 1024;
const KEEP_ROTATED = 3;
const MAX_IN_MEMORY = 2_000;

/**
 * The persisted journal of vPLC changes (docs/decisions.md "Journal": who asked — cloud, UI, CLI, the agent —, what, result), as JSON
 * lines in `<dataDir>/journal/`. Each append is one write followed by fsync; a torn last line (power cut) and any line
 * that does not parse are skipped and reported, never rewritten; past 5 MB the file rotates (3 kept).
 *
 * INVARIANTS
 * - Appends are serialised; a failed write is logged and never thrown into the caller (journaling must not break an
 *   operation).
 * - Reads come from memory (the newest 2000 entries, loaded at open), newest first.
 */
export class Journal {
  private readonly file: string;
  private entries: JournalEntry[] = [];
  private queue: Promise<void> = Promise.resolve();
  private opened = false;
  /** Problems found when loading: shown in the agent's log and the support bundle. */
  readonly problems: string[] = [];

  constructor(
    readonly dir: string,
    private readonly log: Pick<Logger, 'warn'>,
  ) {
    this.file = path.join(dir, FILE);
  }

  async open(): Promise<void> {
    if (this.opened) return;
    this.opened = true;
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    let text = '';
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        const moved = `${this.file}.unreadable-${Math.floor(Date.now() / 1000)}`;
        await fs.rename(this.file, moved).catch(() => undefined);
        this.problems.push(`${this.file} could not be read (${(err as Error).message}); moved to ${moved}`);
      }
    }
    const lines = text.split('\n');
    const torn = text.length > 0 && !text.endsWith('\n');
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        parsed = undefined;
      }
      const e = JournalEntryView.safeParse(parsed);
      if (e.success) this.entries.push(e.data);
      else this.problems.push(torn && i === lines.length - 1 ? `the last journal line was cut off (power cut?) and is skipped` : `journal line ${i + 1} is not a journal entry and is skipped`);
    });
    this.entries = this.entries.slice(-MAX_IN_MEMORY);
    // A torn last line gets a newline so the next entry starts on its own line.
    if (torn) await fs.appendFile(this.file, '\n').catch(() => undefined);
    for (const p of this.problems) this.log.warn(`journal: ${p}`);
  }

  /** Records one entry; resolves once it is on disk (or the failure is logged). */
  append(e: Omit<JournalEntry, 'ts'> & { ts?: string }): Promise<void> {
    const entry = JournalEntryView.parse({ ...e, ts: e.ts ?? new Date().toISOString() });
    this.entries.push(entry);
    if (this.entries.length > MAX_IN_MEMORY) this.entries.splice(0, this.entries.length - MAX_IN_MEMORY);
    this.queue = this.queue.then(() => this.write(entry)).catch((err: unknown) => this.log.warn('journal: entry not written', { err: String(err), vplc: entry.vplc, action: entry.action }));
    return this.queue;
  }

  /** Newest first, optionally for one vPLC. */
  list(limit: number, vplc?: string): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (let i = this.entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.entries[i] as JournalEntry;
      if (!vplc || e.vplc === vplc) out.push(e);
    }
    return out;
  }

  /** The journal files, oldest first (for the support bundle). */
  async files(): Promise<string[]> {
    const rotated = Array.from({ length: KEEP_ROTATED }, (_, i) => path.join(this.dir, `journal.${KEEP_ROTATED - i}.jsonl`));
    const all = [...rotated, this.file];
    const present = await Promise.all(all.map((f) => fs.stat(f).then(() => f, () => null)));
    return present.filter((f): f is string => f !== null);
  }

  private async write(entry: JournalEntry): Promise<void> {
    const size = await fs.stat(this.file).then((s) => s.size, () => 0);
    if (size > MAX_BYTES) await this.rotate();
    const fh = await fs.open(this.file, 'a', 0o600);
    try {
      await fh.write(`${JSON.stringify(entry)}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
  }

  private async rotate(): Promise<void> {
    await fs.rm(path.join(this.dir, `journal.${KEEP_ROTATED}.jsonl`), { force: true });
    for (let i = KEEP_ROTATED - 1; i >= 1; i--) {
      await fs.rename(path.join(this.dir, `journal.${i}.jsonl`), path.join(this.dir, `journal.${i + 1}.jsonl`)).catch(() => undefined);
    }
    await fs.rename(this.file, path.join(this.dir, 'journal.1.jsonl'));
  }
}
