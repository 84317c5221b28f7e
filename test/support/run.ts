import { randomBytes } from 'node:crypto';

export const TEST_LABEL = 'io.vplc-orchestrator.test-run';

/** A short id for everything one test file creates directly (names are prefixed `vt-<run>-`). */
export const newRunId = (): string => randomBytes(3).toString('hex');

/** The vitest worker slot (1-based), so files running in parallel use disjoint test subnets. */
export function workerSlot(): number {
  const id = Number.parseInt(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? '1', 10);
  return Number.isFinite(id) && id > 0 ? ((id - 1) % 8) + 1 : 1;
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
