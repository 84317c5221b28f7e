import { describe, expect, it } from 'vitest';
import { interfaceView } from '../../../../../electron/workers/orchestrator/host/interface-view.js';
import type { HostIface } from '../../../../../electron/workers/orchestrator/host/interfaces.js';
import { ParentPolicy } from '../../../../../shared/domain/parent-policy.js';

const nic = (over: Partial<HostIface>): HostIface => ({ name: 'enp1s0', index: 2, mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [], gateway: null, ...over });
const physical = { physical: true, kind: undefined };
const policy = ParentPolicy.parse({});

describe('an interface as the local API lists it', () => {
  it('marks the uplink (a default route leaves through it) and lets a physical NIC be a parent', () => {
    expect(interfaceView(nic({ name: 'eth0', gateway: '192.168.1.1' }), policy, physical)).toMatchObject({ name: 'eth0', is_uplink: true, policy_refusal: null });
    expect(interfaceView(nic({}), policy, physical)).toMatchObject({ is_uplink: false, policy_refusal: null });
    expect(interfaceView(nic({}), policy, physical)).not.toHaveProperty('index');
  });

  it('gives the refusal a create would get: fixed list, not physical, not allowed, WiFi', () => {
    expect(interfaceView(nic({ name: 'docker0' }), policy, { physical: false, kind: 'bridge' }).policy_refusal).toBe('docker0 can never be a vNIC parent (it matches docker0)');
    expect(interfaceView(nic({ name: 'vt1a' }), policy, { physical: false, kind: 'veth' }).policy_refusal).toBe('vt1a is not a physical Ethernet interface; allow it in the settings file to use it as a parent');
    expect(interfaceView(nic({}), ParentPolicy.parse({ allow: ['eth*'] }), physical).policy_refusal).toBe("enp1s0 is not in this orchestrator's list of allowed parent interfaces");
    // A physical WiFi NIC is a parent like a wired one (its vNICs are bridged); a WiFi-named link with no device is not.
    expect(interfaceView(nic({ name: 'wlan0', type: 'wifi' }), policy, { physical: false, wifi: true, kind: undefined }).policy_refusal).toBeNull();
    expect(interfaceView(nic({ name: 'wlan0', type: 'wifi' }), policy, undefined).policy_refusal).toBe('wlan0 is not a physical Ethernet interface; allow it in the settings file to use it as a parent');
  });
});
