import { promises as fs } from 'node:fs';
import type { z } from 'zod';
import { isErrno, writeFileAtomic } from './atomic.js';
import { checkJson, corruptName, type Loaded } from './json-file.js';

export type { Loaded } from './json-file.js';

export type NowSeconds = () => number;

/**
 * One JSON file, parsed with zod on every read and written atomically.
 *
 * INVARIANTS
 * - Writes to this file are serialised through `tail`; a failed write never blocks the next one.
 * - A file that does not parse or validate is moved aside to `<file>.corrupt-<unix-ts>`, never overwritten with defaults.
 */
export class JsonStore<T> {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    readonly file: string,
    private readonly schema: z.ZodType<T>,
    private readonly nowSeconds: NowSeconds = () => Math.floor(Date.now() / 1000),
  ) {}

  async load(): Promise<Loaded<T>> {
    let text: string;
    try {
      text = await fs.readFile(this.file, 'utf8');
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return { kind: 'missing' };
      throw err;
    }
    const checked = checkJson(text, this.schema);
    if (checked.ok) return { kind: 'ok', value: checked.value };
    return { kind: 'corrupt', movedTo: await this.quarantine(), reason: checked.reason };
  }

  save(value: T): Promise<void> {
    const run = this.tail.then(() => writeFileAtomic(this.file, JSON.stringify(this.schema.parse(value), null, 2) + '\n'));
    this.tail = run.catch(() => undefined);
    return run;
  }

  async remove(): Promise<void> {
    await this.tail;
    await fs.rm(this.file, { force: true });
  }

  private async quarantine(): Promise<string> {
    const now = this.nowSeconds();
    for (let n = 0; ; n++) {
      const target = corruptName(this.file, now, n);
      try {
        await fs.link(this.file, target);
        await fs.unlink(this.file);
        return target;
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
    }
  }
}
