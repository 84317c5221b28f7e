import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { deviceAccess, dnsUnion, planContainer, quotaConfig, specHash, type ContainerPlanInput } from '../../../../../electron/workers/orchestrator/spec/container-spec.js';
import { apiAtLeast } from '../../../../../electron/workers/orchestrator/docker/engine.js';

const base: ContainerPlanInput = {
  name: 'plc1',
  image: 'repo/runtime:latest',
  labels: { a: 'b' },
  internal: { network: 'plc1_internal', runtimeIp: '172.29.0.10' },
  lans: [
    { network: 'macvlan_eth0_198.18.1.0_24', mac: '02:00:00:00:00:01', ip: '198.18.1.10' },
    { network: 'macvlan_eth1_198.18.2.0_24', mac: '02:00:00:00:00:02' },
  ],
  dns: ['198.18.1.53'],
  perEndpointMac: false,
  withUlimits: true,
};

describe('planContainer', () => {
  it('creates on the first MACVLAN network with a container-level MAC below API 1.44, then connects the rest', () => {
    const p = planContainer(base);
    expect(p.create.HostConfig?.NetworkMode).toBe('macvlan_eth0_198.18.1.0_24');
    expect(p.create.MacAddress).toBe('02:00:00:00:00:01');
    expect(p.create.NetworkingConfig?.EndpointsConfig).toEqual({ 'macvlan_eth0_198.18.1.0_24': { IPAMConfig: { IPv4Address: '198.18.1.10' } } });
    expect(p.connects).toEqual([
      { network: 'plc1_internal', endpoint: { IPAMConfig: { IPv4Address: '172.29.0.10' } } },
      { network: 'macvlan_eth1_198.18.2.0_24', endpoint: { MacAddress: '02:00:00:00:00:02' } },
    ]);
  });

  it('puts every endpoint with its MAC into the create call on API 1.44 and later', () => {
    const p = planContainer({ ...base, perEndpointMac: true });
    expect(p.create.HostConfig?.NetworkMode).toBe('plc1_internal');
    expect(p.create.MacAddress).toBeUndefined();
    expect(p.create.NetworkingConfig?.EndpointsConfig).toEqual({
      plc1_internal: { IPAMConfig: { IPv4Address: '172.29.0.10' } },
      'macvlan_eth0_198.18.1.0_24': { MacAddress: '02:00:00:00:00:01', IPAMConfig: { IPv4Address: '198.18.1.10' } },
      'macvlan_eth1_198.18.2.0_24': { MacAddress: '02:00:00:00:00:02' },
    });
    expect(p.connects).toEqual([]);
  });

  it('uses the internal network alone for a vPLC without vNICs', () => {
    const p = planContainer({ ...base, lans: [] });
    expect(p.create.HostConfig?.NetworkMode).toBe('plc1_internal');
    expect(p.connects).toEqual([]);
  });

  it('sets the reference parameters and leaves ulimits out in the degraded form', () => {
    const hc = planContainer(base).create.HostConfig;
    expect(hc).toMatchObject({
      RestartPolicy: { Name: 'no' },
      CapAdd: ['SYS_NICE'],
      Ulimits: [{ Name: 'rtprio', Soft: 99, Hard: 99 }, { Name: 'memlock', Soft: -1, Hard: -1 }],
      Dns: ['198.18.1.53'],
    });
    expect(hc).not.toHaveProperty('DeviceCgroupRules');
    expect(planContainer({ ...base, withUlimits: false }).create.HostConfig?.Ulimits).toBeUndefined();
    expect(planContainer({ ...base, dns: [] }).create.HostConfig?.Dns).toBeUndefined();
  });

  it('grants device access only for configured serial ports: MKNOD and the majors of those devices', () => {
    expect(deviceAccess([])).toEqual({ capAdd: [], deviceCgroupRules: [] });
    expect(deviceAccess([188, 4, 188, -1, 1.5, 5000])).toEqual({ capAdd: ['MKNOD'], deviceCgroupRules: ['c 4:* rmw', 'c 188:* rmw'] });
    expect(planContainer({ ...base, serialMajors: [166] }).create.HostConfig).toMatchObject({ CapAdd: ['SYS_NICE', 'MKNOD'], DeviceCgroupRules: ['c 166:* rmw'] });
  });

  it('runs the runtime under Docker\'s init, and a container made before (without it) is not shown as changed', () => {
    expect(planContainer(base).create.HostConfig?.Init).toBe(true);
    expect(planContainer({ ...base, perEndpointMac: true }).create.HostConfig?.Init).toBe(true);
    const spec = { name: 'plc1', runtimeVersion: 'latest', vnics: [] };
    // The spec hash as containers created without an init carry it.
    const withoutInit = createHash('sha256')
      .update(JSON.stringify({ deviceRules: [], image: 'img', macs: {}, spec: { name: 'plc1', runtimeVersion: 'latest', vnics: [] }, withUlimits: true }))
      .digest('hex');
    expect(specHash(spec, 'img', true, {})).toBe(withoutInit);
  });

  it('puts the device rules into the spec hash (containers with other device access show as changed)', () => {
    const spec = { name: 'plc1', runtimeVersion: 'latest', vnics: [] };
    expect(specHash(spec, 'img', true, {}, undefined, [])).toBe(specHash(spec, 'img', true, {}));
    expect(specHash(spec, 'img', true, {}, undefined, [188])).not.toBe(specHash(spec, 'img', true, {}));
  });

  it('leaves the serial ports themselves out of the hash: another device or path is a node, not a new container', () => {
    const spec = { name: 'plc1', runtimeVersion: 'latest', vnics: [] };
    const withPort = { ...spec, serialPorts: [{ name: 'rtu', deviceId: 'usb-FTDI_A1', containerPath: '/dev/ttyRTU' }] };
    const moved = { ...spec, serialPorts: [{ name: 'rtu', deviceId: 'usb-FTDI_B2', containerPath: '/dev/ttyS9', baudRate: 9600 }] };
    expect(specHash(withPort, 'img', true, {}, undefined, [188])).toBe(specHash(moved, 'img', true, {}, undefined, [188]));
    expect(specHash(withPort, 'img', true, {}, undefined, [188])).not.toBe(specHash(withPort, 'img', true, {}, undefined, [166, 188]));
  });
});

