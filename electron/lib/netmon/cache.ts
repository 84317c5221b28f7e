import type { HostInterface, InterfaceType } from '../../../shared/domain/host.js';
import { TypedEmitter } from '../events/typed-emitter.js';
import { isGone, type NetInterface, type NetmonEvent, type NetworkChangeData, type DhcpUpdateData } from '../../../shared/netmon/events.js';

export type CachedIface = HostInterface;

function fromEvent(i: NetInterface, prevType: InterfaceType | undefined, prevMac: string | null | undefined): CachedIface {
  return {
    name: i.interface,
    index: i.index,
    mac: i.mac_address ?? prevMac ?? null,
    type: i.type ?? prevType ?? 'ethernet',
    operstate: i.operstate.toLowerCase(),
    ipv4: i.ipv4_addresses.map((a) => ({ address: a.address, prefix: a.prefixlen, subnet: a.subnet })),
    gateway: i.gateway,
  };
}

/**
 * The interface cache of docs/protocol.md §7.4, fed by the built-in monitor or by an external netmon. It is the
 * orchestrator's `InterfaceSource` (subnet/gateway auto-detection, `get_host_interfaces`) and its `NetworkReadiness`
 * (ready = the first `network_discovery` arrived, §6.1).
 *
 * INVARIANTS
 * - `network_discovery` replaces the whole cache; `removed` deletes an entry, `down` keeps it without addresses.
 * - Listeners are called after the cache is updated; one that throws does not affect the others.
 */
export class InterfaceCache {
  private readonly byName = new Map<string, CachedIface>();
  // A consumer's failure stays with the consumer (§7.4: exceptions are caught per message).
  private readonly events = new TypedEmitter<{ change: [NetworkChangeData]; dhcp: [DhcpUpdateData] }>();
  private readonly waiters = new Set<() => void>();
  private ready = false;

  constructor(private readonly fallback?: () => Promise<CachedIface[]>) {}

  /** Feeds one event from either monitor. */
  apply(e: NetmonEvent): void {
    if (e.type === 'network_discovery') {
      const old = new Map(this.byName);
      this.byName.clear();
      for (const i of e.data.interfaces) this.byName.set(i.interface, fromEvent(i, old.get(i.interface)?.type, old.get(i.interface)?.mac));
      if (!this.ready) {
        this.ready = true;
        for (const w of [...this.waiters]) w();
        this.waiters.clear();
      }
      return;
    }
    if (e.type === 'dhcp_update') {
      this.events.emit('dhcp', e.data);
      return;
    }
    const d = e.data;
    const prev = this.byName.get(d.interface);
    if (isGone(d)) {
      if (d.status === 'removed') this.byName.delete(d.interface);
      else if (prev) this.byName.set(d.interface, { ...prev, operstate: 'down', ipv4: [], gateway: null });
    } else {
      this.byName.set(d.interface, fromEvent(d, prev?.type, prev?.mac));
    }
    this.events.emit('change', d);
  }

  async list(): Promise<CachedIface[]> {
    if (!this.ready && this.fallback) return this.fallback();
    return [...this.byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  get isReady(): boolean {
    return this.ready;
  }

  whenReady(signal?: AbortSignal): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = (): void => {
        this.waiters.delete(done);
        reject(signal?.reason);
      };
      if (signal?.aborted) return reject(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(done);
    });
  }

  /** Every `network_change`, after the cache has applied it: hand it to re-attachment at once (no second debounce). */
  onChange(cb: (d: NetworkChangeData) => void): () => void {
    return this.events.on('change', cb);
  }

  /** `dhcp_update` events of an external netmon (compatibility mode). */
  onDhcpUpdate(cb: (d: DhcpUpdateData) => void): () => void {
    return this.events.on('dhcp', cb);
  }
}
