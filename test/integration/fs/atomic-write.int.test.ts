// Atomic writes on a real filesystem that runs out of space (a 64 KiB tmpfs mounted for this file) and under odd
// umasks: a failed write leaves no temp file and the old content intact; the mode is exact whatever the umask.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { writeFileAtomic } from '../../../electron/lib/fs/atomic.js';
import { JsonStore } from '../../../electron/lib/fs/json-store.js';
import { requireRoot } from '../../support/require.js';

let mnt = '';

beforeAll(() => {
  requireRoot();
  mnt = mkdtempSync(path.join(tmpdir(), 'vplc-enospc-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt]);
});

afterAll(() => {
  if (!mnt) return;
  execFileSync('umount', [mnt]);
  rmSync(mnt, { recursive: true, force: true });
});

const big = (n: number): string => 'x'.repeat(n);

describe('writeFileAtomic when the disk is full', () => {
  it('fails with ENOSPC, removes its temp file and keeps the old content', async () => {
    const dir = path.join(mnt, 'a');
    const file = path.join(dir, 'state.json');
    await writeFileAtomic(file, '{"old":true}\n');
    await expect(writeFileAtomic(file, big(200 * 1024))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir)).toEqual(['state.json']);
    expect(readFileSync(file, 'utf8')).toBe('{"old":true}\n');
    rmSync(dir, { recursive: true });
  });

  it('leaves no temp file for any write size around the space left', async () => {
    const dir = path.join(mnt, 'b');
    const file = path.join(dir, 'f');
    // Fill most of the space so several sizes around the limit are tried; every failure must clean up.
    writeFileSync(path.join(mnt, 'filler'), big(40 * 1024));
    for (const size of [8 * 1024, 16 * 1024, 24 * 1024, 32 * 1024]) {
      await writeFileAtomic(file, big(size)).catch((err: unknown) => expect(err).toMatchObject({ code: 'ENOSPC' }));
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    }
    rmSync(path.join(mnt, 'filler'));
    rmSync(dir, { recursive: true });
  });

  it('JsonStore.save passes ENOSPC on and leaves only the previous file', async () => {
    const dir = path.join(mnt, 'c');
    const store = new JsonStore(path.join(dir, 'vplc_state.json'), z.record(z.string(), z.string()));
    await store.save({ a: 'small' });
    await expect(store.save({ a: big(100 * 1024) })).rejects.toMatchObject({ code: 'ENOSPC' });
    expect(readdirSync(dir)).toEqual(['vplc_state.json']);
    expect(await store.load()).toEqual({ kind: 'ok', value: { a: 'small' } });
    rmSync(dir, { recursive: true });
  });
});

describe('writeFileAtomic modes', () => {
  const cases: Array<{ umask: number; mode: number }> = [
    { umask: 0o077, mode: 0o644 },
    { umask: 0o777, mode: 0o600 },
    { umask: 0o000, mode: 0o600 },
    { umask: 0o022, mode: 0o640 },
    { umask: 0o027, mode: 0o604 },
  ];
  const named = cases.map((c) => ({ ...c, name: `mode ${c.mode.toString(8)} under umask ${c.umask.toString(8).padStart(3, '0')}` }));
  it.each(named)('$name is exact', async ({ umask, mode }) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-mode-'));
    const previous = process.umask(umask);
    try {
      const file = path.join(dir, 'f');
      await writeFileAtomic(file, 'data', mode);
      expect((statSync(file).mode & 0o777).toString(8)).toBe(mode.toString(8));
      // Replacing an existing file applies the mode again.
      await writeFileAtomic(file, 'data2', mode);
      expect((statSync(file).mode & 0o777).toString(8)).toBe(mode.toString(8));
    } finally {
      process.umask(previous);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
