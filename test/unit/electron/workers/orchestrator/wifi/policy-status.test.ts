/** WiFi vNICs: address refusals, the default-route rule, subnet moves, modes and `networks` entries (pure). */
import { describe, expect, it } from 'vitest';
import { policyRefusal } from '../../../../../../electron/workers/orchestrator/create/validate.js';
import type { HostIface } from '../../../../../../electron/workers/orchestrator/host/interfaces.js';
import { parentRefusal } from '../../../../../../electron/workers/orchestrator/host/parent-policy.js';
import { deriveHealth } from '../../../../../../electron/workers/orchestrator/status/health.js';
import type { PersistedVnic } from '../../../../../../electron/workers/orchestrator/store/schemas.js';
import { vnicModes, wifiNetworks } from '../../../../../../electron/workers/orchestrator/wifi/modes.js';
import { keepBridgeRecord, sharedWifiParents } from '../../../../../../electron/workers/orchestrator/wifi/provision.js';
import { bridgeFits, planWifiMove } from '../../../../../../electron/workers/orchestrator/wifi/reattach.js';
import { takesDefaultRoute, wifiPlace } from '../../../../../../electron/workers/orchestrator/wifi/route-policy.js';
import { prefixOf } from '../../../../../../electron/workers/orchestrator/wifi/validate.js';
import { ParentPolicy } from '../../../../../../shared/domain/parent-policy.js';
import type { VnicSpec } from '../../../../../../shared/domain/vplc.js';

const wlan: HostIface = { name: 'wlan0', index: 3, mac: null, type: 'wifi', operstate: 'up', ipv4: [{ address: '192.168.50.10', prefix: 24, subnet: '192.168.50.0/24' }], gateway: '192.168.50.1' };
const allowAll = ParentPolicy.parse({ allow: ['wlan*', 'eth*'] });
const refusalOf = (v: Partial<VnicSpec>, iface: HostIface = wlan): string | null =>
  policyRefusal({ name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'wifi', parentInterface: iface.name, mode: 'static', dns: [], ...v }] }, [iface], allowAll, new Map());

const rec = (over: Partial<PersistedVnic>): PersistedVnic => ({
  name: 'wifi', parent_interface: 'wlan0', network_mode: 'static', _interface_type: 'wifi', _is_wifi: true, _network_method: 'proxy_arp', mac_address: '02:00:00:00:00:01', ...over,
});
const wired = (over: Partial<PersistedVnic>): PersistedVnic => rec({ name: 'lan', parent_interface: 'eth1', _interface_type: 'ethernet', _is_wifi: false, _network_method: 'macvlan', ...over });

describe('static WiFi vNIC refusals', () => {
  it('needs an address and a gateway, named by field', () => {
    expect(refusalOf({ gateway: '192.168.50.1' })).toBe('vnics[0].ip: a static WiFi vNIC needs an address (parent wlan0 is WiFi)');
    expect(refusalOf({ ip: '192.168.50.60' })).toBe('vnics[0].gateway: a static WiFi vNIC needs a gateway (parent wlan0 is WiFi)');
    expect(refusalOf({ ip: '192.168.50.60', gateway: '192.168.50.1' })).toBeNull();
  });

  it("keeps both inside the parent's own subnet on this host", () => {
    expect(refusalOf({ ip: '192.168.51.60', gateway: '192.168.50.1', subnet: '192.168.51.0/24' })).toBe("vnics[0].ip: 192.168.51.60 is outside wlan0's subnet 192.168.50.0/24");
    expect(refusalOf({ ip: '192.168.50.60', gateway: '10.0.0.1' })).toBe("vnics[0].gateway: 10.0.0.1 is outside wlan0's subnet 192.168.50.0/24");
    expect(refusalOf({ ip: '192.168.50.60', gateway: '192.168.50.1' }, { ...wlan, ipv4: [] })).toBe('vnics[0].parent_interface: wlan0 has no IPv4 address, so a static WiFi vNIC cannot be bridged to it');
  });

  it("still refuses the host's own address there, like any vNIC", () => {
    expect(refusalOf({ ip: '192.168.50.10', gateway: '192.168.50.1' })).toBe("vnics[0].ip: 192.168.50.10 is this host's own address on wlan0");
  });

  it('does not ask a DHCP WiFi vNIC for an address', () => {
    expect(refusalOf({ mode: 'dhcp' })).toBeNull();
  });

  it('allows a physical WiFi NIC by default; rules 1-2 still apply', () => {
    const defaults = ParentPolicy.parse({});
    expect(parentRefusal('wlp2s0', defaults, { physical: false, wifi: true, kind: undefined })).toBeNull();
    expect(parentRefusal('wlan0', defaults, { physical: false, wifi: false, kind: 'veth' })).toMatch(/not a physical Ethernet interface/);
    expect(parentRefusal('wlan0', defaults, { physical: false, wifi: true, kind: 'macvlan' })).toMatch(/MACVLAN child/);
  });
});

