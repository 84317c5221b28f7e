/** Leased addresses a WiFi vNIC's bridge must refuse: the host's own, a router's, a network or broadcast address (pure). */
import { describe, expect, it } from 'vitest';
import { leaseRefusal } from '../../../../../../electron/workers/orchestrator/wifi/dhcp-lease.js';

const own = [{ address: '192.168.50.10', prefix: 24, subnet: '192.168.50.0/24' }];
const lease = (ip: string, prefix = 24, routers = ['192.168.50.1']) => ({ ip, prefix, routers });

describe('WiFi lease refusal', () => {
  it('accepts a usable host address of the parent subnet that is neither the host nor a router', () => {
    expect(leaseRefusal(lease('192.168.50.77'), own)).toBeNull();
    expect(leaseRefusal(lease('10.9.0.5', 24, ['10.9.0.1']), [])).toBeNull();
  });

  it("refuses the WiFi interface's own address", () => {
    expect(leaseRefusal(lease('192.168.50.10'), own)).toBe("192.168.50.10 is an address of the host's WiFi interface");
  });

  it('refuses any router the lease names', () => {
    expect(leaseRefusal(lease('192.168.50.1'), own)).toBe("192.168.50.1 is the lease's own router");
    expect(leaseRefusal(lease('192.168.50.2', 24, ['192.168.50.1', '192.168.50.2']), own)).toBe("192.168.50.2 is the lease's own router");
  });

  it("refuses the network or broadcast address of the lease's subnet or of the parent's", () => {
    expect(leaseRefusal(lease('192.168.50.255'), own)).toBe('192.168.50.255 is not a usable host address of 192.168.50.0/24');
    expect(leaseRefusal(lease('192.168.50.0'), own)).toBe('192.168.50.0 is not a usable host address of 192.168.50.0/24');
    // The lease claims a wider prefix than the parent has: the parent's broadcast address is still refused.
    expect(leaseRefusal(lease('192.168.50.255', 16), own)).toBe('192.168.50.255 is not a usable host address of 192.168.50.0/24');
  });
});
