import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ENTRY_SCRIPT, LEASE_SCRIPT } from '../../../../../../electron/workers/orchestrator/dhcp/script.js';
import { locateVnics } from '../../../../../../electron/workers/orchestrator/lifecycle/restore.js';
import { helperIsCurrent } from '../../../../../../electron/workers/orchestrator/lifecycle/restore-dhcp.js';
import type { WireLink } from '../../../../../../electron/workers/orchestrator/net/wire-mac.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';

const vnic = (over: Partial<PersistedVnic>): PersistedVnic => ({
  name: 'lan',
  parent_interface: 'eth1',
  network_mode: 'dhcp',
  _interface_type: 'ethernet',
  _is_wifi: false,
  _network_method: 'macvlan',
  mac_address: '02:00:00:00:00:01',
  docker_network_name: 'net-lan',
  ...over,
});

const vplcInfo = (networks: Record<string, { MacAddress: string; IPAddress: string }>): Docker.ContainerInspectInfo =>
  ({ Id: 'c1', NetworkSettings: { Networks: networks } }) as unknown as Docker.ContainerInspectInfo;

const link = (ifname: string, mac: string, ipv4: string[] = []): WireLink => ({ ifname, mac, ipv4 });

describe('locating a vNIC on the wire after an agent restart', () => {
  const info = vplcInfo({ 'net-lan': { MacAddress: '02:42:c6:12:00:02', IPAddress: '198.18.0.2' }, 'net-st': { MacAddress: '02:42:c6:13:00:05', IPAddress: '198.18.1.5' } });

  it('finds a vNIC by its requested MAC first', () => {
    const [m] = locateVnics([vnic({})], info, [link('eth0', '02:42:ac:11:00:02'), link('eth1', '02:00:00:00:00:01')]);
    expect(m?.link?.ifname).toBe('eth1');
  });

  it('finds a DHCP vNIC whose MAC was changed by its lease address, and a static one by its IP', () => {
    const vnics = [
      vnic({ dhcp_ip: '198.18.0.120' }),
      vnic({ name: 'st', network_mode: 'static', ip: '198.18.1.5', mac_address: '02:00:00:00:00:02', docker_network_name: 'net-st' }),
    ];
    const found = locateVnics(vnics, info, [link('eth0', '02:42:ac:11:00:02', ['172.20.0.2']), link('eth1', '02:aa:00:00:00:09', ['198.18.0.120']), link('eth2', '02:bb:00:00:00:09', ['198.18.1.5'])]);
    expect(found.map((m) => [m.vnic, m.link?.ifname, m.link?.mac])).toEqual([
      ['lan', 'eth1', '02:aa:00:00:00:09'],
      ['st', 'eth2', '02:bb:00:00:00:09'],
    ]);
  });

  it('finds a vNIC by the MAC last measured or by Docker\'s endpoint MAC', () => {
    const byWire = locateVnics([vnic({ _wire_mac_address: '02:cc:00:00:00:01' })], info, [link('eth1', '02:cc:00:00:00:01')]);
    expect(byWire[0]?.link?.ifname).toBe('eth1');
    const byDocker = locateVnics([vnic({})], info, [link('eth3', '02:42:c6:12:00:02')]);
    expect(byDocker[0]?.link?.ifname).toBe('eth3');
  });

  it('reports no interface when nothing matches, and skips detached and non-MACVLAN vNICs', () => {
    const found = locateVnics(
      [vnic({}), vnic({ name: 'gone', docker_network_name: 'net-gone' }), vnic({ name: 'wifi', _network_method: 'proxy_arp' })],
      info,
      [link('eth1', '02:dd:00:00:00:01')],
    );
    expect(found).toEqual([{ vnic: 'lan', requested: '02:00:00:00:00:01', link: null }]);
  });
});

describe('whether a DHCP helper is current', () => {
  const helper = (over: { running?: boolean; netns?: string; image?: string; cmd?: string[]; env?: string[] } = {}): Docker.ContainerInspectInfo =>
    ({
      State: { Running: over.running ?? true },
      HostConfig: { NetworkMode: over.netns ?? 'container:c1' },
      Image: over.image ?? 'sha256:new',
      Config: { Cmd: over.cmd ?? ['sh', '-c', ENTRY_SCRIPT], Env: over.env ?? ['VPLC_MACS=02:00:00:00:00:01 02:42:c6:12:00:02', `VPLC_LEASE_SCRIPT=${LEASE_SCRIPT}`] },
    }) as unknown as Docker.ContainerInspectInfo;
  const v = vnic({});

  it('is when it runs the current image and scripts in the vPLC\'s namespace, looking for the requested MAC', () => {
    expect(helperIsCurrent(helper(), 'c1', 'sha256:new', v)).toBe(true);
  });

  it('is not when stopped, in another namespace, of an older image or spec, or looking for another MAC', () => {
    expect(helperIsCurrent(helper({ running: false }), 'c1', 'sha256:new', v)).toBe(false);
    expect(helperIsCurrent(helper({ netns: 'container:old' }), 'c1', 'sha256:new', v)).toBe(false);
    expect(helperIsCurrent(helper({ image: 'sha256:old' }), 'c1', 'sha256:new', v)).toBe(false);
    expect(helperIsCurrent(helper({ cmd: ['sh', '-c', 'udhcpc -f'] }), 'c1', 'sha256:new', v)).toBe(false);
    expect(helperIsCurrent(helper({ env: ['VPLC_MACS=02:00:00:00:00:01', 'VPLC_LEASE_SCRIPT=old'] }), 'c1', 'sha256:new', v)).toBe(false);
    expect(helperIsCurrent(helper({ env: ['VPLC_MACS=02:00:00:00:00:09', `VPLC_LEASE_SCRIPT=${LEASE_SCRIPT}`] }), 'c1', 'sha256:new', v)).toBe(false);
  });
});
