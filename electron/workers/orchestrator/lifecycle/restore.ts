import type Docker from 'dockerode';
import type { OrchestratorContext } from '../context.js';
import { ownLabels } from '../docker/labels.js';
import { dropDefaultRoutesScript, implicitRouteIps } from '../net/implicit-route.js';
import { enforceScript, enforceWireMacs, parseLinks, type MacOutcome, type MacTarget, type WireLink } from '../net/wire-mac.js';
import type { PersistedVnic } from '../store/schemas.js';
import { enforceMacs, recordMacOutcomes } from './reprovision.js';
import { restoreDhcpClients } from './restore-dhcp.js';
import { configureWifiVnics } from '../wifi/provision.js';

/** The separator `enforceScript` prints between its sections (net/wire-mac.ts). */
const SEP = '--vplc-orchestrator--';

type Measured = { vnic: string; requested: string; link: WireLink | null };

/**
 * Finds each MACVLAN vNIC's interface in the measured links: by its requested MAC, else by a MAC or an address it is
 * known to have had (Docker's endpoint, the last measurement, its static IP or its lease), so a MAC changed while no
 * agent ran is still found.
 */
export function locateVnics(vnics: readonly PersistedVnic[], info: Docker.ContainerInspectInfo, links: readonly WireLink[]): Measured[] {
  const out: Measured[] = [];
  for (const v of vnics) {
    if (v._network_method !== 'macvlan' || !v.docker_network_name) continue;
    const ep = info.NetworkSettings.Networks[v.docker_network_name];
    if (!ep) continue; // detached: re-attachment owns it
    const exact = links.find((l) => l.mac === v.mac_address);
    if (exact) {
      out.push({ vnic: v.name, requested: v.mac_address, link: exact });
      continue;
    }
    const macs = [ep.MacAddress?.toLowerCase(), v._wire_mac_address].filter((m): m is string => !!m);
    const ips = [v.network_mode === 'static' ? (v.ip ?? ep.IPAddress) : v.dhcp_ip].filter((a): a is string => !!a);
    const link = links.find((l) => macs.includes(l.mac)) ?? links.find((l) => l.ipv4.some((a) => ips.includes(a))) ?? null;
    out.push({ vnic: v.name, requested: v.mac_address, link });
  }
  return out;
}

const asOutcome = (m: Measured): MacOutcome => ({
  vnic: m.vnic,
  requested: m.requested,
  wire: m.link?.mac ?? null,
  honoured: m.link?.mac === m.requested,
  ifname: m.link?.ifname ?? null,
  ipv4: m.link?.ipv4 ?? [],
});

/**
 * One helper run in the vPLC's namespace: removes Docker's default route from static vNICs without a gateway, then
 * lists the links and addresses. Where a vNIC's MAC differs from the requested one, it is set again through the
 * enforce path (a second, short helper run, only then) and a warning says so.
 */
async function restoreWire(ctx: OrchestratorContext, name: string, info: Docker.ContainerInspectInfo): Promise<void> {
  const vnics = ctx.store.getVnics(name);
  const routeIps = implicitRouteIps(vnics);
  const macvlan = vnics.filter((v) => v._network_method === 'macvlan' && v.docker_network_name && info.NetworkSettings.Networks[v.docker_network_name]);
  ctx.warnings.clearPrefix(name, 'mac:');
  ctx.warnings.clearPrefix(name, 'route:');
  if (macvlan.length === 0 && routeIps.length === 0) return;
  let links: WireLink[];
  try {
    const script = [...(routeIps.length ? [dropDefaultRoutesScript(routeIps)] : []), enforceScript([])].join('\n');
    const r = await ctx.engine.runInNetns(info.Id, await ctx.helper.image(), script, ownLabels(ctx.store.installationId, 'helper', { vplc: name }));
    const parts = r.stdout.split(`${SEP}\n`);
    if (r.exitCode !== 0 || parts.length < 3) throw new Error(`helper failed (exit ${r.exitCode}): ${r.stderr.trim() || r.stdout.trim()}`);
    links = parseLinks(parts[1] ?? '', parts[2] ?? '');
  } catch (err) {
    const msg = (err as Error).message;
    if (routeIps.length) ctx.warnings.set(name, 'route:helper', `The default route Docker adds to a static vNIC without a gateway could not be removed: ${msg}`);
    ctx.log.warn('restore: MACs and routes could not be checked; retrying the MAC check', { vplc: name, err: msg });
    // The re-provision path measures and retries with backoff until it succeeds.
    ctx.retries.later(`mac:${name}`, () => enforceMacs(ctx, name));
    ctx.warnings.set(name, 'mac:helper', `MACs could not be verified on the wire after the agent started: ${msg}; retrying`);
    return;
  }

  const measured = locateVnics(macvlan, info, links);
  const wrong = measured.filter((m) => m.link && m.link.mac !== m.requested);
  const outcomes = measured.filter((m) => !wrong.includes(m)).map(asOutcome);
  if (wrong.length) {
    const targets: MacTarget[] = wrong.map((m) => ({ vnic: m.vnic, requested: m.requested, dockerMac: m.link?.mac }));
    try {
      const fixed = await enforceWireMacs(ctx.engine, await ctx.helper.image(), ctx.store.installationId, name, info.Id, targets);
      outcomes.push(...fixed);
      for (const o of fixed) {
        const was = wrong.find((m) => m.vnic === o.vnic)?.link?.mac;
        if (!o.honoured || !was) continue;
        // Repaired, so no warning (a warning makes the vPLC degraded): the log keeps what was found, for the engineer.
        ctx.log.warn(`vNIC '${o.vnic}' had MAC ${was} on the wire instead of ${o.requested} when the agent started; the requested MAC was set again`, { vplc: name, vnic: o.vnic, found: was, requested: o.requested });
      }
    } catch (err) {
      ctx.log.warn('restore: a MAC that differs could not be set', { vplc: name, err: (err as Error).message });
      outcomes.push(...wrong.map(asOutcome));
    }
  }
  if (!(await recordMacOutcomes(ctx, name, outcomes))) ctx.retries.later(`mac:${name}`, () => enforceMacs(ctx, name));
}

/**
 * A vPLC that already runs when the agent starts (boot sync, after adoption): nothing restarts or reconnects it. Its
 * MACs are measured (and set only where they differ), Docker's implicit default routes removed, and every DHCP vNIC
 * gets a client again. Warnings restored from the file are rewritten by these checks. Never throws.
 *
 * Always measured, never skipped on the strength of the stored record: the record says what the last agent saw, not
 * what a person or a restart of the container changed since; one short helper per vPLC is the price.
 */
export async function restoreRunning(ctx: OrchestratorContext, name: string): Promise<void> {
  try {
    await ctx.fault('restore-running', name);
    const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
    if (!info?.State.Running) return;
    await restoreWire(ctx, name, info);
    await restoreDhcpClients(ctx, name, info.Id);
    await configureWifiVnics(ctx, name, info.Id);
  } catch (err) {
    ctx.log.warn('restore of a running vPLC failed', { vplc: name, err: (err as Error).message });
    ctx.warnings.set(name, 'reprovision', `The running vPLC could not be checked after the agent started: ${(err as Error).message}`);
  }
}
