import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

  it('reads synchronously on the kept-open descriptor (no thread-pool round trip), from a real /proc file', () => {
    const text = pool.readSync('/proc/self/stat');
    expect(text).toMatch(new RegExp(`^${process.pid} \\(`));
    expect(pool.readSync('/proc/self/stat').split(' ')[0]).toBe(String(process.pid));
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

  it('reads a multi-record kernel file to its end, though the kernel returns about a page per read', () => {
    // /proc/self/maps changes as the process allocates, so compare its shape with a plain read: far more than a page,
    // the same last line (the highest mapping, [vsyscall] on x86-64) and about as many lines.
    const text = pool.readSync('/proc/self/maps');
    const plain = readFileSync('/proc/self/maps', 'utf8');
    expect(plain.length).toBeGreaterThan(8 * 1024);
    expect(text.length).toBeGreaterThan(8 * 1024);
    const lastLine = (t: string): string => t.trimEnd().split('\n').at(-1) ?? '';
    expect(lastLine(text)).toBe(lastLine(plain));
    expect(Math.abs(text.split('\n').length - plain.split('\n').length)).toBeLessThan(20);
    // Re-read from offset 0 on the kept descriptor: the whole file again.
    expect(lastLine(pool.readSync('/proc/self/maps'))).toBe(lastLine(plain));
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