describe('dnsUnion and specHash', () => {
  it('keeps order and drops duplicates across vNICs', () => {
    const spec = { name: 'p1', runtimeVersion: 'latest', vnics: [{ name: 'a', parentInterface: 'e0', mode: 'dhcp' as const, dns: ['1.1.1.1', '8.8.8.8'] }, { name: 'b', parentInterface: 'e1', mode: 'dhcp' as const, dns: ['8.8.8.8', '9.9.9.9'] }] };
    expect(dnsUnion(spec)).toEqual(['1.1.1.1', '8.8.8.8', '9.9.9.9']);
  });

  it('changes with the ulimit form and not with key order', () => {
    const spec = { name: 'p1', runtimeVersion: 'latest', vnics: [] };
    const reordered = { vnics: [], runtimeVersion: 'latest', name: 'p1' };
    expect(specHash(spec, 'img', true, {})).toBe(specHash(reordered, 'img', true, {}));
    expect(specHash(spec, 'img', true, {})).not.toBe(specHash(spec, 'img', false, {}));
  });
});

describe('apiAtLeast', () => {
  it('compares versions numerically, not as strings', () => {
    expect(apiAtLeast('1.9', '1.44')).toBe(false);
    expect(apiAtLeast('1.41', '1.44')).toBe(false);
    expect(apiAtLeast('1.44', '1.44')).toBe(true);
    expect(apiAtLeast('1.45', '1.44')).toBe(true);
    expect(apiAtLeast('2.0', '1.44')).toBe(true);
  });
});

describe('quotas', () => {
  it('become NanoCpus and a hard memory limit without extra swap; absent means no limit keys at all', () => {
    expect(planContainer({ ...base, quotas: { cpus: 1.5, memoryMb: 256 } }).create.HostConfig).toMatchObject({ NanoCpus: 1_500_000_000, Memory: 268_435_456, MemorySwap: 268_435_456 });
    expect(quotaConfig({ cpus: 0.25 })).toEqual({ NanoCpus: 250_000_000 });
    const none = planContainer(base).create.HostConfig ?? {};
    expect(['NanoCpus', 'Memory', 'MemorySwap'].filter((k) => k in none)).toEqual([]);
  });
});

describe('the shared CA bundle', () => {
  it('is bind-mounted read-only when set, and its hash changes the spec hash only when present', () => {
    expect(planContainer({ ...base, caBundleFile: '/var/lib/x/ca.pem' }).create.HostConfig?.Binds).toEqual(['/var/lib/x/ca.pem:/etc/ssl/certs/vplc-orchestrator-ca-bundle.pem:ro']);
    expect(planContainer(base).create.HostConfig?.Binds).toBeUndefined();
    const spec = { name: 'plc1', vnics: [], runtimeVersion: 'latest' };
    const plain = specHash(spec, 'img', true, {});
    expect(specHash(spec, 'img', true, {}, undefined)).toBe(plain);
    expect(specHash(spec, 'img', true, {}, 'aa')).not.toBe(plain);
    expect(specHash(spec, 'img', true, {}, 'aa')).not.toBe(specHash(spec, 'img', true, {}, 'bb'));
  });
});
