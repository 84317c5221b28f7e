import type { CreateStep } from '../../../../shared/domain/operations.js';
import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { StepActor } from '../exec/steps.js';
import { dockerMessage, OperationError } from '../docker/errors.js';
import type { HostIface } from '../host/interfaces.js';
import { enforceMacs, refreshRegistry } from '../lifecycle/reprovision.js';
import { dnsUnion, specHash } from '../spec/container-spec.js';
import { containerMajors, majorsPerPort } from '../serial/majors.js';
import { candidatesOf } from '../serial/match.js';
import type { PersistedVnic } from '../store/schemas.js';
import { checkStaticAddresses } from './address-check.js';
import { afterJoinInBackground } from '../net/after-join.js';
import { createAndStart } from './container.js';
import { ensureRuntimeImage, pinnedRuntimeImage } from './image.js';
import { rollbackCreate, type Created } from './rollback.js';
import { resolveVnicSubnet, validateConfig, type ResolvedVnic } from './validate.js';
import { dedicatedConfigError } from '../dedicated/validate.js';
import { configureWifiVnics, keepBridgeRecord, sharedWifiParents } from '../wifi/provision.js';

export type RuntimeProbe = (vplc: string, ip: string) => Promise<boolean>;

const SUBNET_WAIT_MS = 3_000;
/**
 * How long a create waits for its DHCP leases once the clients run (within the runtime budget): one whole discover
 * cycle of the client (3 discovers, 3 s apart) plus a slow server. A lease that comes later still makes the vPLC
 * healthy; the create just ends "created with problems" instead of staying in progress for the whole budget.
 */
export const CREATE_LEASE_WAIT_MS = 15_000;
const SUBNET_POLL_MS = 500;

/** Interfaces, polling every 0.5 s for up to 3 s while a vNIC's parent has no subnet yet (docs/protocol.md §5.4 rule 5). */
async function interfacesWithSubnets(ctx: OrchestratorContext, spec: VplcSpec): Promise<HostIface[]> {
  const deadline = ctx.clock.monotonic() + SUBNET_WAIT_MS;
  for (;;) {
    const ifaces = await ctx.interfaces.list();
    const byName = new Map(ifaces.map((i) => [i.name, i]));
    const missing = spec.vnics.some((v) => byName.has(v.parentInterface) && !resolveVnicSubnet(v, byName.get(v.parentInterface)).subnet);
    if (!missing || ctx.clock.monotonic() >= deadline) return ifaces;
    await sleep(SUBNET_POLL_MS);
  }
}

function toPersisted(v: ResolvedVnic): PersistedVnic {
  return {
    name: v.name,
    parent_interface: v.parentInterface,
    network_mode: v.mode,
    ...(v.mode === 'static' && v.ip ? { ip: v.ip } : {}),
    ...(v.resolvedSubnet ? { subnet: v.resolvedSubnet } : v.subnet ? { subnet: v.subnet } : {}),
    ...(v.resolvedGateway ? { gateway: v.resolvedGateway } : {}),
    ...(v.dns.length ? { dns: v.dns } : {}),
    ...(v.mac ? { mac: v.mac } : {}),
    _interface_type: v.wifi ? 'wifi' : 'ethernet',
    _is_wifi: v.wifi,
    _network_method: v.wifi ? 'proxy_arp' : 'macvlan',
    mac_address: v.requestedMac,
  };
}

/** MACs on a parent: Docker's records plus our own requested MACs (Docker's record can differ below API 1.44). */
async function macsOnParent(ctx: OrchestratorContext, parent: string, self?: string): Promise<Set<string>> {
  const macs = await ctx.networks.dockerMacsOn(parent);
  for (const name of ctx.store.desiredNames()) {
    if (name === self) continue;
    for (const v of ctx.store.getVnics(name)) if (v.parent_interface === parent) macs.add(v.mac_address);
  }
  return macs;
}

/** A recreated vPLC keeps the MACs it had (DHCP reservations and switch tables know them). */
function withPreviousMacs(spec: VplcSpec, previous: PersistedVnic[]): VplcSpec {
  return { ...spec, vnics: spec.vnics.map((v) => (v.mac ? v : { ...v, mac: previous.find((p) => p.name === v.name)?.mac_address ?? v.mac })) };
}

/**
 * docs/protocol.md §5.7. Steps 1-4 (through container start) roll back on failure; later failures keep the container and
 * are reported. `success` (the cleared operation state) comes only once the runtime API answers.
 */
