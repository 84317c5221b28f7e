import { z } from 'zod';
import type { PullProgress } from '../../../../shared/domain/operations.js';

/** One message of the engine's `POST /images/create` JSON stream. */
const PullMessage = z.object({
  status: z.string().optional(),
  id: z.string().optional(),
  progressDetail: z.object({ current: z.number().nonnegative().optional(), total: z.number().nonnegative().optional() }).optional(),
  error: z.string().optional(),
  errorDetail: z.object({ message: z.string().optional() }).optional(),
});

/** The engine reported a failure inside a pull stream (the HTTP status was already 200). */
export class PullFailed extends Error {}

type Layer = { current: number; total: number; done: boolean };

const DONE = /^(Pull complete|Already exists)$/;
const DOWNLOADED = /^(Download complete|Verifying Checksum|Extracting|Pull complete)$/;
/** Messages with an id that are not about a layer: `Pulling from <repo>` (id = the tag), `Digest: …`, `Status: …`. */
const NOT_A_LAYER = /^(Pulling from |Digest:|Status:)/;

/**
 * Sums a pull stream per layer into {@link PullProgress}. `add` rejects a message that is not a pull message (naming
 * the field) or that carries the engine's error; `snapshot` is what has been seen so far.
 */
export class PullTracker {
  private readonly layers = new Map<string, Layer>();

  add(raw: unknown): void {
    const parsed = PullMessage.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PullFailed(`unexpected pull message from the engine: ${issue?.path.join('.') || 'message'}: ${issue?.message ?? 'invalid'}`);
    }
    const m = parsed.data;
    const error = m.error ?? m.errorDetail?.message;
    if (error) throw new PullFailed(error);
    if (!m.id || !m.status || NOT_A_LAYER.test(m.status)) return;
    const layer = this.layers.get(m.id) ?? { current: 0, total: 0, done: false };
    this.layers.set(m.id, layer);
    if (m.status === 'Downloading') {
      if (m.progressDetail?.total) layer.total = m.progressDetail.total;
      if (m.progressDetail?.current !== undefined) layer.current = Math.min(m.progressDetail.current, layer.total || Infinity);
    } else if (DOWNLOADED.test(m.status)) {
      layer.current = layer.total;
    }
    if (DONE.test(m.status)) layer.done = true;
  }

  snapshot(): PullProgress {
    let layersDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    for (const l of this.layers.values()) {
      if (l.done) layersDone++;
      bytesDone += l.current;
      bytesTotal += l.total;
    }
    return { layers_done: layersDone, layers_total: this.layers.size, bytes_done: Math.round(bytesDone), bytes_total: Math.round(bytesTotal) };
  }
}

/**
 * Passes progress on at most once per `intervalMs`, except that a change in the layer counts always goes through
 * (so "2/3 layers" is never late); `flush` sends the last state if it was held back.
 */
export function throttledProgress(sink: (p: PullProgress) => void, intervalMs: number, now: () => number): { push(p: PullProgress): void; flush(): void } {
  let lastAt = -Infinity;
  let last: PullProgress | null = null;
  let held: PullProgress | null = null;
  const send = (p: PullProgress): void => {
    lastAt = now();
    last = p;
    held = null;
    sink(p);
  };
  return {
    push(p) {
      const same = last && last.layers_done === p.layers_done && last.layers_total === p.layers_total && last.bytes_done === p.bytes_done && last.bytes_total === p.bytes_total;
      if (same) return;
      const layersChanged = !last || last.layers_done !== p.layers_done || last.layers_total !== p.layers_total;
      if (layersChanged || now() - lastAt >= intervalMs) send(p);
      else held = p;
    },
    flush() {
      if (held) send(held);
    },
  };
}
