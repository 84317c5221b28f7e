import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const TEST_LABEL = 'io.vplc-orchestrator.test-run';

/** A short id for everything one test file creates directly (names are prefixed `vt-<run>-`). */
export const newRunId = (): string => randomBytes(3).toString('hex');

const SLOTS = 8;
const slotDir = path.join(tmpdir(), 'vplc-test-slots');
const claimed: { slot?: number } = {};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * This process's test slot (1-8), so files running in parallel use disjoint test subnets. VITEST_POOL_ID is not
 * distinct when several projects run in one invocation (every integration fork reported 1), so a slot is claimed
 * with an exclusive lock file holding our PID; a slot whose process died is taken over.
 */
export function workerSlot(): number {
  if (claimed.slot) return claimed.slot;
  mkdirSync(slotDir, { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    for (let k = 1; k <= SLOTS; k++) {
      const file = path.join(slotDir, String(k));
      try {
        writeFileSync(file, String(process.pid), { flag: 'wx' });
        claimed.slot = k;
        process.once('exit', () => rmSync(file, { force: true }));
        return k;
      } catch {
        const owner = Number.parseInt(readFileSync(file, 'utf8'), 10);
        if (owner === process.pid) return (claimed.slot = k);
        if (!Number.isFinite(owner) || !alive(owner)) rmSync(file, { force: true });
      }
    }
  }
  throw new Error(`no free test slot in ${slotDir}: more than ${SLOTS} test processes use the network at once`);
}

/**
 * Test address plan, all inside 198.18.0.0/15:
 * - internal pool per slot: 198.19.<slot*16>.0/20 (512 /29 blocks);
 * - LAN n of slot s: 198.18.<s*16 + n>.0/24.
 */
export const internalPoolFor = (slot: number): string => `198.19.${slot * 16}.0/20`;
export const lanSubnet = (slot: number, n: number): string => `198.18.${slot * 16 + n}.0/24`;
export const lanAddress = (slot: number, n: number, host: number): string => `198.18.${slot * 16 + n}.${host}`;

export async function waitFor<T>(probe: () => Promise<T> | T, ok: (v: T) => boolean, opts: { timeoutMs: number; intervalMs?: number; what: string }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (ok(last)) return last;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what}; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
  }
}
