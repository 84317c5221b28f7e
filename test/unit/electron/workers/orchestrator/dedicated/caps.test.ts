import { describe, expect, it } from 'vitest';
import { planContainer, specHash, type ContainerPlanInput } from '../../../../../../electron/workers/orchestrator/spec/container-spec.js';

const base: ContainerPlanInput = {
  name: 'plc1',
  image: 'repo/runtime:latest',
  labels: {},
  internal: { network: 'plc1_internal', runtimeIp: '172.29.0.10' },
  lans: [],
  dns: [],
  perEndpointMac: true,
  withUlimits: true,
};

describe('capabilities of a vPLC with a dedicated NIC (docs/protocol.md §5.6)', () => {
  it('adds NET_RAW and NET_ADMIN if and only if a dedicated NIC is set', () => {
    expect(planContainer({ ...base, dedicatedNic: true }).create.HostConfig?.CapAdd).toEqual(['SYS_NICE', 'NET_RAW', 'NET_ADMIN']);
    expect(planContainer(base).create.HostConfig?.CapAdd).toEqual(['SYS_NICE']);
    expect(planContainer({ ...base, dedicatedNic: false }).create.HostConfig?.CapAdd).toEqual(['SYS_NICE']);
    expect(planContainer({ ...base, dedicatedNic: true, serialMajors: [188] }).create.HostConfig?.CapAdd).toEqual(['SYS_NICE', 'MKNOD', 'NET_RAW', 'NET_ADMIN']);
  });

  it('changes the spec hash, so reconcile recreates a vPLC that gains or loses one', () => {
    const spec = { name: 'plc1', runtimeVersion: 'latest', vnics: [] };
    expect(specHash({ ...spec, dedicatedInterface: 'enp4s0' }, 'img', true, {})).not.toBe(specHash(spec, 'img', true, {}));
  });
});