export async function runCreate(
  ctx: OrchestratorContext,
  spec: VplcSpec,
  opId: string,
  requestedBy: StepActor,
  probe: RuntimeProbe,
  /** `by`: the actor its Docker steps are logged under when it is not the requester (reconcile, update). */
  options: { recreate?: boolean; image?: string; by?: StepActor } = {},
): Promise<void> {
  const name = spec.name;
  const by = options.by ?? requestedBy;
  const created: Created = { lanNetworks: [] };
  const startedAt = new Date().toISOString();
  const journal = (step: string, pastStart = false): Promise<void> =>
    ctx.store.putJournal(name, {
      op_id: opId,
      operation: 'create',
      step,
      started_at: startedAt,
      requested_by: requestedBy,
      created: { container: created.container, internal_network: created.internalNetwork, lan_networks: created.lanNetworks },
      past_start: pastStart,
    });
  const step = async (s: CreateStep): Promise<void> => {
    ctx.ops.setStep(name, s);
    ctx.emit({ kind: 'changed', name, reason: s });
    await journal(s);
    await ctx.fault(s, name);
  };

  let containerId: string;
  // A vPLC the user stopped stays stopped through a recreate (an edit, a drift repair): its new container is not started.
  const leftStopped = options.recreate === true && ctx.store.getDesired(name)?.desired_state === 'stopped';
  // The ARP probe runs beside the first steps; a failure elsewhere waits for it, so no helper of ours outlives the rollback.
  let addressesFree: Promise<void> = Promise.resolve();
  let runtimeIp: string;
  const holds: Array<() => void> = [];
  const releaseHolds = (): void => holds.splice(0).forEach((release) => release());
  try {
    await step('validating_config');
    const interfaces = await interfacesWithSubnets(ctx, spec);
    const recreate = options.recreate === true;
    // A recreate's NIC was checked when given; absent now it is the NIC's `missing` state, not a config error.
    const dedicated = recreate ? null : dedicatedConfigError(spec, interfaces);
    if (dedicated) throw new OperationError(dedicated, 'validating_config');
    const vnics = await validateConfig({
      spec: recreate ? withPreviousMacs(spec, ctx.store.getVnics(name)) : spec,
      interfaces,
      macsOnParent: (p) => macsOnParent(ctx, p, recreate ? name : undefined),
    });
    // A recreate keeps the record of a bridge still on the host, so its next build reuses or removes it.
    const persisted = vnics.map(toPersisted).map((v) => keepBridgeRecord(v, recreate ? ctx.store.getVnics(name) : []));
    await ctx.store.putVnics(name, persisted);
    const shared = sharedWifiParents(persisted);
    if (shared) ctx.warnings.set(name, 'wifishare', shared);
    // Overlaps the image, network and container-create steps; awaited before the container starts and joins the LAN.
    addressesFree = checkStaticAddresses(ctx, name, vnics);
    addressesFree.catch(() => undefined);

    await step('pulling_image');
    const image = options.image
      ? await pinnedRuntimeImage(ctx.engine, options.image)
      : await ensureRuntimeImage(ctx.engine, ctx.settings.runtimeRepo, spec.runtimeVersion, ctx.settings.pullStallMs, (p) => ctx.ops.setPullProgress(name, p));
    if (image.warning) ctx.warnings.set(name, 'image', image.warning);

    await step('creating_networks');
    const internal = await ctx.networks.ensureInternal(name, opId, by);
    if (internal.created) created.internalNetwork = internal.id;
    runtimeIp = internal.runtimeIp;
    await ctx.store.patchDesired(name, { internal_subnet: internal.subnet, runtime_image: image.image });
    const lans = [];
    for (const [i, v] of vnics.entries()) {
      if (v.wifi) continue; // bridged with proxy ARP after the start: no Docker network
      if (!v.resolvedSubnet) {
        throw new OperationError(
          `Could not detect subnet for interface ${v.parentInterface}. Give vNIC '${v.name}' a subnet (CIDR) or bring the interface up with an IPv4 address.`,
          'creating_networks',
        );
      }
      const lan = await ctx.networks.ensureLan(v.parentInterface, v.resolvedSubnet, v.resolvedGateway, opId, by);
      holds.push(ctx.networks.hold(lan.id));
      if (lan.created) created.lanNetworks.push(lan.id);
      (persisted[i] as PersistedVnic).docker_network_name = lan.name;
      lans.push({ network: lan.name, mac: v.requestedMac, ...(v.mode === 'static' && v.ip ? { ip: v.ip } : {}) });
      await journal('creating_networks');
    }
    await ctx.store.putVnics(name, persisted);

    await step('creating_container');
    const macs = Object.fromEntries(vnics.map((v) => [v.name, v.requestedMac]));
    const serialMajors = majorsPerPort(spec.serialPorts ?? [], ctx.store.getDesired(name)?.serial_majors ?? {}, candidatesOf(ctx.serial.current()));
    await ctx.store.patchDesired(name, { serial_majors: serialMajors });
    const allowedMajors = containerMajors(serialMajors);
    const started = await createAndStart(
      ctx,
      { name, image: image.image, internal: { network: internal.name, runtimeIp }, lans, dns: dnsUnion(spec), ...(spec.quotas ? { quotas: spec.quotas } : {}), ...(ctx.settings.caBundle ? { caBundleFile: ctx.settings.caBundle.file } : {}), serialMajors: allowedMajors, dedicatedNic: spec.dedicatedInterface !== undefined, op: opId, by, start: !leftStopped, specHash: (u) => specHash(spec, image.image, u, macs, ctx.settings.caBundle?.sha256, allowedMajors) },
      async (id) => {
        created.container = id;
        await journal('creating_container');
      },
      addressesFree,
    );
    containerId = started.containerId;
    releaseHolds();
    await ctx.store.patchDesired(name, { degraded_ulimits: !started.withUlimits });
    await ctx.fault('after-start', name);
  } catch (err) {
    await addressesFree.catch(() => undefined);
    const message = err instanceof OperationError ? err.message : dockerMessage(err);
    ctx.log.warn('create failed; rolling back', { vplc: name, op: opId, err: message });
    releaseHolds();
    const incomplete = await rollbackCreate(ctx, name, created, { opId, by, keepRecords: options.recreate === true });
    ctx.ops.setError(name, incomplete.length ? `${message} (cleanup incomplete: ${incomplete.join('; ')})` : message, 'create');
    ctx.emit({ kind: 'changed', name, reason: 'create-failed' });
    return;
  }
  const pastStart = (): Promise<void> => journal(ctx.ops.get(name)?.step ?? 'creating_container', true);
  if (leftStopped) return finishStopped(ctx, name, pastStart);
  await finishAfterStart(ctx, name, containerId, runtimeIp, probe, pastStart);
}

