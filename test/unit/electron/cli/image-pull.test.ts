import { describe, expect, it } from 'vitest';
import { pull, pullLine, type PullClient } from '../../../../electron/cli/image.js';
import type { Envelope } from '../../../../shared/api/envelope.js';

const REF = 'registry.local:5000/openplc-runtime:4.2.0';
const at = (layers_done: number, layers_total: number, bytes_done: number, bytes_total: number, ref = REF) => ({ ref, phase: 'pulling', layers_done, layers_total, bytes_done, bytes_total });

/** An agent client that replays `events` while the call is in flight, then answers `answer`. */
function client(events: unknown[], answer: Envelope<unknown>): PullClient & { calls: unknown[] } {
  let listener: ((name: string, payload: unknown) => void) | undefined;
  const calls: unknown[] = [];
  return {
    calls,
    onEvent(cb) {
      listener = cb;
      return () => (listener = undefined);
    },
    call(channel, input) {
      calls.push([channel, input]);
      for (const e of events) listener?.('images:pull-progress', e);
      listener?.('images:progress', { file: '/x.tar', phase: 'loading', bytesRead: 1, totalBytes: 2, percent: 50 });
      return Promise.resolve(answer);
    },
  };
}

const io = (tty: boolean) => {
  const out: string[] = [];
  return { out, io: { out: (s: string) => void out.push(s), err: () => undefined, tty } };
};
const done = { ok: true as const, value: { ref: REF, id: `sha256:${'c'.repeat(64)}` } };
const events = [at(0, 0, 0, 0), at(0, 3, 0, 0), at(1, 3, 0, 30_100_000), at(1, 3, 12_400_000, 30_100_000), at(2, 3, 20_000_000, 30_100_000), at(2, 3, 9, 9, 'other/repo:4.2.0.1'), at(3, 3, 30_100_000, 30_100_000), { ...at(3, 3, 30_100_000, 30_100_000), phase: 'done' }, { bogus: true }];

describe('image pull output', () => {
  it('formats layers and MB, and says only "pulling" before a layer is known', () => {
    expect(pullLine({ ...at(2, 3, 12_400_000, 30_100_000), phase: 'pulling' })).toBe(`pulling ${REF}: 2/3 layers, 12.4 of 30.1 MB`);
    expect(pullLine({ ...at(1, 2, 0, 0), phase: 'pulling' })).toBe(`pulling ${REF}: 1/2 layers`);
    expect(pullLine({ ...at(0, 0, 0, 0), phase: 'pulling' })).toBe(`pulling ${REF}`);
  });

  it('on a terminal rewrites one line (padded over a longer one), then prints the result', async () => {
    const o = io(true);
    const c = client(events, done);
    expect(await pull(c, '4.2.0', o.io)).toBe(0);
    expect(c.calls).toEqual([['images:pull', { version: '4.2.0' }]]);
    const text = o.out.join('');
    const frames = text.split('\n')[0]!.split('\r').slice(1);
    expect(frames.map((f) => f.trimEnd())).toEqual([
      `pulling ${REF}`,
      `pulling ${REF}: 0/3 layers`,
      `pulling ${REF}: 1/3 layers, 0.0 of 30.1 MB`,
      `pulling ${REF}: 1/3 layers, 12.4 of 30.1 MB`,
      `pulling ${REF}: 2/3 layers, 20.0 of 30.1 MB`,
      `pulling ${REF}: 3/3 layers, 30.1 of 30.1 MB`,
    ]);
    expect(frames[1]!.length).toBe(`pulling ${REF}: 0/3 layers`.length);
    expect(text.endsWith(`\npulled ${REF} (cccccccccccc)\n`)).toBe(true);
  });

  it('into a pipe writes a line per layer change only', async () => {
    const o = io(false);
    expect(await pull(client(events, done), '4.2.0', o.io)).toBe(0);
    expect(o.out.join('')).toBe(
      [`pulling ${REF}`, `pulling ${REF}: 0/3 layers`, `pulling ${REF}: 1/3 layers, 0.0 of 30.1 MB`, `pulling ${REF}: 2/3 layers, 20.0 of 30.1 MB`, `pulling ${REF}: 3/3 layers, 30.1 of 30.1 MB`, `pulled ${REF} (cccccccccccc)`, ''].join('\n'),
    );
  });

  it('rejects with the agent’s reason, after ending the progress line', async () => {
    const o = io(true);
    const reason = `could not pull ${REF} (connection refused). Connect this PC to registry.local:5000, or load the image from a file with \`vplc-orchestrator image load FILE\`.`;
    await expect(pull(client(events.slice(0, 3), { ok: false, error: { code: 'UNAVAILABLE', message: reason } }), '4.2.0', o.io)).rejects.toThrow(reason);
    expect(o.out.at(-1)).toBe('\n');
  });
});
