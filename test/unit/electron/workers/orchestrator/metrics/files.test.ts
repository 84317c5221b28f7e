import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PreadFilePool } from '../../../../../../electron/workers/orchestrator/metrics/files.js';

describe('PreadFilePool', () => {
  let dir = '';
  let pool: PreadFilePool;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'vt-pread-'));
    pool = new PreadFilePool();
  });
  afterEach(async () => {
    await pool.closeAll();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a file open and re-reads it from offset 0', async () => {
    const f = join(dir, 'a');
    writeFileSync(f, 'first\n');
    expect(await pool.read(f)).toBe('first\n');
    expect(pool.openCount).toBe(1);
    writeFileSync(f, 'second, longer\n');
    expect(await pool.read(f)).toBe('second, longer\n');
    expect(pool.openCount).toBe(1);
  });

  it('reads files larger than one chunk', async () => {
    const f = join(dir, 'big');
    const text = 'x'.repeat(16 * 1024 * 3 + 17);
    writeFileSync(f, text);
    expect(await pool.read(f)).toBe(text);
    const exact = join(dir, 'exact');
    writeFileSync(exact, 'y'.repeat(16 * 1024));
    expect((await pool.read(exact)).length).toBe(16 * 1024);
  });

  it('does not cache a failed open', async () => {
    const f = join(dir, 'missing');
    await expect(pool.read(f)).rejects.toThrow(/ENOENT/);
    expect(pool.openCount).toBe(0);
    writeFileSync(f, 'now here');
    expect(await pool.read(f)).toBe('now here');
  });

  it('closes selected files and all files', async () => {
    for (const n of ['a', 'b', 'c']) {
      writeFileSync(join(dir, n), n);
      await pool.read(join(dir, n));
    }
    await pool.closeWhere((f) => f.endsWith('b'));
    expect(pool.openCount).toBe(2);
    await pool.close(join(dir, 'nope'));
    expect(pool.openCount).toBe(2);
    await pool.closeAll();
    expect(pool.openCount).toBe(0);
    expect(await pool.read(join(dir, 'a'))).toBe('a');
  });
});
