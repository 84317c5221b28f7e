import { describe, expect, it } from 'vitest';
import { dropDefaultRoutesScript, implicitRouteIps } from '../../../../../electron/workers/orchestrator/net/implicit-route.js';
import type { PersistedVnic } from '../../../../../electron/workers/orchestrator/store/schemas.js';

const vnic = (over: Partial<PersistedVnic>): PersistedVnic => ({
  name: 'lan',
  parent_interface: 'eth1',
  network_mode: 'static',
  ip: '192.168.1.50',
  subnet: '192.168.1.0/24',
  _interface_type: 'ethernet',
  _is_wifi: false,
  _network_method: 'macvlan',
  mac_address: '02:00:00:00:00:01',
  ...over,
});

describe('the implicit default route', () => {
  it('is removed only for static MACVLAN vNICs without a gateway', () => {
    expect(
      implicitRouteIps([
        vnic({}),
        vnic({ name: 'gw', ip: '192.168.1.51', gateway: '192.168.1.1' }),
        vnic({ name: 'dhcp', network_mode: 'dhcp', ip: undefined }),
        vnic({ name: 'wifi', ip: '192.168.1.52', _network_method: 'proxy_arp' }),
      ]),
    ).toEqual(['192.168.1.50']);
  });

  it('is deleted on the interface carrying the address, and the script takes addresses only', () => {
    const s = dropDefaultRoutesScript(['192.168.1.50']);
    expect(s).toContain("$4 ~ /^192\\.168\\.1\\.50\\// {print $2; exit}");
    expect(s).toContain('ip route del default dev "$i"');
    expect(() => dropDefaultRoutesScript(['1.2.3.4; reboot'])).toThrow(/not an IPv4 address/);
  });
});
