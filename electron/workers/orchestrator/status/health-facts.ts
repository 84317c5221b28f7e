import type { OrchestratorContext } from '../context.js';
import { deriveHealth, PROBLEM_KEY_PREFIXES, type Health, type HealthFacts, type VnicFacts } from './health.js';
import type { PlcMonitorApi } from '../plc/types.js';
import type { RuntimeAnswers } from './runtime-answers.js';

/** The container as the engine lists or inspects it: its state and the address of each network endpoint. */
export type ContainerView = { state: string; networks: Record<string, { IPAddress?: string } | undefined> } | null;

function vnicFacts(ctx: OrchestratorContext, name: string, c: ContainerView): VnicFacts[] {
  return ctx.store.getVnics(name).map((v) => {
    const ep = v.docker_network_name ? c?.networks[v.docker_network_name] : undefined;
    return {
      name: v.name,
      mode: v.network_mode,
      method: v._network_method,
      requestedMac: v.mac_address,
      ...(v._wire_mac_address ? { wireMac: v._wire_mac_address } : {}),
      // A WiFi vNIC has no Docker network: it is in place when its proxy-ARP bridge is.
      attached: v._network_method === 'proxy_arp' ? v._proxy_arp_config !== undefined : ep !== undefined,
      endpointIp: ep?.IPAddress ? ep.IPAddress : null,
      ...(v.ip ? { staticIp: v.ip } : {}),
      ...(v.dhcp_ip ? { leaseIp: v.dhcp_ip } : {}),
    };
  });
}

/** Gathers what the orchestrator holds about a vPLC and derives its health (see `deriveHealth`). */
export function healthFacts(ctx: OrchestratorContext, name: string, c: ContainerView, suspension: string | null, answers: RuntimeAnswers | null, plc: PlcMonitorApi | null = null): HealthFacts {
  const op = ctx.ops.get(name);
  const keyed = ctx.warnings.snapshot()[name] ?? {};
  return {
    container: c?.state ?? 'missing',
    operation: op ? { status: op.status, error: op.error } : null,
    waitingForRuntime: ctx.ops.runtimeWait(name) !== undefined,
    suspension,
    vnics: vnicFacts(ctx, name, c),
    runtime: answers?.get(name) ?? null,
    plcFaultSince: plc?.view(name).fault_since ?? null,
    problems: Object.entries(keyed)
      .filter(([k]) => PROBLEM_KEY_PREFIXES.some((p) => k.startsWith(p)))
      .map(([, text]) => text),
  };
}

export const vplcHealth = (...args: Parameters<typeof healthFacts>): Health => deriveHealth(healthFacts(...args));
