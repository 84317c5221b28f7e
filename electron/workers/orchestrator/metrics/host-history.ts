import { z } from 'zod';
import { JsonStore } from '../../../lib/fs/json-store.js';
import type { Logger } from '../context.js';
import { DEFAULT_RING_CAPACITY, type HostTick, type UsageRings } from './ring.js';

/** How far back the host chart's history reaches after a restart. */
export const HOST_HISTORY_MAX_AGE_S = 48 * 3600;
/** Saved this often while sampling (and once more on stop); a crash loses at most this much. */
export const HOST_HISTORY_SAVE_MS = 5 * 60_000;

const Value = z.number().finite().nullable();
const HostHistoryFile = z.object({
  version: z.literal(1),
  ticks: z.array(z.tuple([z.number().int().nonnegative(), Value, Value])).max(DEFAULT_RING_CAPACITY),
});
type HostHistoryFile = z.infer<typeof HostHistoryFile>;

const round1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);

/**
 * The host's usage history on disk (`<data>/usage/host.json`, docs/protocol.md §5.14), so the host chart keeps its last
 * 48 h across agent restarts. Written atomically; read back with zod; a corrupt file is quarantined and reported.
 *
 * INVARIANTS
 * - The file never holds more than one ring's worth of ticks, none older than 48 h at the time of writing.
 * - Nothing here throws into the sampler: failures are logged.
 */
export class HostHistory {
  private readonly store: JsonStore<HostHistoryFile>;

  constructor(
    readonly file: string,
    private readonly rings: UsageRings,
    private readonly log: Pick<Logger, 'warn'>,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {
    this.store = new JsonStore(file, HostHistoryFile, nowSeconds);
  }

  /** Reads the file into the rings (before whatever the sampler already added); returns how many ticks were taken. */
  async restore(): Promise<number> {
    try {
      const loaded = await this.store.load();
      if (loaded.kind === 'missing') return 0;
      if (loaded.kind === 'corrupt') {
        this.log.warn('host usage history is corrupt and was set aside; the host chart starts empty', { file: this.file, movedTo: loaded.movedTo, reason: loaded.reason });
        return 0;
      }
      const since = this.nowSeconds() - HOST_HISTORY_MAX_AGE_S;
      return this.rings.restoreHost(loaded.value.ticks.filter((t) => t[0] >= since));
    } catch (err) {
      this.log.warn('host usage history could not be read', { file: this.file, err: (err as Error).message });
      return 0;
    }
  }

  async save(): Promise<void> {
    const since = this.nowSeconds() - HOST_HISTORY_MAX_AGE_S;
    const ticks = this.rings.hostTicks(since).slice(-DEFAULT_RING_CAPACITY).map(([ts, cpu, memory]): HostTick => [ts, round1(cpu), round1(memory)]);
    await this.store.save({ version: 1, ticks }).catch((err: unknown) => this.log.warn('host usage history not saved', { file: this.file, err: (err as Error).message }));
  }
}
