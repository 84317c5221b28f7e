// get_host_interfaces rules of docs/protocol.md §4.6 (pure). Runtime: < 100 ms.
import { describe, expect, it } from 'vitest';
import { EMPTY_CACHE_ERROR, hostInterfacesBody, type InterfaceFact } from '../../../../../../electron/workers/orchestrator/cloud/host-interfaces.js';

const nic = (name: string, over: Partial<InterfaceFact> = {}): InterfaceFact => ({ name, mac: '02:00:00:00:00:01', type: 'ethernet', ipv4: [], gateway: null, ...over });

const cache: InterfaceFact[] = [
  nic('eth1'),
  nic('eth0', { ipv4: [{ address: '192.168.1.10', subnet: '192.168.1.0/24' }, { address: '127.0.0.2', subnet: '127.0.0.0/8' }], gateway: '192.168.1.1' }),
  nic('lo', { ipv4: [{ address: '127.0.0.1', subnet: '127.0.0.0/8' }], mac: null }),
  nic('Docker0'),
  nic('vethabc'),
  nic('wlan0', { type: 'wifi' }),
  nic('eth0'),
];

describe('hostInterfacesBody', () => {
  it('drops virtual names, 127.* addresses and duplicates, and sorts by name', () => {
    const r = hostInterfacesBody(cache, { include_virtual: false, detailed: true });
    expect(r).toEqual({
      status: 'success',
      interfaces: [
        { name: 'eth0', ip_address: '192.168.1.10', ipv4_addresses: ['192.168.1.10'], mac_address: '02:00:00:00:00:01', subnet: '192.168.1.0/24', gateway: '192.168.1.1', type: 'ethernet' },
        { name: 'eth1', ip_address: null, ipv4_addresses: [], mac_address: '02:00:00:00:00:01', subnet: null, gateway: null, dedicated_only: true, type: 'ethernet' },
        { name: 'wlan0', ip_address: null, ipv4_addresses: [], mac_address: '02:00:00:00:00:01', subnet: null, gateway: null, type: 'wifi' },
      ],
    });
  });

  it('keeps virtual interfaces with include_virtual and leaves subnet/gateway out when not detailed', () => {
    const r = hostInterfacesBody(cache, { include_virtual: true, detailed: false }) as { interfaces: Array<Record<string, unknown>> };
    expect(r.interfaces.map((i) => i['name'])).toEqual(['Docker0', 'eth0', 'eth1', 'lo', 'vethabc', 'wlan0']);
    expect(r.interfaces.every((i) => !('subnet' in i) && !('gateway' in i))).toBe(true);
  });

  it('reports the empty cache with the reference text', () => {
    expect(hostInterfacesBody([], { include_virtual: false, detailed: true })).toEqual({ status: 'error', error: EMPTY_CACHE_ERROR });
  });
});
