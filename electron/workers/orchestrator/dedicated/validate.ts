import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import { FIXED_REFUSALS, matchesPattern } from '../../../../shared/domain/parent-policy.js';
import { KeyedLock } from '../../../lib/sync/keyed-lock.js';
import type { OrchestratorContext } from '../context.js';
import { pyList, visibleInterfaces } from '../create/validate.js';
import type { HostIface } from '../host/interfaces.js';
import type { LinkFacts } from '../host/parent-policy.js';

/** Who holds which NIC: a vPLC's dedicated NIC, or a vNIC parent of a vPLC. */
export type NicUse = { vplc: string; nic: string };

export type DedicatedCheck = {
  spec: VplcSpec;
  interfaces: readonly HostIface[];
  facts: ReadonlyMap<string, LinkFacts>;
  /** Dedicated NICs of other vPLCs: the file's entries and the specs of vPLCs not moved yet. */
  dedicated: readonly NicUse[];
  /** vNIC parents of other vPLCs. */
  parents: readonly NicUse[];
  /** The NIC this vPLC holds already (an edit keeping it): checked when it was given, and maybe inside it now. */
  own?: string;
  /** The local parent policy's allow-list: a NIC carrying host addresses may be given only when it is named there. */
  allow?: readonly string[] | undefined;
};

const FIELD = 'dedicated_interface';

/**
 * Why the request's dedicated NIC may not be given to it, field first, or null: the claims and the local policy
 * (docs/host-nics.md "Checks at create"), checked in the create's answer under the claim lock. A NIC that is absent,
 * WiFi or a parent of the request's own vNICs is left to `dedicatedConfigError` (`validating_config`). Pure.
 */
export function dedicatedRefusal(c: DedicatedCheck): string | null {
  const nic = c.spec.dedicatedInterface;
  if (nic === undefined || nic === c.own) return null;
  const owner = c.dedicated.find((d) => d.nic === nic && d.vplc !== c.spec.name);
  // Checked before presence: a NIC inside another vPLC is not on the host.
  if (owner) return `${FIELD}: ${nic} is already dedicated to container '${owner.vplc}'`;
  const other = c.parents.find((p) => p.nic === nic && p.vplc !== c.spec.name);
  if (other) return `${FIELD}: ${nic} is a vNIC parent of container '${other.vplc}'; a dedicated NIC cannot also carry vNICs`;
  const iface = c.interfaces.find((i) => i.name === nic);
  const fixed = FIXED_REFUSALS.find((p) => matchesPattern(nic, p));
  if (fixed !== undefined) return `${FIELD}: ${nic} can never be dedicated to a vPLC (it matches ${fixed})`;
  if (!iface || iface.type === 'wifi') return null;
  const kind = c.facts.get(nic)?.kind;
  if (kind === 'macvlan' || kind === 'macvtap') return `${FIELD}: ${nic} is a MACVLAN child interface; dedicate the port it sits on`;
  if (iface.gateway !== null) return `${FIELD}: ${nic} carries this host's default route (its uplink); dedicating it would cut the host off`;
  if (iface.ipv4.length > 0 && !c.allow?.includes(nic)) {
    const addrs = iface.ipv4.map((a) => a.address).join(', ');
    return `${FIELD}: ${nic} carries this host's address ${addrs}; dedicating it would cut the host off that network (name it in the parent policy's allow-list to allow it)`;
  }
  return null;
}

/**
 * The dedicated-NIC failures of `validating_config` (docs/protocol.md §5.11), in the protocol's words: the NIC is not
 * on the host, is WiFi, or is the parent of one of the request's vNICs. `own`: the NIC the vPLC holds already. Pure.
 */
export function dedicatedConfigError(spec: VplcSpec, interfaces: readonly HostIface[], own?: string): string | null {
  const nic = spec.dedicatedInterface;
  if (nic === undefined || nic === own) return null;
  const iface = interfaces.find((i) => i.name === nic);
  if (!iface) return `Interface '${nic}' not found on host. Available interfaces: ${pyList(visibleInterfaces([...interfaces]))}`;
  if (iface.type === 'wifi') return `Interface '${nic}' is a WiFi interface; only a wired Ethernet port can be dedicated to a vPLC`;
  const i = spec.vnics.findIndex((v) => v.parentInterface === nic);
  if (i >= 0) return `Interface '${nic}' is the parent_interface of vNIC '${spec.vnics[i]?.name ?? ''}'; a dedicated NIC cannot also carry vNICs`;
  return null;
}

/** The reverse rule: no vNIC of the request may sit on a NIC dedicated to another vPLC. Pure. */
export function parentDedicatedRefusal(spec: VplcSpec, dedicated: readonly NicUse[]): string | null {
  for (const [i, v] of spec.vnics.entries()) {
    const owner = dedicated.find((d) => d.nic === v.parentInterface && d.vplc !== spec.name);
    if (owner) return `vnics[${i}].parent_interface: ${v.parentInterface} is already dedicated to container '${owner.vplc}'`;
  }
  return null;
}

/** Dedicated NICs claimed now: the file's entries and every live desired spec that names one. */
export function dedicatedClaims(ctx: Pick<OrchestratorContext, 'store'>): NicUse[] {
  const out: NicUse[] = ctx.store.dedicatedEntries().map(([vplc, nic]) => ({ vplc, nic }));
  for (const vplc of ctx.store.desiredNames()) {
    const d = ctx.store.getDesired(vplc);
    const nic = d?.spec?.dedicatedInterface;
    if (d && !d.tombstone && nic && !out.some((u) => u.vplc === vplc && u.nic === nic)) out.push({ vplc, nic });
  }
  return out;
}

/** vNIC parents of every known vPLC: the persisted vNICs and the desired specs (a create not at its networks yet). */
export function vnicParents(ctx: Pick<OrchestratorContext, 'store'>): NicUse[] {
  const out: NicUse[] = [];
  for (const vplc of ctx.store.desiredNames()) {
    const d = ctx.store.getDesired(vplc);
    if (d?.tombstone) continue;
    for (const v of d?.spec?.vnics ?? []) out.push({ vplc, nic: v.parentInterface });
    for (const v of ctx.store.getVnics(vplc)) out.push({ vplc, nic: v.parent_interface });
  }
  return out;
}

const claimLocks = new WeakMap<object, KeyedLock>();

/**
 * Runs `fn` alone among the dedicated-NIC claims of this orchestrator: a create checks the claims and writes the desired
 * record that makes its own claim visible inside one `fn`, so of two creates for one NIC exactly one passes.
 */
export function withDedicatedClaims<T>(ctx: Pick<OrchestratorContext, 'store'>, fn: () => Promise<T>): Promise<T> {
  let lock = claimLocks.get(ctx.store);
  if (!lock) {
    lock = new KeyedLock();
    claimLocks.set(ctx.store, lock);
  }
  return lock.run('dedicated', fn);
}