describe('routes and places', () => {
  it('gives the default route to the first WiFi vNIC only when no wired vNIC has a gateway', () => {
    expect(takesDefaultRoute([wired({}), rec({})], 'wifi')).toBe(true);
    expect(takesDefaultRoute([wired({ gateway: '10.0.0.1' }), rec({})], 'wifi')).toBe(false);
    expect(takesDefaultRoute([wired({ network_mode: 'dhcp' }), rec({})], 'wifi')).toBe(false);
    expect(takesDefaultRoute([rec({}), rec({ name: 'wifi2' })], 'wifi2')).toBe(false);
  });

  it('places a WiFi vNIC among its siblings', () => {
    expect(wifiPlace([wired({}), rec({}), rec({ name: 'w2' })], 'w2')).toEqual({ index: 1, count: 2, hasMacvlan: true });
    expect(wifiPlace([rec({})], 'wifi')).toEqual({ index: 0, count: 1, hasMacvlan: false });
  });

  it('takes the prefix of the recorded subnet, else /24', () => {
    expect(prefixOf('10.1.0.0/23')).toBe(23);
    expect(prefixOf(undefined)).toBe(24);
  });

  it('warns once several WiFi vNICs share a parent', () => {
    expect(sharedWifiParents([rec({}), rec({ name: 'w2' })])).toBe('several WiFi vNICs share the parent wlan0; each is routed through the host on its own');
    expect(sharedWifiParents([rec({}), rec({ name: 'w2', parent_interface: 'wlan1' }), wired({})])).toBeNull();
  });

  it('keeps the bridge record of a recreated WiFi vNIC, not of one that became wired', () => {
    const cfg = { veth_host: 'veth-0123456789', veth_container: 'eth1', ip_address: '192.168.50.60', gateway: '192.168.50.1', parent_interface: 'wlan0' };
    expect(keepBridgeRecord(rec({}), [rec({ _proxy_arp_config: cfg })])._proxy_arp_config).toEqual(cfg);
    expect(keepBridgeRecord(wired({ name: 'wifi' }), [rec({ _proxy_arp_config: cfg })])._proxy_arp_config).toBeUndefined();
  });
});

describe('subnet moves', () => {
  it('keeps a static address still valid, with its gateway or the new one', () => {
    expect(planWifiMove(rec({ ip: '192.168.50.60', gateway: '192.168.50.1' }), '192.168.50.0/23', null)).toEqual({ keep: true, gateway: '192.168.50.1' });
    expect(planWifiMove(rec({ ip: '192.168.50.60', gateway: '192.168.40.1' }), '192.168.50.0/23', '192.168.51.254')).toEqual({ keep: true, gateway: '192.168.51.254' });
  });

  it('leaves one outside the new subnet, in the words of a MACVLAN vNIC', () => {
    expect(planWifiMove(rec({ ip: '192.168.50.60', gateway: '192.168.50.1' }), '10.0.0.0/24', '10.0.0.1')).toEqual({ keep: false, warning: "Static IP 192.168.50.60 of vNIC 'wifi' is outside the new subnet 10.0.0.0/24; edit the vNIC" });
    expect(planWifiMove(rec({ ip: '192.168.50.60', gateway: '192.168.40.1' }), '192.168.50.0/23', null)).toMatchObject({ keep: false, warning: expect.stringContaining("Gateway 192.168.40.1 of WiFi vNIC 'wifi' is outside the new subnet") });
  });
});

