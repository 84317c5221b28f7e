import { describe, expect, it } from 'vitest';
import { parseMonitorLine, parseSnapshot } from '../../../../../electron/workers/netmon/snapshot.js';

const addr = JSON.stringify([
  { ifindex: 1, ifname: 'lo', flags: ['LOOPBACK', 'UP', 'LOWER_UP'], operstate: 'UNKNOWN', address: '00:00:00:00:00:00', addr_info: [{ family: 'inet', local: '127.0.0.1', prefixlen: 8 }] },
  { ifindex: 2, ifname: 'ens37', flags: ['UP', 'LOWER_UP'], operstate: 'UP', address: '0A:1B:2C:3D:4E:5F', addr_info: [{ family: 'inet', local: '192.168.1.50', prefixlen: 24 }, { family: 'inet6', local: 'fe80::1', prefixlen: 64 }] },
  { ifindex: 3, ifname: 'tun0', flags: ['UP', 'LOWER_UP'], operstate: 'UNKNOWN', addr_info: [] },
  { ifindex: 4, ifname: 'eth1', flags: ['UP'], operstate: 'DOWN', address: '02:00:00:00:00:01', addr_info: [] },
]);
const route = JSON.stringify([
  { dst: 'default', gateway: '192.168.1.254', dev: 'ens37', metric: 200 },
  { dst: 'default', gateway: '192.168.1.1', dev: 'ens37', metric: 100 },
  { dst: '192.168.1.0/24', dev: 'ens37' },
]);

describe('parseSnapshot', () => {
  const s = parseSnapshot(addr, route, (n) => n.startsWith('wl'));

  it('gives IPv4 addresses with subnet and network address, the lowest-metric gateway and the lowercased MAC', () => {
    expect(s.find((i) => i.name === 'ens37')).toEqual({
      name: 'ens37', index: 2, operstate: 'UP', up: true, mac: '0a:1b:2c:3d:4e:5f', type: 'ethernet',
      addresses: [{ address: '192.168.1.50', prefixlen: 24, subnet: '192.168.1.0/24', network_address: '192.168.1.0' }],
      gateway: '192.168.1.1',
    });
  });

  it('counts UNKNOWN with carrier as up and DOWN as down; drops 127.* addresses', () => {
    expect(s.find((i) => i.name === 'tun0')?.up).toBe(true);
    expect(s.find((i) => i.name === 'eth1')?.up).toBe(false);
    expect(s.find((i) => i.name === 'lo')?.addresses).toEqual([]);
  });
});

describe('parseMonitorLine', () => {
  it('classifies link, address and route lines, deletions and down states', () => {
    expect(parseMonitorLine('1614: vt1a@vt1b: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN> mtu 1500 qdisc noqueue state LOWERLAYERDOWN group default \\    link/ether f6:fc:b4:f4:68:3f brd ff:ff:ff:ff:ff:ff')).toEqual({ kind: 'link', name: 'vt1a', deleted: false, down: true });
    expect(parseMonitorLine('Deleted 1614: vt1a@NONE: <BROADCAST,MULTICAST> mtu 1500 qdisc noop state DOWN group default')).toEqual({ kind: 'link', name: 'vt1a', deleted: true, down: true });
    expect(parseMonitorLine('2: ens37: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 state UP')).toEqual({ kind: 'link', name: 'ens37', deleted: false, down: false });
    expect(parseMonitorLine('1614: vt1a    inet 198.18.250.1/24 scope global vt1a')).toEqual({ kind: 'addr', name: 'vt1a', deleted: false, ipv4: '198.18.250.1/24' });
    expect(parseMonitorLine('Deleted 12747: tstm1    inet 198.18.236.1/24 scope global dynamic tstm1\\       valid_lft 100sec preferred_lft 100sec')).toEqual({
      kind: 'addr',
      name: 'tstm1',
      deleted: true,
      ipv4: '198.18.236.1/24',
    });
    expect(parseMonitorLine('1614: vt1a    inet6 fe80::1/64 scope link')).toEqual({ kind: 'addr', name: 'vt1a', deleted: false, ipv4: null });
    expect(parseMonitorLine('Deleted 198.18.250.0/24 dev vt1a proto kernel scope link src 198.18.250.1')).toEqual({ kind: 'route', name: 'vt1a' });
    expect(parseMonitorLine('default via 10.0.0.1 proto static')).toEqual({ kind: 'route', name: null });
    expect(parseMonitorLine('   ')).toBeNull();
  });
});