/**
 * A recreate of a vPLC the user stopped ends with the container created and stopped: its PLC program must not run
 * again on its own (a start re-provisions MACs, leases and serial nodes as any start does).
 */
async function finishStopped(ctx: OrchestratorContext, name: string, markPastStart: () => Promise<void>): Promise<void> {
  try {
    await markPastStart();
    await ctx.dedicatedNics.afterCreate(name, false);
    ctx.usage.register(name);
    ctx.ops.finish(name);
  } catch (err) {
    ctx.ops.setError(name, (err as Error).message, 'create');
  }
  await ctx.store.dropJournal(name).catch(() => undefined);
  ctx.emit({ kind: 'changed', name, reason: 'created' });
}

/** Steps 5-10: bookkeeping, MACs on the wire, DHCP, then wait for the runtime API. Nothing here rolls back. */
export async function finishAfterStart(
  ctx: OrchestratorContext,
  name: string,
  containerId: string,
  runtimeIp: string,
  probe: RuntimeProbe,
  markPastStart: () => Promise<void>,
): Promise<void> {
  const startedMs = ctx.clock.monotonic();
  try {
    await markPastStart();
    await ctx.serialPorts.resyncHeld(name, 'container started'); // serial nodes now, not after the runtime answers (docs/serial.md "Device nodes")
    ctx.usage.register(name);
    await refreshRegistry(ctx, name);
    // MACs are verified while the runtime boots; the helper and the runtime do not wait for each other.
    const macs = enforceMacs(ctx, name).catch((err: unknown) => ctx.warnings.set(name, 'mac:helper', `MACs could not be verified on the wire: ${(err as Error).message}`));
    // With its MAC in place: no implicit default route, and each static address announced so peers learn it at once.
    // `success` does not wait for this one (about 0.2 s; never throws): MACs, leases and the runtime are what it reports.
    afterJoinInBackground(ctx, name, containerId, macs);

    // The MAC step flushes Docker's address from DHCP vNICs; it must finish before a DHCP client may bind.
    if (ctx.store.getVnics(name).some((v) => v.network_mode === 'dhcp')) await macs;
    ctx.ops.setStep(name, 'starting_dhcp');
    ctx.warnings.clearPrefix(name, 'dhcp:');
    const dhcpWarnings = await ctx.dhcp.provision(name, containerId).catch((err: unknown) => [`DHCP could not be started: ${(err as Error).message}`]);
    dhcpWarnings.push(...(await ctx.wifiDhcp.provision(name, containerId).catch((err: unknown) => [`WiFi DHCP could not be started: ${(err as Error).message}`])));
    dhcpWarnings.forEach((w, i) => ctx.warnings.set(name, `dhcp:${i}`, w));
    if (ctx.store.getVnics(name).some((v) => v._network_method === 'proxy_arp')) ctx.ops.setStep(name, 'configuring_wifi_vnics');
    await configureWifiVnics(ctx, name, containerId);
    // Saved first, then moved; a failure is the NIC's error state and a warning, never the create's (docs/host-nics.md).
    if (ctx.dedicatedNics.target(name)) ctx.ops.setStep(name, 'moving_dedicated_nic');
    await ctx.dedicatedNics.afterCreate(name, true);
    const leaseDeadline = ctx.clock.monotonic() + CREATE_LEASE_WAIT_MS;

    ctx.ops.setStep(name, 'waiting_for_runtime');
    ctx.emit({ kind: 'changed', name, reason: 'waiting_for_runtime' });
    let answered = false;
    // The leases are waited for too (a create ticks its DHCP step only once a lease is in), for CREATE_LEASE_WAIT_MS.
    const leasesPending = (): boolean => missingLeases(ctx, name).length > 0 && ctx.clock.monotonic() < leaseDeadline;
    while ((!answered || leasesPending()) && !ctx.shutdown.aborted && ctx.clock.monotonic() - startedMs < ctx.settings.runtimeWaitMs) {
      if (!answered) answered = await probe(name, runtimeIp);
      if (!answered || leasesPending()) await sleep(200, ctx.shutdown).catch(() => undefined);
    }
    if (ctx.shutdown.aborted && !answered) {
      // The agent is stopping: the journal keeps this create, and the next start finishes it.
      await macs;
      return;
    }
    await macs;
    if (!answered) {
      const secs = Math.round(ctx.settings.runtimeWaitMs / 1000);
      ctx.ops.setError(name, `runtime API not answering after ${secs} s; the container is kept for inspection`, 'create');
    } else {
      const problems = createProblems(ctx, name);
      ctx.ops.finishWithProblems(name, problems);
      if (problems.length) ctx.log.warn('created with problems', { vplc: name, problems });
    }
  } catch (err) {
    ctx.ops.setError(name, (err as Error).message, 'create');
  }
  await ctx.store.dropJournal(name).catch(() => undefined);
  ctx.emit({ kind: 'changed', name, reason: 'created' });
}

/** The DHCP vNICs of a vPLC that hold no lease yet. */
function missingLeases(ctx: OrchestratorContext, name: string): string[] {
  return ctx.store
    .getVnics(name)
    .filter((v) => v.network_mode === 'dhcp' && !v.dhcp_ip)
    .map((v) => v.name);
}

/** What a create whose runtime answers could not verify: leases not obtained within the wait, MACs not on the wire. */
function createProblems(ctx: OrchestratorContext, name: string): string[] {
  const keyed = ctx.warnings.snapshot()[name] ?? {};
  const secs = Math.round(Math.min(CREATE_LEASE_WAIT_MS, ctx.settings.runtimeWaitMs) / 1000);
  const leases = missingLeases(ctx, name).map((vnic) => {
    const why = keyed[`dhcplease:${vnic}`] ?? Object.entries(keyed).find(([k, t]) => k.startsWith('dhcp:') && t.includes(`'${vnic}'`))?.[1];
    return `no DHCP lease on vNIC '${vnic}' within ${secs} s: ${why ?? 'no DHCP server answered'}`;
  });
  const macs = Object.entries(keyed)
    .filter(([k]) => k.startsWith('mac:'))
    .map(([, t]) => t);
  return [...leases, ...macs];
}
