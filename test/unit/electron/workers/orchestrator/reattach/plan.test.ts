import { describe, expect, it } from 'vitest';
import { moveTarget, planVnic, vnicsOnParent } from '../../../../../../electron/workers/orchestrator/reattach/plan.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';

const vnic = (over: Partial<PersistedVnic>): PersistedVnic => ({
  name: 'lan',
  parent_interface: 'ens37',
  network_mode: 'static',
  ip: '192.168.1.50',
  _interface_type: 'ethernet',
  _is_wifi: false,
  _network_method: 'macvlan',
  mac_address: '02:00:00:00:00:01',
  ...over,
});

const change = (address: string, prefixlen: number, subnet: string, gateway: string | null) => ({
  interface: 'ens37', index: 2, operstate: 'UP', type: 'ethernet' as const, timestamp: 't', gateway,
  ipv4_addresses: [{ address, prefixlen, subnet, network_address: subnet.split('/')[0] as string }],
});

describe('re-attachment plan', () => {
  it('takes the first address subnet and a gateway inside it; returns null for down, removed and addressless interfaces', () => {
    expect(moveTarget(change('192.168.1.10', 23, '192.168.0.0/23', '192.168.0.1'))).toEqual({ subnet: '192.168.0.0/23', gateway: '192.168.0.1' });
    expect(moveTarget(change('192.168.1.10', 24, '192.168.1.0/24', '10.0.0.1'))).toEqual({ subnet: '192.168.1.0/24', gateway: null });
    expect(moveTarget({ interface: 'ens37', ipv4_addresses: [], status: 'down' })).toBeNull();
  });

  it('keeps a static IP that is still valid after a /24 is widened to /23', () => {
    expect(planVnic(vnic({}), '192.168.0.0/23', '192.168.0.1')).toEqual({ vnic: 'lan', action: 'attach', mac: '02:00:00:00:00:01', ip: '192.168.1.50', dhcp: false });
  });

  it('detaches a static vNIC outside the new subnet with the docs/protocol.md §8 text', () => {
    expect(planVnic(vnic({}), '198.18.4.0/24', null)).toEqual({
      vnic: 'lan', action: 'detach', warning: "Static IP 192.168.1.50 of vNIC 'lan' is outside the new subnet 198.18.4.0/24; edit the vNIC",
    });
  });

  it('always re-attaches a DHCP vNIC with its MAC', () => {
    expect(planVnic(vnic({ network_mode: 'dhcp', ip: undefined }), '10.0.0.0/8', null)).toMatchObject({ action: 'attach', dhcp: true, mac: '02:00:00:00:00:01' });
  });

  it('groups the MACVLAN vNICs on the parent per vPLC', () => {
    const m = vnicsOnParent([['a', [vnic({}), vnic({ name: 'b', parent_interface: 'ens38' })]], ['b', [vnic({ parent_interface: 'ens38' })]]], 'ens37');
    expect([...m.keys()]).toEqual(['a']);
    expect(m.get('a')?.map((v) => v.name)).toEqual(['lan']);
  });
});
