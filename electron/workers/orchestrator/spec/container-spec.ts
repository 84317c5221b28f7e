import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import { VPLC_CA_BUNDLE_PATH } from '../../../lib/certs/bundle.js';
import type { LabelSet } from '../docker/labels.js';

export const REFERENCE_ULIMITS = [
  { Name: 'rtprio', Soft: 99, Hard: 99 },
  { Name: 'memlock', Soft: -1, Hard: -1 },
];

/**
 * Device access of a vPLC: nothing unless serial ports are configured, then `MKNOD` and one cgroup rule per distinct
 * character-device major of the configured devices (no blanket rules; docs/cloud-hardening.md, "Device access"). Pure.
 */
export function deviceAccess(majors: readonly number[]): { capAdd: string[]; deviceCgroupRules: string[] } {
  const valid = [...new Set(majors.filter((m) => Number.isInteger(m) && m >= 0 && m <= 4095))].sort((a, b) => a - b);
  if (valid.length === 0) return { capAdd: [], deviceCgroupRules: [] };
  return { capAdd: ['MKNOD'], deviceCgroupRules: valid.map((m) => `c ${m}:* rmw`) };
}

/**
 * Docker's init (tini) as PID 1: the real runtime's own PID 1 ignores SIGTERM, so without it every stop waits out the
 * stop timeout and kills the PLC (docs/decisions.md "Container parameters that differ from the reference").
 */
export const VPLC_INIT = true;

export type LanEndpoint = { network: string; mac: string; ip?: string };
export type ConnectStep = { network: string; endpoint: Docker.EndpointSettings };

export type ContainerPlanInput = {
  name: string;
  image: string;
  labels: LabelSet;
  internal: { network: string; runtimeIp: string };
  lans: LanEndpoint[];
  dns: string[];
  perEndpointMac: boolean;
  withUlimits: boolean;
  quotas?: VplcSpec['quotas'];
  /** Host path of the combined CA bundle to mount read-only, when the agent is set to share it. */
  caBundleFile?: string;
  /** Character-device majors of the vPLC's configured serial ports (none until serial passthrough is built). */
  serialMajors?: readonly number[];
  /** A host NIC is given whole to the vPLC: its raw-frame master needs NET_RAW and NET_ADMIN (docs/protocol.md §5.6). */
  dedicatedNic?: boolean;
};

export type ContainerPlan = { create: Docker.ContainerCreateOptions; connects: ConnectStep[] };

const lanEndpoint = (l: LanEndpoint, withMac: boolean): Docker.EndpointSettings => ({
  ...(withMac ? { MacAddress: l.mac } : {}),
  ...(l.ip ? { IPAMConfig: { IPv4Address: l.ip } } : {}),
});

/**
 * Docker create options of docs/protocol.md §5.6 (pure).
 * Below API 1.44 only the container-level MAC of the network in NetworkMode is honoured, so the container is
 * created on its first MACVLAN network with that MAC and everything else is connected afterwards.
 */
export function planContainer(i: ContainerPlanInput): ContainerPlan {
  const devices = deviceAccess(i.serialMajors ?? []);
  const hostConfig: Docker.HostConfig = {
    RestartPolicy: { Name: 'no' },
    Init: VPLC_INIT,
    CapAdd: ['SYS_NICE', ...devices.capAdd, ...(i.dedicatedNic ? ['NET_RAW', 'NET_ADMIN'] : [])],
    ...(devices.deviceCgroupRules.length > 0 ? { DeviceCgroupRules: devices.deviceCgroupRules } : {}),
    LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    ...(i.withUlimits ? { Ulimits: REFERENCE_ULIMITS } : {}),
    ...(i.dns.length > 0 ? { Dns: i.dns } : {}),
    ...quotaConfig(i.quotas),
    ...(i.caBundleFile ? { Binds: [`${i.caBundleFile}:${VPLC_CA_BUNDLE_PATH}:ro`] } : {}),
  };
  const internalEndpoint: Docker.EndpointSettings = { IPAMConfig: { IPv4Address: i.internal.runtimeIp } };
  const [first, ...rest] = i.lans;
  if (i.perEndpointMac || !first) {
    const endpoints: Record<string, Docker.EndpointSettings> = { [i.internal.network]: internalEndpoint };
    const connects: ConnectStep[] = [];
    for (const l of i.lans) {
      if (i.perEndpointMac) endpoints[l.network] = lanEndpoint(l, true);
      else connects.push({ network: l.network, endpoint: lanEndpoint(l, true) });
    }
    return {
      create: {
        name: i.name,
        Image: i.image,
        Labels: i.labels,
        HostConfig: { ...hostConfig, NetworkMode: i.internal.network },
        NetworkingConfig: { EndpointsConfig: endpoints },
      },
      connects,
    };
  }
  return {
    create: {
      name: i.name,
      Image: i.image,
      Labels: i.labels,
      MacAddress: first.mac,
      HostConfig: { ...hostConfig, NetworkMode: first.network },
      NetworkingConfig: { EndpointsConfig: { [first.network]: lanEndpoint(first, false) } },
    },
    connects: [
      { network: i.internal.network, endpoint: internalEndpoint },
      ...rest.map((l) => ({ network: l.network, endpoint: lanEndpoint(l, true) })),
    ],
  };
}

/** Docker limits of the EXTEND quotas: CPU share as NanoCpus, memory as a hard limit (no extra swap beyond it). */
export function quotaConfig(q: VplcSpec['quotas']): Pick<Docker.HostConfig, 'NanoCpus' | 'Memory' | 'MemorySwap'> {
  if (!q) return {};
  const memory = q.memoryMb !== undefined ? q.memoryMb * 1024 * 1024 : undefined;
  return {
    ...(q.cpus !== undefined ? { NanoCpus: Math.round(q.cpus * 1e9) } : {}),
    ...(memory !== undefined ? { Memory: memory, MemorySwap: memory } : {}),
  };
}

/** Order-preserving, de-duplicated union of every vNIC's DNS servers. */
export function dnsUnion(spec: VplcSpec): string[] {
  return [...new Set(spec.vnics.flatMap((v) => v.dns))];
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/**
 * sha256 of the canonical desired container spec; the degraded-ulimits form is part of it so reconcile does not flap.
 * The device rules are part of it too, so a container made with other device access (the blanket rules of earlier
 * versions included) shows as a pending change and is recreated inside the change window. The init is not: a recreate
 * loses what the runtime keeps in its container (the loaded program, its users), too high a price for faster stops, so
 * containers made before get Docker's init at their next recreate for another reason. `plcAwareChanges` and the serial
 * ports themselves are not (their majors are).
 */
export function specHash(spec: VplcSpec, image: string, withUlimits: boolean, macs: Record<string, string>, caBundleSha?: string, serialMajors: readonly number[] = []): string {
  const deviceRules = deviceAccess(serialMajors).deviceCgroupRules;
  // Policy for the agent, not part of the container: turning it on or off must not recreate the vPLC. Serial ports are
  // nodes the agent makes in the running container; only their device rules (the majors) belong to the container.
  const container = { ...spec, plcAwareChanges: undefined, serialPorts: undefined };
  return createHash('sha256')
    .update(JSON.stringify(canonical({ spec: container, image, withUlimits, macs, caBundleSha, deviceRules })))
    .digest('hex');
}
