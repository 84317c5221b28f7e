import { describe, expect, it } from 'vitest';
import type { HostInterfaceView } from '../../../../../../shared/domain/host.js';
import { isDedicatedChange, markDedicated } from '../../../../../../electron/workers/orchestrator/dedicated/interface-marks.js';
import { hostInterfacesBody } from '../../../../../../electron/workers/orchestrator/cloud/host-interfaces.js';

const view = (name: string): HostInterfaceView => ({ name, mac: '02:00:00:00:00:0a', type: 'ethernet', operstate: 'up', ipv4: [], gateway: null, is_uplink: false, policy_refusal: null });

describe('markDedicated (local list)', () => {
  it('marks a dedicated NIC on the host and lists one inside its vPLC, each refused as a vNIC parent', () => {
    const out = markDedicated([view('eth1'), view('enp4s0')], [
      { nic: 'enp4s0', vplc: 'plc-2', mac: null },
      { nic: 'enp5s0', vplc: 'plc-3', mac: '02:00:00:00:00:05' },
    ]);
    expect(out[0]).toEqual(view('eth1'));
    expect(out[1]).toMatchObject({ name: 'enp4s0', dedicated_to: 'plc-2', policy_refusal: "enp4s0 is dedicated to vPLC 'plc-2'; it carries no vNICs while it is" });
    expect(out[2]).toMatchObject({ name: 'enp5s0', mac: '02:00:00:00:00:05', ipv4: [], dedicated_to: 'plc-3', policy_refusal: expect.stringContaining("dedicated to vPLC 'plc-3'") });
  });
});

describe('hostInterfacesBody with dedicated NICs (docs/protocol.md §4.6)', () => {
  const eth0 = { name: 'eth0', mac: '02:00:00:00:00:01', type: 'ethernet' as const, gateway: '192.168.1.1', ipv4: [{ address: '192.168.1.10', subnet: '192.168.1.0/24' }] };
  const enp4s0 = { name: 'enp4s0', mac: '02:00:00:00:00:04', type: 'ethernet' as const, gateway: null, ipv4: [] };

  it('adds dedicated_to to a cached NIC and a synthetic entry, sorted, for one inside its vPLC', () => {
    const body = hostInterfacesBody([eth0, enp4s0], { include_virtual: false, detailed: true }, [
      { nic: 'enp4s0', vplc: 'plc-1', mac: null },
      { nic: 'enp2s0', vplc: 'plc-2', mac: '02:00:00:00:00:02' },
    ]);
    expect(body).toEqual({
      status: 'success',
      interfaces: [
        { name: 'enp2s0', ip_address: null, ipv4_addresses: [], mac_address: '02:00:00:00:00:02', dedicated_to: 'plc-2' },
        { name: 'enp4s0', ip_address: null, ipv4_addresses: [], mac_address: '02:00:00:00:00:04', subnet: null, gateway: null, dedicated_only: true, type: 'ethernet', dedicated_to: 'plc-1' },
        { name: 'eth0', ip_address: '192.168.1.10', ipv4_addresses: ['192.168.1.10'], mac_address: '02:00:00:00:00:01', subnet: '192.168.1.0/24', gateway: '192.168.1.1', type: 'ethernet' },
      ],
    });
  });

  it('is unchanged without dedicated NICs', () => {
    expect(hostInterfacesBody([eth0], { include_virtual: false, detailed: false })).toEqual(hostInterfacesBody([eth0], { include_virtual: false, detailed: false }, []));
  });
});

describe('isDedicatedChange', () => {
  it('is true only for a NIC in the dedicated set', () => {
    const set = new Set(['enp4s0']);
    expect(isDedicatedChange({ interface: 'enp4s0' }, (n) => set.has(n))).toBe(true);
    expect(isDedicatedChange({ interface: 'eth1' }, (n) => set.has(n))).toBe(false);
  });
});
