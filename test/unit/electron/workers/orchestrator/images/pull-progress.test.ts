import { describe, expect, it } from 'vitest';
import type { PullProgress } from '../../../../../../shared/domain/operations.js';
import { PullFailed, PullTracker, throttledProgress } from '../../../../../../electron/workers/orchestrator/images/pull-progress.js';

/** The shape of a real 20.10 pull stream: one layer already present, two downloaded. */
const stream = [
  { status: 'Pulling from vt/openplc-runtime', id: 'v1' },
  { status: 'Already exists', progressDetail: {}, id: 'aaa' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'bbb' },
  { status: 'Pulling fs layer', progressDetail: {}, id: 'ccc' },
  { status: 'Downloading', progressDetail: { current: 1000, total: 4000 }, progress: '[==>  ]', id: 'bbb' },
  { status: 'Downloading', progressDetail: { current: 500, total: 2000 }, id: 'ccc' },
  { status: 'Downloading', progressDetail: { current: 3000, total: 4000 }, id: 'bbb' },
  { status: 'Verifying Checksum', progressDetail: {}, id: 'bbb' },
  { status: 'Download complete', progressDetail: {}, id: 'bbb' },
  { status: 'Extracting', progressDetail: { current: 9000, total: 9000 }, id: 'bbb' },
  { status: 'Pull complete', progressDetail: {}, id: 'bbb' },
  { status: 'Download complete', progressDetail: {}, id: 'ccc' },
  { status: 'Pull complete', progressDetail: {}, id: 'ccc' },
  { status: 'Digest: sha256:0123' },
  { status: 'Status: Downloaded newer image for vt/openplc-runtime:v1' },
];

describe('PullTracker', () => {
  it('sums layers and download bytes; the tag line and the digest/status lines are not layers', () => {
    const t = new PullTracker();
    const at = (n: number): PullProgress => {
      const fresh = new PullTracker();
      stream.slice(0, n).forEach((m) => fresh.add(m));
      return fresh.snapshot();
    };
    expect(at(1)).toEqual({ layers_done: 0, layers_total: 0, bytes_done: 0, bytes_total: 0 });
    expect(at(4)).toEqual({ layers_done: 1, layers_total: 3, bytes_done: 0, bytes_total: 0 });
    expect(at(6)).toEqual({ layers_done: 1, layers_total: 3, bytes_done: 1500, bytes_total: 6000 });
    expect(at(7)).toEqual({ layers_done: 1, layers_total: 3, bytes_done: 3500, bytes_total: 6000 });
    // Extraction bytes are not download bytes.
    expect(at(10)).toEqual({ layers_done: 1, layers_total: 3, bytes_done: 4500, bytes_total: 6000 });
    stream.forEach((m) => t.add(m));
    expect(t.snapshot()).toEqual({ layers_done: 3, layers_total: 3, bytes_done: 6000, bytes_total: 6000 });
  });

  it('rejects the engine error carried in the stream, and a message of the wrong shape naming the field', () => {
    const t = new PullTracker();
    expect(() => t.add({ errorDetail: { message: 'unexpected EOF' }, error: 'unexpected EOF' })).toThrow(new PullFailed('unexpected EOF'));
    expect(() => t.add({ errorDetail: { message: 'blob unknown' } })).toThrow('blob unknown');
    expect(() => t.add({ status: 'Downloading', id: 'x', progressDetail: { current: 'lots' } })).toThrow(/progressDetail\.current/);
    expect(() => t.add('text')).toThrow(PullFailed);
  });
});

describe('throttledProgress', () => {
  it('passes byte-only changes at most once per interval, layer changes at once, repeats never, and flushes the held one', () => {
    let now = 0;
    const out: PullProgress[] = [];
    const p = throttledProgress((x) => out.push(x), 250, () => now);
    const bytes = (done: number, layers = 0): PullProgress => ({ layers_done: layers, layers_total: 2, bytes_done: done, bytes_total: 100 });
    p.push(bytes(0));
    p.push(bytes(0));
    now = 100;
    p.push(bytes(10));
    now = 200;
    p.push(bytes(20));
    expect(out).toEqual([bytes(0)]);
    now = 260;
    p.push(bytes(30));
    now = 270;
    p.push(bytes(40, 1));
    now = 280;
    p.push(bytes(50, 1));
    expect(out).toEqual([bytes(0), bytes(30), bytes(40, 1)]);
    p.flush();
    p.flush();
    expect(out).toEqual([bytes(0), bytes(30), bytes(40, 1), bytes(50, 1)]);
  });
});
