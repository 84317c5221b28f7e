import { describe, expect, it } from 'vitest';
import { EventHub } from '../../../../electron/core/api/event-hub.js';
import { NetworkTimeline } from '../../../../electron/core/api/network-timeline.js';

describe('the network timeline', () => {
  it('records interface changes and network-related vPLC events, newest first, bounded', () => {
    const hub = new EventHub();
    let now = 1_000;
    const timeline = new NetworkTimeline(hub, () => now++, 3);
    hub.publish('netmon:change', { interface: 'enp1s0', ipv4_addresses: [], status: 'down' });
    hub.publish('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'started' });
    hub.publish('netmon:change', { interface: 'enp1s0', index: 2, operstate: 'up', type: 'ethernet', ipv4_addresses: [{ address: '10.0.0.5', prefixlen: 24, subnet: '10.0.0.0/24', network_address: '10.0.0.0' }], gateway: '10.0.0.1', timestamp: 'x' });
    hub.publish('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'vnic-reattached' });
    expect(timeline.list(10)).toEqual([
      { ts: 1_002, kind: 'vplc', subject: 'plc1', detail: 'vnic-reattached' },
      { ts: 1_001, kind: 'interface', subject: 'enp1s0', detail: '10.0.0.0/24, gateway 10.0.0.1' },
      { ts: 1_000, kind: 'interface', subject: 'enp1s0', detail: 'down' },
    ]);
    hub.publish('vplc:changed', { kind: 'changed', name: 'plc2', reason: 'dhcp-lease' });
    expect(timeline.list(10).map((e) => e.subject)).toEqual(['plc2', 'plc1', 'enp1s0']);
    expect(timeline.list(1)).toHaveLength(1);
  });
});
