// The host lock against the real kernel: flock(1) locks our open file description, the kernel drops it when the
// holder dies (kill -9 too), and no child spawned later inherits it. Runtime: about 2-4 s (one tsx child).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { acquireHostLock, lockHolder } from '../../../../../electron/lib/lock/host-lock.js';
import { isFlocked } from '../../../../../electron/lib/lock/proc-locks.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vplc-lock-'));
const moduleUrl = new URL('../../../../../electron/lib/lock/host-lock.ts', import.meta.url).href;
const repo = fileURLToPath(new URL('../../../../../', import.meta.url));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Another process that takes the lock through the same module, says so, and then waits to be killed. */
function holderProcess(file: string): { child: ChildProcess; locked: Promise<string> } {
  const code = `const { acquireHostLock } = await import(${JSON.stringify(moduleUrl)}); const l = await acquireHostLock(${JSON.stringify(file)}); console.log(l ? 'locked' : 'held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  const locked = new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (c) => reject(new Error(`holder exited ${c}`)));
  });
  return { child, locked };
}

describe('acquireHostLock', () => {
  it('refuses a second acquire while the first is held, and gives it after release', async () => {
    const file = path.join(dir, 'a.lock');
    const first = await acquireHostLock(file);
    expect(first).not.toBeNull();
    expect(await acquireHostLock(file)).toBeNull();
    expect(await lockHolder(file)).toEqual({ held: true, pid: process.pid });
    await first?.release();
    expect(await lockHolder(file)).toEqual({ held: false });
    const again = await acquireHostLock(file);
    expect(again).not.toBeNull();
    await again?.release();
  });

  it('is released when the holder process is killed with SIGKILL, and the leftover file does not block', async () => {
    const file = path.join(dir, 'b.lock');
    const holder = holderProcess(file);
    expect(await holder.locked).toBe('locked');
    expect(await acquireHostLock(file)).toBeNull();
    expect(await lockHolder(file)).toEqual({ held: true, pid: holder.child.pid });
    const exited = new Promise((r) => holder.child.once('exit', r));
    holder.child.kill('SIGKILL');
    await exited;
    expect(await isFlocked(file)).toBe(false);
    const mine = await acquireHostLock(file);
    expect(mine).not.toBeNull();
    expect(await lockHolder(file)).toEqual({ held: true, pid: process.pid });
    await mine?.release();
  });

  it('is not inherited by a child spawned while it is held (such a child would keep it after we die)', async () => {
    const file = path.join(dir, 'c.lock');
    const lock = await acquireHostLock(file);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const targets = readdirSync(`/proc/${child.pid}/fd`).map((fd) => readlinkSync(`/proc/${child.pid}/fd/${fd}`));
      expect(targets).not.toContain(file);
    } finally {
      child.kill('SIGKILL');
      await lock?.release();
    }
  });

  it('never follows a symlink planted in place of the lock file', async () => {
    const file = path.join(dir, 'd.lock');
    const { symlinkSync } = await import('node:fs');
    symlinkSync(path.join(dir, 'elsewhere'), file);
    await expect(acquireHostLock(file)).rejects.toMatchObject({ code: 'ELOOP' });
  });
});
