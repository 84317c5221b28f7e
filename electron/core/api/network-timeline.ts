import type { EventPayload, Output } from '../../../shared/api/contract.js';
import { isNetworkReason } from '../../../shared/domain/operations.js';
import { isGone } from '../../../shared/netmon/events.js';
import type { EventHub } from './event-hub.js';

type Entry = Output<'network:timeline'>[number];

const describeInterface = (p: EventPayload<'netmon:change'>): Entry => {
  if (isGone(p)) return { ts: 0, kind: 'interface', subject: p.interface, detail: p.status };
  const list = p.ipv4_addresses.map((a) => a.subnet).filter(Boolean);
  const gw = p.gateway ? `, gateway ${p.gateway}` : '';
  return { ts: 0, kind: 'interface', subject: p.interface, detail: list.length ? `${list.join(', ')}${gw}` : `${p.operstate}, no IPv4 address` };
};


/**
 * The recent host network changes and the vPLC re-attachments they caused, for the UI's Network page. In memory only:
 * the persisted journal is the record; this is the view since the agent started.
 */
export class NetworkTimeline {
  private readonly entries: Entry[] = [];

  constructor(
    events: EventHub,
    private readonly now: () => number = Date.now,
    private readonly capacity = 500,
  ) {
    events.subscribe((name, payload) => {
      if (name === 'netmon:change') this.push(describeInterface(payload as EventPayload<'netmon:change'>));
      if (name === 'vplc:changed') {
        const e = payload as EventPayload<'vplc:changed'>;
        // Changes about a vPLC's network: re-attachment after a host change and DHCP lease events.
        if (isNetworkReason(e.reason)) this.push({ ts: 0, kind: 'vplc', subject: e.name, detail: e.reason });
      }
    });
  }

  /** Newest first. */
  list(limit: number): Entry[] {
    return this.entries.slice(-limit).reverse();
  }

  private push(e: Entry | null): void {
    if (!e) return;
    this.entries.push({ ...e, ts: this.now() });
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
  }
}
