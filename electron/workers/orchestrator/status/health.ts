import type { VplcHealth } from '../../../../shared/domain/vplc-status.js';

/** What is known of one vNIC: its request (persisted) beside what is on the wire and in the engine. */
export type VnicFacts = {
  name: string;
  mode: 'dhcp' | 'static';
  method: 'macvlan' | 'proxy_arp';
  requestedMac: string;
  /** The MAC last measured inside the vPLC's namespace; absent until measured. */
  wireMac?: string;
  /** The container is connected to the vNIC's Docker network. */
  attached: boolean;
  /** The address Docker's endpoint holds on that network. */
  endpointIp: string | null;
  /** The requested static address. */
  staticIp?: string;
  /** The DHCP lease's address. */
  leaseIp?: string;
};

/** The facts the orchestrator already holds about one vPLC. */
export type HealthFacts = {
  /** Docker's container state (`running`, `exited`, …), or `missing` when there is no container. */
  container: string;
  operation: { status: 'creating' | 'deleting' | 'error'; error: string | null } | null;
  /** A start waits for the runtime API to answer. */
  waitingForRuntime: boolean;
  /** Why the crash-loop guard holds automatic restarts, or null. */
  suspension: string | null;
  vnics: VnicFacts[];
  /** The last runtime probe, or null when none ran since the agent started. */
  runtime: { answered: boolean; at: string } | null;
  /** Warnings on the board that mean something is not in place (MAC, DHCP, re-attachment). */
  problems: string[];
  /** ISO start of a PLC fault (`STATUS:ERROR`) going on now, or null (docs/plc.md "Polling"). */
  plcFaultSince?: string | null;
};

export type Health = { health: VplcHealth; reasons: string[] };

const sameMac = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function vnicReasons(v: VnicFacts): string[] {
  if (!v.attached && v.method === 'proxy_arp' && (v.mode === 'static' || v.leaseIp)) return [`WiFi vNIC '${v.name}' has no proxy-ARP bridge through the host, so it is not on the LAN`];
  if (!v.attached && v.method === 'macvlan') return [`vNIC '${v.name}' is not attached to its network`];
  const out: string[] = [];
  // Only MACVLAN vNICs carry their own MAC; a proxy-ARP vNIC uses the host's.
  if (v.method === 'macvlan') {
    if (!v.wireMac) out.push(`MAC ${v.requestedMac} of vNIC '${v.name}' not verified on the wire yet`);
    else if (!sameMac(v.wireMac, v.requestedMac)) out.push(`vNIC '${v.name}' has MAC ${v.wireMac} on the wire, not the requested ${v.requestedMac}`);
  }
  if (v.mode === 'dhcp' && !v.leaseIp) out.push(`no DHCP lease on vNIC '${v.name}'`);
  if (v.mode === 'static' && v.method === 'macvlan' && v.staticIp && v.endpointIp !== v.staticIp) {
    out.push(`static IP ${v.staticIp} of vNIC '${v.name}' is not in place (the network has ${v.endpointIp ?? 'none'})`);
  }
  return out;
}

/**
 * The one place a vPLC's health is decided (docs/status.md). An operation in flight or failed wins; a container that
 * is not running is `stopped` (or `suspended`, `starting`, `error`); a running one is `running` only when no fact is
 * missing, else `degraded` with every reason. A runtime never probed since the agent started is not held against it:
 * the periodic probe gives the fact within one tick.
 */
export function deriveHealth(f: HealthFacts): Health {
  if (f.operation?.status === 'creating') return { health: 'creating', reasons: [] };
  if (f.operation?.status === 'deleting') return { health: 'deleting', reasons: [] };
  if (f.operation?.status === 'error') return { health: 'error', reasons: [f.operation.error ?? 'the last operation failed'] };
  if (f.container === 'missing') return { health: 'missing', reasons: ['no container: it is recreated by the reconcile loop or by a start'] };
  if (f.container === 'restarting') return { health: 'starting', reasons: [] };
  if (f.container !== 'running') {
    if (f.suspension) return { health: 'suspended', reasons: [f.suspension] };
    if (f.container === 'dead') return { health: 'error', reasons: ['the container is dead'] };
    if (f.container === 'paused') return { health: 'degraded', reasons: ['the container is paused'] };
    return { health: 'stopped', reasons: [] };
  }
  if (f.waitingForRuntime) return { health: 'starting', reasons: ['waiting for the runtime API to answer'] };
  const reasons = f.vnics.flatMap(vnicReasons);
  if (f.runtime && !f.runtime.answered) reasons.push(`runtime API not answering (last probe ${f.runtime.at})`);
  for (const p of f.problems) if (!reasons.includes(p)) reasons.push(p);
  // A PLC that is stopped or has no program is what the user asked for, not a health problem; a core crash is.
  if (f.plcFaultSince) reasons.push(`PLC fault: the runtime reports ERROR since ${f.plcFaultSince} (its core restarts)`);
  return reasons.length ? { health: 'degraded', reasons } : { health: 'running', reasons: [] };
}

/** Board warning keys that mean a fact is not in place (the others, e.g. real-time limits, only inform). */
export const PROBLEM_KEY_PREFIXES = ['mac:', 'dhcp:', 'dhcplease:', 'reattach:', 'wifi:', 'wifibridge:'] as const;
