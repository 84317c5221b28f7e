import { isGone, type NetmonEvent, type NetworkChangeData } from '../../../shared/netmon/events.js';

/** The interfaces an event hands to re-attachment: every one of a discovery, the one of a change, none of a DHCP update. */
export function reattachInputs(e: NetmonEvent): NetworkChangeData[] {
  if (e.type === 'network_discovery') return e.data.interfaces;
  if (e.type === 'network_change') return [e.data];
  return [];
}

/**
 * What re-attachment must see of the netmon events that arrived before the orchestrator could open (the engine not
 * answering yet): the latest state of each interface, preceded by its removal when it was removed in between (the
 * removal is what tells re-attachment that a re-created parent's endpoints are dead). Bounded by the host's interfaces.
 *
 * INVARIANTS
 * - A discovery drops interfaces it does not list, except removals still to be replayed.
 * - `drain` returns each removal before the same interface's later state, and empties the backlog.
 */
export class NetmonBacklog {
  private readonly byIface = new Map<string, { removal?: NetworkChangeData; latest: NetworkChangeData }>();

  add(e: NetmonEvent): void {
    if (e.type === 'network_discovery') {
      const listed = new Set(e.data.interfaces.map((i) => i.interface));
      for (const [name, entry] of this.byIface) {
        if (listed.has(name)) continue;
        if (entry.removal) this.byIface.set(name, { removal: entry.removal, latest: entry.removal });
        else this.byIface.delete(name);
      }
    }
    for (const d of reattachInputs(e)) {
      const prev = this.byIface.get(d.interface);
      const removal = isGone(d) && d.status === 'removed' ? d : prev?.removal;
      this.byIface.set(d.interface, { ...(removal ? { removal } : {}), latest: d });
    }
  }

  drain(): NetworkChangeData[] {
    const out = [...this.byIface.values()].flatMap((e) => (e.removal && e.removal !== e.latest ? [e.removal, e.latest] : [e.latest]));
    this.byIface.clear();
    return out;
  }
}
