import { describe, expect, it } from 'vitest';
import { dhcpUpdate, leaseFile, parseLeaseLine, resolvConf, retryDelayMs, type BoundLine } from '../../../../../../electron/workers/orchestrator/dhcp/lease.js';

const bound = 'VPLC-DHCP {"event":"bound","interface":"eth1","ip":"192.168.1.57","subnet":"255.255.255.0","mask":"24","prefix":24,"broadcast":"192.168.1.255","router":"192.168.1.1 192.168.1.2","dns":"192.168.1.1 8.8.8.8","domain":"plant.lan","mtu":"","hostname":"","ntpsrv":"","lease":"86400","serverid":"192.168.1.1"}';

describe('helper lease lines', () => {
  it('parses a bound line into the lease file shape and dhcp_update data', () => {
    const l = parseLeaseLine(bound) as BoundLine;
    expect(l.event).toBe('bound');
    expect(leaseFile(l, 'T')).toMatchObject({ interface: 'eth1', ip: '192.168.1.57', prefix: 24, dns: '192.168.1.1 8.8.8.8', timestamp: 'T', event: 'bound' });
    expect(dhcpUpdate('plc1', 'eth0', '0a:1b:2c:3d:4e:5f', l, 'T')).toEqual({
      container_name: 'plc1', vnic_name: 'eth0', mac_address: '0a:1b:2c:3d:4e:5f', ip: '192.168.1.57', mask: '24', prefix: 24,
      gateway: '192.168.1.1', dns: '192.168.1.1 8.8.8.8', lease_time: '86400', timestamp: 'T',
    });
  });

  it('ignores udhcpc chatter, broken JSON and lines that do not validate', () => {
    expect(parseLeaseLine('udhcpc: sending discover')).toBeNull();
    expect(parseLeaseLine('VPLC-DHCP {"event":"bound"')).toBeNull();
    expect(parseLeaseLine('VPLC-DHCP {"event":"bound","interface":"eth1"}')).toBeNull();
    expect(parseLeaseLine('VPLC-DHCP {"event":"leasefail","interface":"eth1","message":""}')).toEqual({ event: 'leasefail', interface: 'eth1', message: '' });
  });

  it('builds resolv.conf from the lease, dropping anything that is not an address or a domain', () => {
    expect(resolvConf('192.168.1.1 8.8.8.8', 'plant.lan')).toBe('search plant.lan\nnameserver 192.168.1.1\nnameserver 8.8.8.8\n');
    expect(resolvConf('1.1.1.1 ;rm -rf /', 'x;y')).toBe('nameserver 1.1.1.1\n');
    expect(resolvConf('', 'plant.lan')).toBeNull();
  });

  it('retries with max(1, min(2^n, 300) ± 30 %) s', () => {
    expect(retryDelayMs(0, () => 0)).toBe(1_000);
    expect(retryDelayMs(3, () => 0.5)).toBe(8_000);
    expect(retryDelayMs(3, () => 1)).toBe(10_400);
    expect(retryDelayMs(20, () => 0)).toBe(210_000);
    expect(retryDelayMs(20, () => 1)).toBe(390_000);
  });
});
