import type Docker from 'dockerode';
import type { OrchestratorContext } from '../context.js';
import { isOwn } from '../docker/labels.js';
import type { HostIface } from '../host/interfaces.js';
import type { HostFacts } from '../metrics/host.js';
import { parsePeriod } from '../metrics/period.js';
import type { UsageRings } from '../metrics/ring.js';

const IP_SKIP = ['lo', 'docker', 'br-', 'veth', 'virbr', 'tailscale', 'zt', 'cni', 'flannel', 'kube-ipvs', 'wg', 'cilium', 'macvtap'];

/** `memory` / `cpu` limit strings of docs/protocol.md §4.8. */
export function limitsOf(info: Docker.ContainerInspectInfo | null): { memory: string; cpu: string } {
  if (!info) return { memory: 'N/A', cpu: 'N/A' };
  const hc = info.HostConfig;
  const mem = hc.Memory ?? 0;
  const memory = mem > 0 ? `${Math.floor(mem / (1024 * 1024))} MB` : 'unlimited';
  let cpu = 'unlimited';
  if ((hc.NanoCpus ?? 0) > 0) cpu = `${((hc.NanoCpus ?? 0) / 1e9).toFixed(1)} vCPU`;
  else if ((hc.CpuQuota ?? 0) > 0) cpu = `${((hc.CpuQuota ?? 0) / (hc.CpuPeriod || 100_000)).toFixed(1)} vCPU`;
  return { memory, cpu };
}

/** The `cpu_usage` / `memory_usage` series of one target over the requested periods (docs/protocol.md §4.8, §4.9). */
function usageOver(rings: UsageRings, target: Parameters<UsageRings['query']>[0], cpuPeriod: string | null | undefined, memoryPeriod: string | null | undefined, nowSec: number) {
  const c = parsePeriod(cpuPeriod, nowSec);
  const m = parsePeriod(memoryPeriod, nowSec);
  return { cpu_usage: rings.query(target, 'cpu', c.start, c.end), memory_usage: rings.query(target, 'memory', m.start, m.end) };
}

export function deviceConsumption(
  deviceId: string,
  info: Docker.ContainerInspectInfo | null,
  rings: UsageRings,
  cpuPeriod: string | null | undefined,
  memoryPeriod: string | null | undefined,
  nowSec: number,
): Record<string, unknown> {
  return { device_id: deviceId, ...limitsOf(info), ...usageOver(rings, { device: deviceId }, cpuPeriod, memoryPeriod, nowSec) };
}

export function ipAddresses(ifaces: HostIface[]): Array<{ interface: string; ip_address: string }> {
  return ifaces
    .filter((i) => !IP_SKIP.some((p) => i.name.toLowerCase().startsWith(p)))
    .flatMap((i) => i.ipv4.filter((a) => !a.address.startsWith('127.')).map((a) => ({ interface: i.name, ip_address: a.address })));
}

export function orchestratorConsumption(
  ifaces: HostIface[],
  facts: HostFacts,
  rings: UsageRings,
  cpuPeriod: string | null | undefined,
  memoryPeriod: string | null | undefined,
  nowSec: number,
): Record<string, unknown> {
  return {
    ip_addresses: ipAddresses(ifaces),
    memory: facts.memory,
    cpu: facts.cpu,
    os: facts.os,
    kernel: facts.kernel,
    disk: facts.disk,
    ...usageOver(rings, 'orchestrator', cpuPeriod, memoryPeriod, nowSec),
  };
}

/** docs/protocol.md §4.8 for a managed vPLC; limits read "N/A" when Docker cannot be asked, `Device … not found` otherwise. */
export async function managedDeviceConsumption(
  ctx: OrchestratorContext,
  rings: UsageRings,
  deviceId: string,
  cpuPeriod: string | null | undefined,
  memoryPeriod: string | null | undefined,
): Promise<Record<string, unknown>> {
  let info: Docker.ContainerInspectInfo | null = null;
  let inspectFailed = false;
  try {
    info = await ctx.engine.resolveVplc(deviceId, ctx.store.installationId);
  } catch {
    inspectFailed = true;
  }
  const managed = inspectFailed ? !!ctx.store.getDesired(deviceId) : !!info && isOwn(info.Config.Labels, ctx.store.installationId, 'vplc');
  if (!managed) return { status: 'error', error: `Device ${deviceId} not found` };
  return deviceConsumption(deviceId, info, rings, cpuPeriod, memoryPeriod, Math.floor(ctx.clock.now() / 1000));
}
