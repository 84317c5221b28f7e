import { describe, expect, it } from 'vitest';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';
import { wifiLeasesToRenew } from '../../../../../../electron/workers/orchestrator/wifi/dhcp-subnet.js';

const wifi = (name: string, over: Partial<PersistedVnic> = {}): PersistedVnic => ({
  name, parent_interface: 'wlan0', network_mode: 'dhcp', _interface_type: 'wifi', _is_wifi: true, _network_method: 'proxy_arp', mac_address: '02:00:00:00:00:01', ...over,
});
const bridge = (ip: string, gateway: string, parent = 'wlan0'): PersistedVnic['_proxy_arp_config'] => ({ veth_host: 'veth-x', veth_container: 'eth1', ip_address: ip, gateway, parent_interface: parent });

describe('WiFi leases after a subnet change (§8 step 5)', () => {
  it('keeps a bridge that still fits: same parent, same gateway, address inside the new subnet', () => {
    expect(wifiLeasesToRenew([wifi('a', { _proxy_arp_config: bridge('10.0.0.80', '10.0.0.1') })], 'wlan0', '10.0.0.0/24', '10.0.0.1')).toEqual([]);
  });

  it('leases again when the address left the subnet, the gateway changed, or there is no bridge', () => {
    const vnics = [
      wifi('moved', { _proxy_arp_config: bridge('10.0.0.80', '10.0.0.1') }),
      wifi('gw', { _proxy_arp_config: bridge('10.0.1.80', '10.0.1.254') }),
      wifi('none'),
    ];
    expect(wifiLeasesToRenew(vnics, 'wlan0', '10.0.1.0/24', '10.0.1.1')).toEqual(['moved', 'gw', 'none']);
  });

  it('looks only at DHCP WiFi vNICs on that parent', () => {
    const vnics = [
      wifi('static', { network_mode: 'static', ip: '10.0.0.5' }),
      wifi('other', { parent_interface: 'wlan1' }),
      { ...wifi('eth'), _interface_type: 'ethernet' as const, _is_wifi: false, _network_method: 'macvlan' as const },
    ];
    expect(wifiLeasesToRenew(vnics, 'wlan0', '10.0.1.0/24', '10.0.1.1')).toEqual([]);
  });
});
