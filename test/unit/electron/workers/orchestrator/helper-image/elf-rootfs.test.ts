import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readlinkSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tar } from '../../../../../../electron/lib/archive/tar.js';
import { elfFacts, engineMachine } from '../../../../../../electron/workers/orchestrator/helper-image/elf.js';
import { findBusybox, helperHash, helperRootfs, REQUIRED_APPLETS } from '../../../../../../electron/workers/orchestrator/helper-image/rootfs.js';

// The host's busybox-static (scripts/test-all installs it, the .deb depends on it) and this Node binary (dynamic).
const BUSYBOX = '/bin/busybox';

describe('ELF facts', () => {
  it('tells a static busybox from a dynamically linked node, for this machine', () => {
    const bb = elfFacts(readFileSync(BUSYBOX));
    const node = elfFacts(readFileSync(process.execPath));
    expect(bb.static).toBe(true);
    expect(node.static).toBe(false);
    expect(bb.machine).toBe(engineMachine(execFileSync('uname', ['-m']).toString().trim()));
  });

  it('refuses what is not ELF or is cut short', () => {
    expect(() => elfFacts(Buffer.from('#!/bin/sh\necho hi\n'.padEnd(64, ' ')))).toThrow(/not an ELF/);
    expect(() => elfFacts(readFileSync(BUSYBOX).subarray(0, 80))).toThrow(/truncated/);
  });
});

describe('finding the busybox', () => {
  it('skips missing and dynamic candidates and names each with its reason when none is usable', async () => {
    const err = await findBusybox(['/nonexistent/busybox', process.execPath]).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/\/nonexistent\/busybox: ENOENT/);
    expect((err as Error).message).toContain(`${process.execPath}: dynamically linked`);
    expect((err as Error).message).toMatch(/install the busybox-static package/);
  });

  it('takes the first usable one, with every required applet', async () => {
    const bb = await findBusybox(['/nonexistent/busybox', BUSYBOX]);
    expect(bb.path).toBe(BUSYBOX);
    expect(bb.applets).toEqual(expect.arrayContaining([...REQUIRED_APPLETS]));
  });

  it('names the image by content: the same binary gives the same hash, one changed byte a new one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bb-'));
    try {
      const copy = path.join(dir, 'busybox');
      // Trailing bytes after the ELF image do not change what runs, only the content.
      writeFileSync(copy, Buffer.concat([readFileSync(BUSYBOX), Buffer.from([0])]), { mode: 0o755 });
      const a = helperHash(await findBusybox([BUSYBOX]));
      expect(helperHash(await findBusybox([BUSYBOX]))).toBe(a);
      expect(helperHash(await findBusybox([copy]))).not.toBe(a);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the helper rootfs', () => {
  it('extracts with GNU tar into busybox, one link per applet and a sticky /tmp', async () => {
    const bb = await findBusybox([BUSYBOX]);
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-rootfs-'));
    try {
      writeFileSync(path.join(dir, 'rootfs.tar'), tar(helperRootfs(bb), 0));
      const root = path.join(dir, 'root');
      execFileSync('mkdir', [root]);
      execFileSync('tar', ['-xf', path.join(dir, 'rootfs.tar'), '-C', root]);
      expect(readFileSync(path.join(root, 'bin/busybox')).equals(bb.bytes)).toBe(true);
      expect(readlinkSync(path.join(root, 'bin/udhcpc'))).toBe('busybox');
      expect(statSync(path.join(root, 'tmp')).mode & 0o7777).toBe(0o1777);
      expect(execFileSync(path.join(root, 'bin/sh'), ['-c', 'echo $((6*7))']).toString().trim()).toBe('42');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
