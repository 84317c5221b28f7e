import type Docker from 'dockerode';
import type { OrchestratorContext } from '../context.js';
import { afterJoin } from '../net/after-join.js';
import { internalNetworkName } from '../net/networks.js';
import { enforceWireMacs, type MacOutcome, type MacTarget } from '../net/wire-mac.js';
import type { PersistedVnic } from '../store/schemas.js';
import { configureWifiVnics } from '../wifi/provision.js';

export type StartFacts = { containerId: string; pid: number; internalIp: string | null };

/** Step 1 of docs/protocol.md §6.3: read the new PID and refresh the registry IP. */
export async function refreshRegistry(ctx: OrchestratorContext, name: string): Promise<StartFacts | null> {
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
  if (!info) return null;
  const ip = info.NetworkSettings.Networks[internalNetworkName(name)]?.IPAddress || null;
  if (ip) await ctx.store.putClient(name, ip);
  return { containerId: info.Id, pid: info.State.Pid, internalIp: ip };
}

function macTargets(vnics: PersistedVnic[], info: Docker.ContainerInspectInfo): MacTarget[] {
  return vnics
    .filter((v) => v._network_method === 'macvlan' && v.docker_network_name)
    .map((v) => {
      const ep = info.NetworkSettings.Networks[v.docker_network_name as string];
      return {
        vnic: v.name,
        requested: v.mac_address,
        dockerMac: ep?.MacAddress?.toLowerCase() || undefined,
        dockerIp: ep?.IPAddress || undefined,
        flush: v.network_mode === 'dhcp',
      };
    })
    .filter((t) => t.dockerMac !== undefined || t.dockerIp !== undefined);
}

/**
 * Step 2 of docs/protocol.md §6.3 / §5.13: measure each MACVLAN vNIC's MAC on the wire and set the requested one where the
 * engine ignored it. The requested `mac_address` is never replaced; the measurement is stored beside it.
 */
export async function enforceMacs(ctx: OrchestratorContext, name: string): Promise<void> {
  const key = `mac:${name}`;
  const verified = await enforceMacsOnce(ctx, name);
  if (verified) {
    if (ctx.retries.attempt(key) > 0) ctx.log.info('MACs verified on the wire after retrying', { vplc: name, retries: ctx.retries.attempt(key) });
    ctx.retries.done(key);
    return;
  }
  // Never given up on: a MAC the plant knows the PLC by (DHCP reservations, port security) must come back.
  ctx.retries.later(key, () => enforceMacs(ctx, name));
}

/** One attempt; true when every MACVLAN vNIC carries its requested MAC (or the vPLC is not running: nothing to do). */
async function enforceMacsOnce(ctx: OrchestratorContext, name: string): Promise<boolean> {
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
  if (!info?.State.Running) return true;
  const vnics = ctx.store.getVnics(name);
  const targets = macTargets(vnics, info);
  ctx.warnings.clearPrefix(name, 'mac:');
  let outcomes;
  try {
    outcomes = await enforceWireMacs(ctx.engine, await ctx.helper.image(), ctx.store.installationId, name, info.Id, targets);
  } catch (err) {
    ctx.warnings.set(name, 'mac:helper', `MACs could not be verified on the wire: ${(err as Error).message}; retrying`);
    ctx.log.warn('MAC verification failed', { vplc: name, err: (err as Error).message, retry: ctx.retries.attempt(`mac:${name}`) });
    return false;
  }
  return recordMacOutcomes(ctx, name, outcomes);
}

/**
 * Keeps what the helper measured beside each requested MAC and says, per vNIC, whether the requested one is on the
 * wire (a warning ending in "retrying" when not). True when every measured vNIC carries its requested MAC.
 */
export async function recordMacOutcomes(ctx: OrchestratorContext, name: string, outcomes: readonly MacOutcome[]): Promise<boolean> {
  let verified = true;
  for (const o of outcomes) {
    const v = ctx.store.getVnics(name).find((x) => x.name === o.vnic);
    if (!v) continue;
    // A per-vNIC patch, so lease fields written meanwhile are kept.
    if (o.wire && v._wire_mac_address !== o.wire) await ctx.store.patchVnic(name, o.vnic, { _wire_mac_address: o.wire });
    if (o.honoured) {
      ctx.warnings.clear(name, `mac:${o.vnic}`);
      continue;
    }
    verified = false;
    ctx.warnings.set(name, `mac:${o.vnic}`, `MAC ${o.requested} of vNIC '${o.vnic}' is not on the wire (measured ${o.wire ?? 'no interface'}); retrying`);
    ctx.log.warn('requested MAC not on the wire', { vplc: name, vnic: o.vnic, requested: o.requested, wire: o.wire ?? null });
  }
  return verified;
}

/** docs/protocol.md §6.3: after every start, best effort; failures become warnings. */
export async function reprovision(ctx: OrchestratorContext, name: string): Promise<void> {
  const facts = await refreshRegistry(ctx, name);
  if (!facts) return;
  // The container's /dev is new at each start: the serial ports' nodes are made again (never throws).
  await ctx.serialPorts.resyncHeld(name, 'started');
  await enforceMacs(ctx, name);
  // Back on the LAN: no implicit default route, and peers and switches learn the static addresses at once.
  await afterJoin(ctx, name, facts.containerId);
  // The veth of each WiFi vNIC died with the old network namespace.
  await configureWifiVnics(ctx, name, facts.containerId);
  ctx.warnings.clearPrefix(name, 'dhcp:');
  try {
    const warnings = [...(await ctx.dhcp.provision(name, facts.containerId)), ...(await ctx.wifiDhcp.provision(name, facts.containerId))];
    warnings.forEach((w, i) => ctx.warnings.set(name, `dhcp:${i}`, w));
  } catch (err) {
    ctx.warnings.set(name, 'dhcp:provision', `DHCP could not be started: ${(err as Error).message}`);
  }
}