describe('a bridge that still fits a subnet report', () => {
  const built = rec({ ip: '192.168.50.60', subnet: '192.168.50.0/24', gateway: '192.168.50.1', _proxy_arp_config: { veth_host: 'veth-0123456789', veth_container: 'eth1', ip_address: '192.168.50.60', gateway: '192.168.50.1', parent_interface: 'wlan0' } });

  it('is kept when the parent, the gateway and the prefix are the same (an agent start, an extra address)', () => {
    expect(bridgeFits(built, 'wlan0', '192.168.50.0/24', '192.168.50.1')).toBe(true);
  });

  it('is rebuilt when the prefix or the gateway changes, or when none was built for this address', () => {
    expect(bridgeFits(built, 'wlan0', '192.168.50.0/23', '192.168.50.1')).toBe(false);
    expect(bridgeFits(built, 'wlan0', '192.168.50.0/24', '192.168.50.254')).toBe(false);
    expect(bridgeFits(built, 'wlan1', '192.168.50.0/24', '192.168.50.1')).toBe(false);
    expect(bridgeFits({ ...built, _proxy_arp_config: undefined }, 'wlan0', '192.168.50.0/24', '192.168.50.1')).toBe(false);
    expect(bridgeFits({ ...built, ip: '192.168.50.61' }, 'wlan0', '192.168.50.0/24', '192.168.50.1')).toBe(false);
  });
});

describe('status of WiFi vNICs', () => {
  const cfg = { veth_host: 'veth-0123456789', veth_container: 'eth1', ip_address: '192.168.50.61', gateway: '192.168.50.1', parent_interface: 'wlan0' };

  it('says how and why each vNIC reaches the LAN', () => {
    expect(vnicModes([wired({ parent_interface: 'enp3s0' }), rec({ parent_interface: 'wlx00c0ca', _proxy_arp_config: cfg })])).toEqual([
      { name: 'lan', parent_interface: 'enp3s0', method: 'macvlan', reason: 'parent enp3s0 is wired Ethernet: MACVLAN' },
      { name: 'wifi', parent_interface: 'wlx00c0ca', method: 'proxy_arp', reason: 'parent wlx00c0ca is WiFi: access points drop frames from unknown MACs, so this vNIC is routed through the host with proxy ARP', veth_host: 'veth-0123456789' },
    ]);
  });

  it('lists wifi_<parent>_<vnic> with the bridged address, else the lease, else the static one; none without an address', () => {
    expect(wifiNetworks([rec({ ip: '192.168.50.60', gateway: '192.168.50.1', _proxy_arp_config: cfg })])).toEqual({ wifi_wlan0_wifi: { ip_address: '192.168.50.61', mac_address: null, gateway: '192.168.50.1' } });
    expect(wifiNetworks([rec({ network_mode: 'dhcp', dhcp_ip: '192.168.50.77', dhcp_gateway: '192.168.50.1' })])).toEqual({ wifi_wlan0_wifi: { ip_address: '192.168.50.77', mac_address: null, gateway: '192.168.50.1' } });
    expect(wifiNetworks([rec({ ip: '192.168.50.60' })])).toEqual({ wifi_wlan0_wifi: { ip_address: '192.168.50.60', mac_address: null, gateway: null } });
    expect(wifiNetworks([rec({ network_mode: 'dhcp' }), wired({ ip: '10.0.0.5' })])).toEqual({});
  });
});

describe('health of a WiFi vNIC', () => {
  const running = { container: 'running', operation: null, waitingForRuntime: false, suspension: null, runtime: null, problems: [] };
  const vnic = { name: 'wifi', mode: 'static' as const, method: 'proxy_arp' as const, requestedMac: '02:00:00:00:00:01', endpointIp: null, staticIp: '192.168.50.60' };

  it('is degraded while the vNIC has no bridge, running once it has one (no MAC of its own to verify)', () => {
    expect(deriveHealth({ ...running, vnics: [{ ...vnic, attached: false }] })).toEqual({ health: 'degraded', reasons: ["WiFi vNIC 'wifi' has no proxy-ARP bridge through the host, so it is not on the LAN"] });
    expect(deriveHealth({ ...running, vnics: [{ ...vnic, attached: true }] })).toEqual({ health: 'running', reasons: [] });
    // A DHCP one waiting for its lease says that instead.
    expect(deriveHealth({ ...running, vnics: [{ ...vnic, mode: 'dhcp', attached: false }] })).toEqual({ health: 'degraded', reasons: ["no DHCP lease on vNIC 'wifi'"] });
  });
});
