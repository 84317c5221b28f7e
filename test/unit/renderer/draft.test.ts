import { describe, expect, it } from 'vitest';
import { checkDraft, emptyDraft, suggestIp, withParent, type HostInterface } from '../../../renderer/src/features/vplcs/draft';
import { VplcSpec } from '../../../shared/domain/vplc';

const eth0: HostInterface = { name: 'enp1s0', mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [{ address: '192.168.10.5', prefix: 24, subnet: '192.168.10.0/24' }], gateway: '192.168.10.1' };

describe('the create form draft', () => {
  it('prefills subnet and gateway from the chosen interface without overwriting typed values', () => {
    const v = withParent(emptyDraft().vnics[0]!, eth0);
    expect(v).toMatchObject({ parentInterface: 'enp1s0', subnet: '192.168.10.0/24', gateway: '192.168.10.1' });
    const typed = withParent({ ...emptyDraft().vnics[0]!, subnet: '10.0.0.0/8' }, eth0);
    expect(typed.subnet).toBe('10.0.0.0/8');
    expect(suggestIp(v)).toBe('192.168.10.200');
  });

  it('names every wrong field with the API field path', () => {
    const d = emptyDraft();
    d.name = '-x';
    d.runtimeVersion = 'bad tag!';
    d.vnics = [{ parentInterface: 'gone0', mode: 'static', ip: '192.168.11.7', subnet: '192.168.10.0/24', gateway: '10.1.1.1', mac: '01:00:5e:00:00:01', dns: '1.1.1.1, nope' }];
    const { errors, spec } = checkDraft(d, [eth0], []);
    expect(spec).toBeUndefined();
    expect(Object.keys(errors).sort()).toEqual(['name', 'runtimeVersion', 'vnics.0.dns', 'vnics.0.gateway', 'vnics.0.ip', 'vnics.0.mac', 'vnics.0.parentInterface']);
    expect(errors['vnics.0.ip']).toBe('192.168.11.7 is not a usable host address in 192.168.10.0/24.');
    expect(errors['vnics.0.parentInterface']).toMatch(/gone0 is not on this PC/);
  });

  it('refuses a taken name, a static vNIC without address, and a MAC used twice', () => {
    const d = emptyDraft();
    d.name = 'plc1';
    const base = withParent(d.vnics[0]!, eth0);
    d.vnics = [{ ...base, mode: 'static' }, { ...base, mac: '02:aa:00:00:00:01' }, { ...base, mac: '02:AA:00:00:00:01' }];
    const { errors } = checkDraft(d, [eth0], ['plc1']);
    expect(errors['name']).toMatch(/already exists/);
    expect(errors['vnics.0.ip']).toMatch(/needs an IP/);
    expect(errors['vnics.2.mac']).toMatch(/cannot share/);
  });

  it('produces a spec the shared contract accepts', () => {
    const d = emptyDraft();
    d.name = 'plc-7';
    const v = withParent(d.vnics[0]!, eth0);
    d.vnics = [{ ...v, mode: 'static', ip: '192.168.10.50', dns: '192.168.10.1 1.1.1.1', mac: '02:42:C0:A8:0A:32' }, v];
    const { errors, spec } = checkDraft(d, [eth0], []);
    expect(errors).toEqual({});
    const parsed = VplcSpec.parse(spec);
    expect(parsed.vnics[0]).toMatchObject({ name: 'vnic1', mode: 'static', ip: '192.168.10.50', subnet: '192.168.10.0/24', gateway: '192.168.10.1', dns: ['192.168.10.1', '1.1.1.1'], mac: '02:42:c0:a8:0a:32' });
    expect(parsed.vnics[1]).toMatchObject({ name: 'vnic2', mode: 'dhcp' });
    expect(parsed.vnics[1]?.ip).toBeUndefined();
  });
});
