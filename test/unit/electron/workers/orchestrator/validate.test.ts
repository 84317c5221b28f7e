import { describe, expect, it } from 'vitest';
import { validateConfig, type ValidationInput } from '../../../../../electron/workers/orchestrator/create/validate.js';
import type { HostIface } from '../../../../../electron/workers/orchestrator/host/interfaces.js';
import type { VnicSpec } from '../../../../../shared/domain/vplc.js';

const iface = (name: string, subnet?: string, gateway: string | null = null): HostIface => ({
  name,
  index: 1,
  mac: null,
  type: 'ethernet',
  operstate: 'up',
  ipv4: subnet ? [{ address: subnet.replace(/0\/\d+$/, '5'), prefix: Number(subnet.split('/')[1]), subnet }] : [],
  gateway,
});
const vnic = (over: Partial<VnicSpec>): VnicSpec => ({ name: 'lan', parentInterface: 'eth1', mode: 'dhcp', dns: [], ...over });
const input = (vnics: VnicSpec[], macs: string[] = [], ifaces = [iface('eth1', '198.18.1.0/24', '198.18.1.1'), iface('eth2'), iface('lo')]): ValidationInput => ({
  spec: { name: 'plc1', runtimeVersion: 'latest', vnics },
  interfaces: ifaces,
  macsOnParent: () => Promise.resolve(new Set(macs)),
  random: () => 0.5,
});

describe('validateConfig', () => {
  it('resolves the subnet and gateway from the parent when the request gives none', async () => {
    const [v] = await validateConfig(input([vnic({})]));
    expect(v).toMatchObject({ resolvedSubnet: '198.18.1.0/24', resolvedGateway: '198.18.1.1', collisionKey: 'macvlan_eth1_198.18.1.0_24' });
    expect(v?.requestedMac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });

  it('names the available interfaces when a parent does not exist', async () => {
    await expect(validateConfig(input([vnic({ parentInterface: 'eth9' })]))).rejects.toThrow("Interface 'eth9' not found on host. Available interfaces: ['eth1', 'eth2']");
  });

  it('refuses two vNICs on one parent even with different subnets', async () => {
    const err = validateConfig(input([vnic({ name: 'a', subnet: '198.18.1.0/24' }), vnic({ name: 'b', subnet: '198.18.2.0/24' })]));
    await expect(err).rejects.toThrow(/^Invalid vNIC configuration: vNICs 'a' and 'b' would connect to the same MACVLAN network \(macvlan_eth1_198\.18\.2\.0_24\)\. Docker only allows one endpoint per container per network\./);
  });

  it('refuses a static IP outside its subnet', async () => {
    await expect(validateConfig(input([vnic({ mode: 'static', ip: '198.18.9.9', subnet: '198.18.1.0/24' })]))).rejects.toThrow("Static IP 198.18.9.9 of vNIC 'lan' is outside subnet 198.18.1.0/24");
  });

  it('refuses a user MAC already in use on the parent', async () => {
    await expect(validateConfig(input([vnic({ mac: '02:00:00:00:00:09' })], ['02:00:00:00:00:09']))).rejects.toThrow('MAC address 02:00:00:00:00:09 is already in use.');
  });

  it('regenerates a generated MAC that collides on the parent', async () => {
    let calls = 0;
    const seq = [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7];
    const first = (await validateConfig(input([vnic({})])))[0]?.requestedMac ?? '';
    const [v] = await validateConfig({ ...input([vnic({})], [first]), random: () => seq[calls++ % seq.length] ?? 0 });
    expect(v?.requestedMac).not.toBe(first);
  });

  it('leaves an unresolvable subnet for the network step with the unknown key', async () => {
    const [v] = await validateConfig(input([vnic({ parentInterface: 'eth2' })]));
    expect(v).toMatchObject({ resolvedSubnet: null, collisionKey: 'macvlan_eth2_unknown' });
  });
});
