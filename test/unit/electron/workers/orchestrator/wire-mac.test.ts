import { describe, expect, it } from 'vitest';
import { enforceScript, matchOutcomes, parseLinks } from '../../../../../electron/workers/orchestrator/net/wire-mac.js';

const LINKS = [
  '1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue qlen 1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00',
  '10: eth0@if7: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff',
  '15: eth2@if14: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500 qdisc noqueue \\    link/ether 02:42:c6:12:4f:14 brd ff:ff:ff:ff:ff:ff',
].join('\n');
const ADDRS = ['10: eth0    inet 198.18.77.10/24 brd 198.18.77.255 scope global eth0', '15: eth2    inet 198.18.79.20/24 brd 198.18.79.255 scope global eth2'].join('\n');

describe('wire MAC helpers', () => {
  it('parses busybox ip -o output into links with addresses', () => {
    expect(parseLinks(LINKS, ADDRS)).toEqual([
      { ifname: 'eth0', mac: '02:11:22:33:44:55', ipv4: ['198.18.77.10'] },
      { ifname: 'eth2', mac: '02:42:c6:12:4f:14', ipv4: ['198.18.79.20'] },
    ]);
  });

  it('finds a vNIC whose MAC was honoured and one the engine ignored', () => {
    const links = parseLinks(LINKS, ADDRS);
    expect(
      matchOutcomes(
        [
          { vnic: 'a', requested: '02:11:22:33:44:55', dockerMac: '02:11:22:33:44:55' },
          { vnic: 'b', requested: '02:aa:bb:cc:dd:01', dockerMac: '02:42:c6:12:4f:14', dockerIp: '198.18.79.20' },
        ],
        links,
      ),
    ).toEqual([
      { vnic: 'a', requested: '02:11:22:33:44:55', wire: '02:11:22:33:44:55', honoured: true, ifname: 'eth0', ipv4: ['198.18.77.10'] },
      { vnic: 'b', requested: '02:aa:bb:cc:dd:01', wire: '02:42:c6:12:4f:14', honoured: false, ifname: 'eth2', ipv4: ['198.18.79.20'] },
    ]);
  });

  it('only changes interfaces whose Docker MAC differs from the requested one', () => {
    const script = enforceScript([
      { vnic: 'a', requested: '02:11:22:33:44:55', dockerMac: '02:11:22:33:44:55' },
      { vnic: 'b', requested: '02:aa:bb:cc:dd:01', dockerMac: '02:42:c6:12:4f:14' },
    ]);
    expect(script.match(/ip link set dev/g)).toHaveLength(1);
    expect(script).toContain('address 02:aa:bb:cc:dd:01');
    expect(script).toContain('link/ether 02:42:c6:12:4f:14 ');
  });
});
