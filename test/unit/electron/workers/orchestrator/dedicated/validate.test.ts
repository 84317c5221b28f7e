import { describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../../../../shared/domain/vplc.js';
import { dedicatedConfigError, dedicatedRefusal, parentDedicatedRefusal, type DedicatedCheck } from '../../../../../../electron/workers/orchestrator/dedicated/validate.js';
import type { HostIface } from '../../../../../../electron/workers/orchestrator/host/interfaces.js';

const iface = (name: string, over: Partial<HostIface> = {}): HostIface => ({ name, index: 1, mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [], gateway: null, ...over });
const spec = (over: Partial<VplcSpec> = {}): VplcSpec => ({ name: 'plc-1', runtimeVersion: 'latest', vnics: [], dedicatedInterface: 'enp4s0', ...over });
const check = (over: Partial<DedicatedCheck> = {}): DedicatedCheck => ({
  spec: spec(),
  interfaces: [iface('eth0', { gateway: '192.168.1.1' }), iface('enp4s0'), iface('wlan0', { type: 'wifi' }), iface('docker0'), iface('mv0')],
  facts: new Map([['mv0', { physical: false, kind: 'macvlan' }]]),
  dedicated: [],
  parents: [],
  ...over,
});

describe('dedicatedRefusal', () => {
  it('accepts a free, wired, non-uplink NIC and a request without one', () => {
    expect(dedicatedRefusal(check())).toBeNull();
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: undefined }) }))).toBeNull();
  });

  it("names the owner when the NIC is taken, even while it lives inside that vPLC (not on the host)", () => {
    const taken = check({ spec: spec({ dedicatedInterface: 'enp5s0' }), dedicated: [{ vplc: 'plc-2', nic: 'enp5s0' }] });
    expect(dedicatedRefusal(taken)).toBe("dedicated_interface: enp5s0 is already dedicated to container 'plc-2'");
    // Its own claim (the desired record a create just wrote) is no conflict.
    expect(dedicatedRefusal(check({ dedicated: [{ vplc: 'plc-1', nic: 'enp4s0' }] }))).toBeNull();
  });

  it('leaves an absent or WiFi NIC to validating_config, and refuses the fixed list, MACVLAN children and the uplink', () => {
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: 'enp9s0' }) }))).toBeNull();
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: 'wlan0' }) }))).toBeNull();
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: 'docker0' }) }))).toBe('dedicated_interface: docker0 can never be dedicated to a vPLC (it matches docker0)');
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: 'mv0' }) }))).toMatch(/^dedicated_interface: mv0 is a MACVLAN child interface/);
    expect(dedicatedRefusal(check({ spec: spec({ dedicatedInterface: 'eth0' }) }))).toMatch(/^dedicated_interface: eth0 carries this host's default route/);
  });

  it("refuses a NIC carrying this host's addresses unless the allow-list names it exactly (a pattern is not enough)", () => {
    const addressed = [iface('eth0', { gateway: '192.168.1.1' }), iface('enp4s0', { ipv4: [{ address: '10.9.0.5', prefix: 24, subnet: '10.9.0.0/24' }] })];
    const refused = "dedicated_interface: enp4s0 carries this host's address 10.9.0.5; dedicating it would cut the host off that network (name it in the parent policy's allow-list to allow it)";
    expect(dedicatedRefusal(check({ interfaces: addressed }))).toBe(refused);
    expect(dedicatedRefusal(check({ interfaces: addressed, allow: ['enp*'] }))).toBe(refused);
    expect(dedicatedRefusal(check({ interfaces: addressed, allow: ['enp*', 'enp4s0'] }))).toBeNull();
    // The uplink stays refused whatever the list says.
    expect(dedicatedRefusal(check({ interfaces: addressed, allow: ['eth0'], spec: spec({ dedicatedInterface: 'eth0' }) }))).toMatch(/default route/);
  });

  it("lets an edit keep the NIC the vPLC holds, though it lives inside the vPLC and not on the host", () => {
    const keep = check({ spec: spec({ dedicatedInterface: 'enp7s0' }), own: 'enp7s0' });
    expect(dedicatedRefusal(keep)).toBeNull();
    expect(dedicatedConfigError(keep.spec, keep.interfaces, 'enp7s0')).toBeNull();
    expect(dedicatedConfigError(keep.spec, keep.interfaces, 'enp4s0')).toMatch(/^Interface 'enp7s0' not found on host/);
  });

  it('refuses a vNIC parent of another vPLC in the answer (a claim), one of the request itself at validating_config', () => {
    const own = check({ spec: spec({ vnics: [{ name: 'lan', parentInterface: 'enp4s0', mode: 'dhcp', dns: [] }] }) });
    expect(dedicatedRefusal(own)).toBeNull();
    expect(dedicatedConfigError(own.spec, own.interfaces)).toBe("Interface 'enp4s0' is the parent_interface of vNIC 'lan'; a dedicated NIC cannot also carry vNICs");
    expect(dedicatedRefusal(check({ parents: [{ vplc: 'plc-3', nic: 'enp4s0' }] }))).toBe("dedicated_interface: enp4s0 is a vNIC parent of container 'plc-3'; a dedicated NIC cannot also carry vNICs");
    expect(dedicatedRefusal(check({ parents: [{ vplc: 'plc-1', nic: 'enp4s0' }] }))).toBeNull();
  });
});

describe('dedicatedConfigError (validating_config, docs/protocol.md §5.11 texts)', () => {
  it('names an absent NIC with the available interfaces, without the skipped ones, and a WiFi one', () => {
    const c = check();
    expect(dedicatedConfigError(spec({ dedicatedInterface: 'enp9s0' }), c.interfaces)).toBe("Interface 'enp9s0' not found on host. Available interfaces: ['enp4s0', 'eth0', 'mv0', 'wlan0']");
    expect(dedicatedConfigError(spec({ dedicatedInterface: 'wlan0' }), c.interfaces)).toBe("Interface 'wlan0' is a WiFi interface; only a wired Ethernet port can be dedicated to a vPLC");
    expect(dedicatedConfigError(spec(), c.interfaces)).toBeNull();
    expect(dedicatedConfigError(spec({ dedicatedInterface: undefined }), c.interfaces)).toBeNull();
  });
});

describe('parentDedicatedRefusal', () => {
  it("refuses a vNIC on another vPLC's dedicated NIC, naming the vNIC's field", () => {
    const s = spec({ dedicatedInterface: undefined, vnics: [{ name: 'a', parentInterface: 'eth1', mode: 'dhcp', dns: [] }, { name: 'b', parentInterface: 'enp4s0', mode: 'dhcp', dns: [] }] });
    expect(parentDedicatedRefusal(s, [{ vplc: 'plc-2', nic: 'enp4s0' }])).toBe("vnics[1].parent_interface: enp4s0 is already dedicated to container 'plc-2'");
    expect(parentDedicatedRefusal(s, [])).toBeNull();
  });
});
