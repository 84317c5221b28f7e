import { describe, expect, it } from 'vitest';
import { NetmonBacklog, reattachInputs } from '../../../../../electron/workers/orchestrator/netmon-backlog.js';
import type { NetInterface, NetmonEvent } from '../../../../../shared/netmon/events.js';

const iface = (name: string, index: number, subnet = '198.18.0.0/24'): NetInterface => ({
  interface: name, index, operstate: 'UP', type: 'ethernet', gateway: null, timestamp: 't',
  ipv4_addresses: [{ address: subnet.replace('.0/24', '.254'), prefixlen: 24, subnet, network_address: subnet.split('/')[0] as string }],
});
const discovery = (...interfaces: NetInterface[]): NetmonEvent => ({ type: 'network_discovery', data: { interfaces, timestamp: 't' } });
const change = (data: NetInterface): NetmonEvent => ({ type: 'network_change', data });
const removed = (name: string): NetmonEvent => ({ type: 'network_change', data: { interface: name, ipv4_addresses: [], status: 'removed' } });

describe('netmon backlog of a worker waiting for the engine', () => {
  it('hands every interface of a discovery and the one of a change to re-attachment, nothing of a DHCP update', () => {
    expect(reattachInputs(discovery(iface('a', 1), iface('b', 2))).map((d) => d.interface)).toEqual(['a', 'b']);
    expect(reattachInputs(change(iface('a', 1)))).toEqual([iface('a', 1)]);
    expect(reattachInputs({ type: 'dhcp_update', data: { ip: '198.18.0.9' } })).toEqual([]);
  });

  it('keeps the latest state per interface, over a discovery and the changes after it', () => {
    const b = new NetmonBacklog();
    b.add(discovery(iface('a', 1), iface('b', 2)));
    b.add(change(iface('a', 1, '198.18.1.0/24')));
    expect(b.drain()).toEqual([iface('a', 1, '198.18.1.0/24'), iface('b', 2)]);
    expect(b.drain()).toEqual([]);
  });

  it('replays a removal before the same interface’s later state, also across a discovery', () => {
    const b = new NetmonBacklog();
    b.add(discovery(iface('a', 1), iface('b', 2)));
    b.add(removed('a'));
    b.add(discovery(iface('a', 7), iface('b', 2)));
    expect(b.drain()).toEqual([removed('a').data, iface('a', 7), iface('b', 2)]);
  });

  it('forgets interfaces a later discovery no longer lists, but not their removal', () => {
    const b = new NetmonBacklog();
    b.add(change(iface('a', 1)));
    b.add(change(iface('c', 3)));
    b.add(removed('c'));
    b.add(discovery(iface('b', 2)));
    expect(b.drain()).toEqual([removed('c').data, iface('b', 2)]);
  });
});
