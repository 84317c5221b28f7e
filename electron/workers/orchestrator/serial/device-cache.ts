import { TypedEmitter } from '../../../lib/events/typed-emitter.js';
import { diffInventory, type SerialChange, type SerialInventory } from '../../../../shared/domain/serial.js';
import type { Logger } from '../context.js';
import { discoverSerial, type SerialPaths } from './discovery.js';
import { DirWatcher } from './watcher.js';

export type SerialDeviceCacheOptions = {
  paths: SerialPaths;
  log: Logger;
  /** Quiet time that ends a burst of plug events (default 150 ms). */
  debounceMs?: number;
  /** Longest wait after the first event of a burst (default 600 ms), so a change is seen within a second. */
  maxWaitMs?: number;
};

const EMPTY: SerialInventory = { devices: [], ports: [] };

/**
 * The host's serial devices, kept current (docs/serial.md): one scan at `start()`, then one resync per burst of
 * changes in the by-id dir. Listeners hear each change with its diff. Scans never overlap: events during a scan
 * queue one more.
 *
 * This is the one source of the device list: the cloud's `get_serial_devices`, the API's `serial:devices` and the
 * `serial:changed` event all read it.
 */
export class SerialDeviceCache {
  private inventory: SerialInventory = EMPTY;
  private readonly watcher: DirWatcher;
  private readonly events: TypedEmitter<{ change: [SerialChange] }>;
  private running: Promise<void> | null = null;
  private again = false;
  private scanCount = 0;

  constructor(private readonly o: SerialDeviceCacheOptions) {
    this.events = new TypedEmitter((err) => o.log.warn('serial change listener failed', { err: String(err) }));
    this.watcher = new DirWatcher({ dir: o.paths.byIdDir, debounceMs: o.debounceMs ?? 150, maxWaitMs: o.maxWaitMs ?? 600, onSettled: () => void this.resync() });
  }

  /** The first scan; the watches are in place before it reads, so nothing plugged meanwhile is missed. */
  async start(): Promise<void> {
    await this.resync();
  }

  current(): SerialInventory {
    return this.inventory;
  }

  /** How many scans ran (a burst of plug events is one). */
  get scans(): number {
    return this.scanCount;
  }

  onChange(cb: (c: SerialChange) => void): () => void {
    return this.events.on('change', cb);
  }

  /** Scans now (re-arming the watches first); resolves once a scan that started after this call has finished. */
  resync(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop();
    return this.running;
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.again = false;
        this.watcher.arm();
        await this.scanOnce();
      } while (this.again);
    } finally {
      // In the same step as the last check of `again`: a resync asked after it starts a new loop.
      this.running = null;
    }
  }

  private async scanOnce(): Promise<void> {
    this.scanCount++;
    let next: SerialInventory;
    try {
      next = await discoverSerial(this.o.paths);
    } catch (err) {
      // discoverSerial tolerates missing files; anything else keeps the last list and waits for the next event.
      this.o.log.warn('serial discovery failed', { err: String(err) });
      return;
    }
    const change = diffInventory(this.inventory, next);
    this.inventory = next;
    if (!change) return;
    this.o.log.info('serial devices changed', { added: change.added.map((d) => d.device_id), removed: change.removed.map((d) => d.device_id), devices: next.devices.length, ports: next.ports.length });
    this.events.emit('change', change);
  }

  close(): void {
    this.watcher.close();
  }
}
