import { describe, expect, it } from 'vitest';
import { vnicViews, type ContainerNets } from '../../../../../../electron/workers/orchestrator/edit/vnic-view.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';

const vnic = (over: Partial<PersistedVnic>): PersistedVnic => ({
  name: 'lan',
  parent_interface: 'eth1',
  network_mode: 'static',
  ip: '198.18.1.10',
  _interface_type: 'ethernet',
  _is_wifi: false,
  _network_method: 'macvlan',
  mac_address: '02:aa:00:00:00:01',
  docker_network_name: 'macvlan_eth1_198.18.1.0_24',
  ...over,
});

describe('vnicViews', () => {
  it('lists attached, detached (with the warning that says why) and missing vNICs', () => {
    const records: Array<[string, PersistedVnic[]]> = [
      ['a', [vnic({})]],
      ['b', [vnic({ docker_network_name: 'macvlan_eth1_198.18.2.0_24' })]],
      ['c', [vnic({ network_mode: 'dhcp', ip: undefined })]],
    ];
    const containers = new Map<string, ContainerNets>([
      ['a', { running: true, networks: { 'macvlan_eth1_198.18.1.0_24': { ip: '198.18.1.10' } } }],
      ['b', { running: true, networks: {} }],
    ]);
    const warnings = (v: string): Record<string, string> => (v === 'b' ? { 'reattach:lan': 'Static IP … edit the vNIC' } : {});
    expect(vnicViews(records, containers, warnings).map((x) => [x.vplc, x.state, x.reason, x.editable])).toEqual([
      ['a', 'attached', undefined, false],
      ['b', 'detached', 'Static IP … edit the vNIC', true],
      ['c', 'missing', undefined, false],
    ]);
  });

  it('says a stopped vPLC connects its vNIC at start when no warning explains it', () => {
    const v = vnicViews([['a', [vnic({})]]], new Map([['a', { running: false, networks: {} }]]), () => ({}));
    expect(v[0]).toMatchObject({ state: 'detached', reason: 'the vPLC is stopped; its start connects it' });
  });
});
