import type Docker from 'dockerode';
import type { OrchestratorContext } from '../context.js';
import { ownFilter, Label } from '../docker/labels.js';
import { ENTRY_SCRIPT, LEASE_SCRIPT } from '../dhcp/script.js';
import type { PersistedVnic } from '../store/schemas.js';

const isDhcpMacvlan = (v: PersistedVnic): boolean => v.network_mode === 'dhcp' && v._network_method === 'macvlan' && !!v.docker_network_name;

/**
 * Whether a DHCP helper serves this vNIC as the running agent would start it: running in the vPLC's current namespace,
 * from the current helper image, with the current entry and lease scripts and looking for the requested MAC.
 */
export function helperIsCurrent(info: Docker.ContainerInspectInfo, containerId: string, imageId: string, v: PersistedVnic): boolean {
  const env = info.Config.Env ?? [];
  const macs = env.find((e) => e.startsWith('VPLC_MACS='))?.slice('VPLC_MACS='.length).split(' ') ?? [];
  const cmd = info.Config.Cmd ?? [];
  return (
    info.State.Running &&
    info.HostConfig.NetworkMode === `container:${containerId}` &&
    info.Image === imageId &&
    cmd.length === 3 &&
    cmd[2] === ENTRY_SCRIPT &&
    env.includes(`VPLC_LEASE_SCRIPT=${LEASE_SCRIPT}`) &&
    macs.includes(v.mac_address)
  );
}

/**
 * The DHCP vNICs of a running vPLC that have no current client: the helper was removed or died while no agent ran,
 * or it runs an older image or spec. Helpers that adoption left running and current are not touched.
 */
export async function dhcpVnicsWithoutClient(ctx: OrchestratorContext, name: string, containerId: string): Promise<string[]> {
  const vnics = ctx.store.getVnics(name).filter(isDhcpMacvlan);
  if (vnics.length === 0) return [];
  const list = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'dhcp', name) });
  const imageId = (await ctx.engine.docker.getImage(await ctx.helper.image()).inspect()).Id;
  const missing: string[] = [];
  for (const v of vnics) {
    const candidates = list.filter((c) => c.Labels?.[Label.vnic] === v.name && c.State === 'running');
    let current = false;
    for (const c of candidates) {
      const info = await ctx.engine.docker
        .getContainer(c.Id)
        .inspect()
        .catch(() => null);
      if (info && helperIsCurrent(info, containerId, imageId, v)) current = true;
    }
    if (!current) missing.push(v.name);
  }
  return missing;
}

/**
 * Every DHCP vNIC of a running vPLC gets a client: the missing or outdated ones are started (the provisioner replaces
 * any helper left for the vNIC). `dhcp:*` warnings are rewritten from the result, so a stale one from before the
 * restart goes away once the client runs.
 */
export async function restoreDhcpClients(ctx: OrchestratorContext, name: string, containerId: string): Promise<void> {
  ctx.warnings.clearPrefix(name, 'dhcp:');
  try {
    const missing = await dhcpVnicsWithoutClient(ctx, name, containerId);
    if (missing.length === 0) return;
    ctx.log.info('restore: starting the DHCP clients missing or outdated since the previous agent', { vplc: name, vnics: missing });
    // A new client flushes the address before it asks: until it binds, the recorded lease is not in place.
    for (const vnic of missing) await ctx.store.patchVnic(name, vnic, { dhcp_ip: undefined, dhcp_gateway: undefined });
    const warnings = await ctx.dhcp.provision(name, containerId, missing);
    warnings.forEach((w, i) => ctx.warnings.set(name, `dhcp:${i}`, w));
  } catch (err) {
    ctx.warnings.set(name, 'dhcp:provision', `DHCP clients could not be checked after the agent started: ${(err as Error).message}`);
  }
}
