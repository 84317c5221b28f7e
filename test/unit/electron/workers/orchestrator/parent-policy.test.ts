/** The local parent policy and the address refusals of a new vPLC (pure). */
import { describe, expect, it } from 'vitest';
import { addressRefusal, policyRefusal } from '../../../../../electron/workers/orchestrator/create/validate.js';
import type { HostIface } from '../../../../../electron/workers/orchestrator/host/interfaces.js';
import { parentRefusal, zoneRefusal, type LinkFacts } from '../../../../../electron/workers/orchestrator/host/parent-policy.js';
import { ParentPolicy, type ParentPolicyInput } from '../../../../../shared/domain/parent-policy.js';
import type { VnicSpec, VplcSpec } from '../../../../../shared/domain/vplc.js';

const policy = (p: ParentPolicyInput = {}): ParentPolicy => ParentPolicy.parse(p);
const phys: LinkFacts = { physical: true, kind: undefined };
const virt = (kind: string): LinkFacts => ({ physical: false, kind });
const iface = (name: string, address: string, prefix: number, subnet: string, gateway: string | null): HostIface => ({
  name, index: 2, mac: null, type: 'ethernet', operstate: 'up', ipv4: [{ address, prefix, subnet }], gateway,
});
const vnic = (over: Partial<VnicSpec>): VnicSpec => ({ name: 'lan', parentInterface: 'eth1', mode: 'static', dns: [], ...over });
const spec = (vnics: VnicSpec[]): VplcSpec => ({ name: 'plc1', runtimeVersion: 'latest', vnics });

describe('parent policy', () => {
  it('allows physical Ethernet by default and nothing else', () => {
    expect(parentRefusal('enp3s0', policy(), phys)).toBeNull();
    expect(parentRefusal('bond0', policy(), virt('bond'))).toBe('bond0 is not a physical Ethernet interface; allow it in the settings file to use it as a parent');
    expect(parentRefusal('eth1.10', policy(), virt('vlan'))).toMatch(/not a physical Ethernet interface/);
  });

  it.each(['lo', 'docker0', 'br-1a2b', 'veth12ab', 'virbr0', 'wg0', 'tun0', 'tap3'])('refuses %s even when the allow-list names it', (name) => {
    expect(parentRefusal(name, policy({ allow: [name, `${name.slice(0, 1)}*`] }), phys)).toMatch(new RegExp(`^${name} can never be a vNIC parent \\(it matches `));
  });

  it('refuses MACVLAN children whatever the allow-list says', () => {
    expect(parentRefusal('mv0', policy({ allow: ['mv*'] }), virt('macvlan'))).toBe('mv0 is a MACVLAN child interface; use the interface it sits on');
    expect(parentRefusal('mvt0', policy({ allow: ['mvt0'] }), virt('macvtap'))).toMatch(/MACVLAN child/);
  });

  it('an explicit allow-list replaces the physical default, by name or prefix', () => {
    const p = policy({ allow: ['bond0', 'lan*'] });
    expect(parentRefusal('bond0', p, virt('bond'))).toBeNull();
    expect(parentRefusal('lan7', p, virt('veth'))).toBeNull();
    expect(parentRefusal('enp3s0', p, phys)).toBe("enp3s0 is not in this orchestrator's list of allowed parent interfaces");
  });

  it('refuses a vPLC that bridges two zones unless that pair is allowed', () => {
    const zones = { zones: { cell1: ['eth1'], office: ['eth2', 'lan*'] } };
    expect(zoneRefusal(['eth1', 'eth3', 'eth2'], policy(zones))).toEqual({
      index: 2,
      text: 'eth2 (zone office) and eth1 (zone cell1) are in different zones; this orchestrator does not let one vPLC bridge them',
    });
    expect(zoneRefusal(['eth2', 'lan4'], policy(zones))).toBeNull();
    expect(zoneRefusal(['eth1', 'eth2'], policy({ ...zones, allowBridging: [['office', 'cell1']] }))).toBeNull();
  });

  it('rejects malformed settings with the field named', () => {
    const r = ParentPolicy.safeParse({ allow: ['eth 0'] });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.path).toEqual(['allow', 0]);
  });
});

describe('address refusals', () => {
  const eth1 = iface('eth1', '198.18.1.5', 24, '198.18.1.0/24', '198.18.1.1');
  it.each([
    ['198.18.1.5', "198.18.1.5 is this host's own address on eth1"],
    ['198.18.1.1', '198.18.1.1 is the gateway of eth1'],
    ['198.18.1.0', '198.18.1.0 is the network address of 198.18.1.0/24'],
    ['198.18.1.255', '198.18.1.255 is the broadcast address of 198.18.1.0/24'],
  ])('refuses %s', (ip, text) => {
    expect(addressRefusal(vnic({ ip }), eth1)).toBe(text);
  });

  it('refuses the gateway and broadcast of a subnet the request gives', () => {
    expect(addressRefusal(vnic({ ip: '198.18.2.254', subnet: '198.18.2.0/24', gateway: '198.18.2.254' }), eth1)).toBe('198.18.2.254 is the gateway of eth1');
    expect(addressRefusal(vnic({ ip: '198.18.2.127', ipPrefix: 25 }), eth1)).toBe('198.18.2.127 is the broadcast address of 198.18.2.0/25');
  });

  it('accepts an ordinary host address and every DHCP vNIC', () => {
    expect(addressRefusal(vnic({ ip: '198.18.1.60' }), eth1)).toBeNull();
    expect(addressRefusal(vnic({ mode: 'dhcp' }), eth1)).toBeNull();
  });

  it('reports the first refusal of a spec with its field, parents before addresses', () => {
    const ifaces = [eth1, iface('lo', '127.0.0.1', 8, '127.0.0.0/8', null), iface('eth2', '198.18.3.5', 24, '198.18.3.0/24', null)];
    const facts = new Map<string, LinkFacts>([['eth1', phys], ['eth2', phys], ['lo', virt('loopback')]]);
    expect(policyRefusal(spec([vnic({ ip: '198.18.1.60' }), vnic({ name: 'b', parentInterface: 'lo', ip: '127.0.0.2' })]), ifaces, policy(), facts)).toBe(
      'vnics[1].parent_interface: lo can never be a vNIC parent (it matches lo)',
    );
    expect(policyRefusal(spec([vnic({ ip: '198.18.1.60' }), vnic({ name: 'b', parentInterface: 'eth2', ip: '198.18.3.255' })]), ifaces, policy(), facts)).toBe(
      'vnics[1].ip: 198.18.3.255 is the broadcast address of 198.18.3.0/24',
    );
    // A parent the host does not have is left to validating_config, which lists the interfaces there are.
    expect(policyRefusal(spec([vnic({ parentInterface: 'eth9', ip: '198.18.1.60' })]), ifaces, policy(), facts)).toBeNull();
    expect(policyRefusal(spec([vnic({ parentInterface: 'veth9', ip: '198.18.1.60' })]), ifaces, policy({ allow: ['veth9'] }), facts)).toMatch(/^vnics\[0\]\.parent_interface: veth9 can never/);
  });
});
