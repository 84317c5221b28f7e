import { refusal, type Refusal } from '../../../../shared/api/errors.js';
import { VplcSpec, type Requester } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import { findConflicts } from '../create/address-check.js';
import { dedicatedClaims, dedicatedConfigError, dedicatedRefusal, parentDedicatedRefusal, vnicParents, withDedicatedClaims } from '../dedicated/validate.js';
import { policyRefusal, validateConfig, type ResolvedVnic } from '../create/validate.js';
import { dockerMessage, OperationError } from '../docker/errors.js';
import { Label } from '../docker/labels.js';
import type { LinkFacts } from '../host/parent-policy.js';
import type { ChangeDecision } from '../plc/change-rule.js';
import { dependencyCycle } from '../lifecycle/dependencies.js';
import { expectedSpecHash, serialMajorsFor } from '../spec/expected-hash.js';
import { containerMajors } from '../serial/majors.js';
import { serialPortsRefusal, withSerialClaims } from '../serial/validate.js';
import type { DesiredRecord, PersistedVnic } from '../store/schemas.js';
import { isSerialPortChange } from '../../../../shared/domain/vplc-diff.js';
import { formatChange, inPlaceVnics, specDiff } from './diff.js';
import { applyInPlace } from './in-place.js';
import { saveEdit } from './save.js';
import { desiredSpec } from './serial-ports.js';

/** The answer to an edit: the stored change as a readable diff, and when it takes effect. */
export type EditAck =
  | {
      status: 'saved';
      diff: string[];
      /** `now`: applied (or being applied) already; `change-window`: waits for a stop or an explicit apply. */
      applies: 'now' | 'change-window' | 'unchanged';
      /** `same-container`: the vNIC is re-attached in place; `recreate`: the container is made again from the spec. */
      path: 'same-container' | 'recreate' | 'none';
      message: string;
    }
  | Refusal;

export type EditDeps = {
  ctx: OrchestratorContext;
  destructing: () => boolean;
  linkFacts: () => Promise<Map<string, LinkFacts>>;
  /** Runs a reconcile cycle soon (a change that applies now through a recreate). */
  reconcileSoon: () => void;
  /** The vPLC's change window before any confirm (plc/change-rule.ts); absent: only while it is stopped. */
  changeDecision?: (name: string, running: boolean) => ChangeDecision;
};

/** Fields that are the agent's policy, not the container's: changing only these touches nothing running. */
const POLICY_ONLY = new Set(['plcAwareChanges']);

/** A vNIC without a MAC of its own keeps the one it has (DHCP reservations and switch tables know it). */
export function withKeptMacs(spec: VplcSpec, persisted: readonly PersistedVnic[]): VplcSpec {
  return { ...spec, vnics: spec.vnics.map((v) => (v.mac ? v : { ...v, mac: persisted.find((p) => p.name === v.name)?.mac_address ?? v.mac })) };
}

const fieldOf = (text: string): string | undefined => /^((?:vnics\[\d+\]\.)?\w+): /.exec(text)?.[1];

async function macsOnParent(ctx: OrchestratorContext, parent: string, self: string): Promise<Set<string>> {
  const macs = await ctx.networks.dockerMacsOn(parent);
  for (const v of ctx.store.getVnics(self)) macs.delete(v.mac_address);
  for (const name of ctx.store.desiredNames()) {
    if (name === self) continue;
    for (const v of ctx.store.getVnics(name)) if (v.parent_interface === parent) macs.add(v.mac_address);
  }
  return macs;
}

/** The checks of a create, against this host, for the edited spec; the resolved vNICs or the refusal naming its field. */
async function checkAgainstHost(d: EditDeps, spec: VplcSpec, portsChanged: boolean, by: Requester): Promise<ResolvedVnic[] | Refusal> {
  const { ctx } = d;
  // Ports left as they are stay accepted even if a device plugged since makes their id ambiguous: the status says so.
  const serial = portsChanged ? serialPortsRefusal(ctx, spec, by) : null;
  if (serial) return serial;
  const ifaces = await ctx.interfaces.list();
  const facts = spec.vnics.length > 0 || spec.dedicatedInterface !== undefined ? await d.linkFacts() : new Map<string, LinkFacts>();
  const claims = dedicatedClaims(ctx);
  const own = ctx.store.getDedicated(spec.name) ?? ctx.store.getDesired(spec.name)?.spec?.dedicatedInterface;
  const check = { spec, interfaces: ifaces, facts, dedicated: claims, parents: vnicParents(ctx), allow: ctx.settings.parentPolicy.allow, ...(own ? { own } : {}) };
  // An edit answers at once (no validating_config to report to): the NIC's presence is checked here too.
  const config = dedicatedConfigError(spec, ifaces, own);
  const dedicated = dedicatedRefusal(check) ?? (config ? `dedicated_interface: ${config}` : null) ?? parentDedicatedRefusal(spec, claims);
  if (dedicated) return refusal('VALIDATION', `Validation error: ${dedicated}`, dedicated.startsWith('dedicated_interface') ? 'dedicatedInterface' : fieldOf(dedicated));
  const refused = policyRefusal(spec, ifaces, ctx.settings.parentPolicy, facts);
  if (refused) return refusal('VALIDATION', `Validation error: ${refused}`, fieldOf(refused));
  const cycle = dependencyCycle(spec.name, spec.dependsOn ?? [], (n) => ctx.store.getDesired(n)?.spec?.dependsOn ?? []);
  if (cycle) return refusal('VALIDATION', `depends_on would form a cycle: ${cycle.join(' → ')}`, 'dependsOn');
  try {
    return await validateConfig({ spec, interfaces: ifaces, macsOnParent: (p) => macsOnParent(ctx, p, spec.name) });
  } catch (err) {
    if (!(err instanceof OperationError)) throw err;
    const idx = spec.vnics.findIndex((v) => err.message.includes(`'${v.name}'`));
    return refusal('VALIDATION', `Validation error: ${err.message}`, idx >= 0 ? `vnics[${idx}]` : 'vnics');
  }
}

/** How long an edit waits behind short work on the vPLC (a serial port resync, a start's re-provisioning) before it refuses. */
const EDIT_WAITS_MS = 5_000;

async function busyRefusal(ctx: OrchestratorContext, name: string): Promise<Refusal | null> {
  const op = ctx.ops.inProgress(name);
  if (op) return refusal('CONFLICT', `vPLC ${name} has a ${op} operation in progress; edit it once that ends`);
  if (!(await ctx.exec.idle(name, EDIT_WAITS_MS))) return refusal('CONFLICT', `vPLC ${name} is being changed right now; try the edit again in a moment`);
  return null;
}

/**
 * `vplc:edit`: validates the new spec like a create against this host, keeps MACs unless changed, stores it as the
 * desired spec (atomically) and answers with the diff. Only static addressing changed on the same container: the vNIC
 * is re-attached in place, now when that disturbs nothing running (stopped, detached vNIC, `immediate`, a PLC program
 * that does not run). Anything else
 * is the reconciler's recreate, inside the change window (docs/editing.md).
 */
export function acceptEdit(d: EditDeps, name: string, input: unknown, by: Requester): Promise<EditAck> {
  // An edit naming serial ports checks its device claims and writes the record under the same lock as creates, so a
  // create and an edit arriving together cannot both take one device (docs/serial.md "Sharing a device").
  const ports = (input as { serialPorts?: unknown } | null)?.serialPorts;
  const claims = Array.isArray(ports) && ports.length > 0;
  // Likewise for a dedicated NIC and for vNIC parents (which no other vPLC may dedicate): check and record under one lock.
  const nic = (input as { dedicatedInterface?: unknown } | null)?.dedicatedInterface;
  const vnics = (input as { vnics?: unknown } | null)?.vnics;
  const nicClaims = typeof nic === 'string' || (Array.isArray(vnics) && vnics.length > 0);
  const edit = (): Promise<EditAck> => (nicClaims ? withDedicatedClaims(d.ctx, () => acceptEditUnlocked(d, name, input, by)) : acceptEditUnlocked(d, name, input, by));
  return claims ? withSerialClaims(d.ctx, edit) : edit();
}

async function acceptEditUnlocked(d: EditDeps, name: string, input: unknown, by: Requester): Promise<EditAck> {
  const { ctx } = d;
  if (d.destructing()) return refusal('CONFLICT', 'Self-destruct operation in progress');
  const parsed = VplcSpec.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('') || 'spec';
    return refusal('VALIDATION', `Validation error: ${path}: ${issue?.message ?? 'invalid'}`, path);
  }
  if (parsed.data.name !== name) return refusal('VALIDATION', `name: a vPLC cannot be renamed (${name} → ${parsed.data.name})`, 'name');
  const record = ctx.store.getDesired(name);
  if (!record?.spec || record.tombstone) return refusal('NOT_FOUND', `Device not found: ${name}`, 'name');
  const busy = await busyRefusal(ctx, name);
  if (busy) return busy;

  const persisted = ctx.store.getVnics(name);
  const before = withKeptMacs(desiredSpec(record) ?? record.spec, persisted);
  const spec = withKeptMacs(parsed.data, persisted);
  const changes = specDiff(before, spec);
  const diff = changes.map(formatChange);
  if (changes.length === 0) return { status: 'saved', diff, applies: 'unchanged', path: 'none', message: `Nothing to change in ${name}` };
  if (changes.every((c) => POLICY_ONLY.has(c.path))) {
    if (!(await ctx.exec.serial(name, () => saveEdit(ctx, name, spec, false)))) return gone(name);
    ctx.emit({ kind: 'changed', name, reason: 'edited' });
    ctx.log.info('vPLC edited (policy only)', { vplc: name, by, diff });
    return { status: 'saved', diff, applies: 'now', path: 'none', message: `Saved; the container of ${name} is not touched` };
  }
  const portsChanged = changes.some(isSerialPortChange);
  const resolved = await checkAgainstHost(d, spec, portsChanged, by);
  if (!Array.isArray(resolved)) return resolved;

  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
  const running = !!info?.State.Running;
  const inPlace = info ? inPlaceVnics(before, spec, changes) : null;
  // The PLC-aware rule (docs/plc.md "Changes only when the PLC allows"): a PLC program that does not run allows it too.
  const decision = running ? d.changeDecision?.(name, true) : undefined;
  const windowOpen = spec.changePolicy === 'immediate' || (decision?.allowed === true && spec.plcAwareChanges !== false);
  const detached = (vnic: string): boolean => {
    const p = persisted.find((x) => x.name === vnic);
    // A WiFi vNIC has no Docker network: its link to the LAN is its proxy-ARP bridge (docs/host-nics.md "WiFi vNICs").
    if (p?._network_method === 'proxy_arp') return !p._proxy_arp_config;
    const net = p?.docker_network_name;
    return !net || !info?.NetworkSettings.Networks[net];
  };
  const now = !running || windowOpen || (inPlace !== null && inPlace.every(detached));
  const portsNow = !running || windowOpen;

  // Serial ports are nodes the agent makes in the container: unless the container must allow a new device major,
  // changing them never recreates it, and on a running vPLC it still waits for the change window.
  const containerChanges = changes.filter((c) => !isSerialPortChange(c) && !POLICY_ONLY.has(c.path));
  if (portsChanged && containerChanges.length === 0 && !majorsChange(ctx, ctx.store.getDesired(name) ?? record, spec)) {
    return await savePortsOnly(d, { name, spec, portsNow, running, diff, by, ...(decision ? { held: decision.reason } : {}) });
  }

  if (inPlace && info && now) {
    const targets = resolved.filter((v) => inPlace.includes(v.name));
    if (running) {
      const statics = targets.map((v) => ({ vnic: v.name, parent: v.parentInterface, ip: v.ip ?? '', ownMac: v.requestedMac }));
      const held = await findConflicts(ctx, name, statics).catch((err: unknown) => {
        ctx.log.warn('edit: IP conflicts not checked', { vplc: name, err: dockerMessage(err) });
        return new Map<string, { ip: string; mac: string }>();
      });
      for (const [vnic, h] of held) {
        const i = spec.vnics.findIndex((v) => v.name === vnic);
        return refusal('CONFLICT', `vnics[${i}].ip: ${h.ip} is already used on the LAN by ${h.mac}`, `vnics[${i}].ip`);
      }
    }
    const busyNow = await busyRefusal(ctx, name);
    if (busyNow) return busyNow;
    const labelHash = info.Config.Labels?.[Label.specHash];
    let failure: string | null = null;
    const saved = await ctx.exec.serial(name, async () => {
      if (!(await saveEdit(ctx, name, spec, false))) return false;
      try {
        await applyInPlace(ctx, { vplc: name, containerId: info.Id, running, targets, by });
        const hash = expectedSpecHash(ctx, name);
        if (labelHash && hash) await ctx.store.patchDesired(name, { applied_in_place: { container_id: info.Id, label_hash: labelHash, spec_hash: hash } });
      } catch (err) {
        failure = dockerMessage(err);
      }
      return true;
    });
    if (!saved) return gone(name);
    ctx.emit({ kind: 'changed', name, reason: 'edited' });
    ctx.log.info('vPLC edited in place', { vplc: name, by, diff, failed: failure });
    if (failure) {
      // The spec is stored: the reconciler recreates the vPLC from it inside its change window.
      return { status: 'saved', diff, applies: running ? 'change-window' : 'now', path: 'recreate', message: `Saved; re-attaching on the same container failed (${failure}), so the change is applied by a recreate` };
    }
    return { status: 'saved', diff, applies: 'now', path: 'same-container', message: `Applied to ${name} on the same container (vNIC ${inPlace.join(', ')} re-attached)` };
  }

  if (!(await ctx.exec.serial(name, () => saveEdit(ctx, name, spec, portsNow)))) return gone(name);
  ctx.emit({ kind: 'changed', name, reason: 'edited' });
  ctx.log.info('vPLC edited', { vplc: name, by, diff, applies: now ? 'now' : 'change-window' });
  if (now) {
    d.reconcileSoon();
    return { status: 'saved', diff, applies: 'now', path: 'recreate', message: `Saved; ${name} is recreated from the new spec now (MACs kept)` };
  }
  return {
    status: 'saved',
    diff,
    applies: 'change-window',
    path: 'recreate',
    message: `Saved as a pending change of ${name}: ${decision ? decision.reason : 'it is applied when the vPLC is stopped or when you apply it now'} (applying it recreates the container, so the vPLC restarts)`,
  };
}

const sameSet = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x) => b.includes(x));

/**
 * The container made from `spec` would allow other device majors than the current one was created with (a new major,
 * or one no port needs any more): only a recreate changes them. The same comparison as the spec hash's
 * (spec/expected-hash.ts), so an edit called same-container never leaves a pending recreate behind.
 */
function majorsChange(ctx: OrchestratorContext, record: DesiredRecord, spec: VplcSpec): boolean {
  return !!record.spec && !sameSet(containerMajors(record.serial_majors), serialMajorsFor(ctx, record.serial_majors, spec));
}

/** The vPLC went (a delete) while the edit waited for it. */
const gone = (name: string): Refusal => refusal('NOT_FOUND', `Device not found: ${name}`, 'name');

type PortsOnly = { name: string; spec: VplcSpec; portsNow: boolean; running: boolean; diff: string[]; by: Requester; held?: string };

/**
 * An edit that changes only serial ports (and agent policy) on the same container: stored now when the vPLC is stopped
 * or its change window is open (the nodes then follow the stored ports), else kept pending for reconcile.
 */
async function savePortsOnly(d: EditDeps, e: PortsOnly): Promise<EditAck> {
  const { ctx } = d;
  if (!(await ctx.exec.serial(e.name, () => saveEdit(ctx, e.name, e.spec, e.portsNow)))) return gone(e.name);
  ctx.emit({ kind: 'changed', name: e.name, reason: 'edited' });
  ctx.log.info('vPLC serial ports edited', { vplc: e.name, by: e.by, diff: e.diff, applies: e.portsNow ? 'now' : 'change-window' });
  if (e.portsNow) {
    const message = e.running ? `Saved; the serial ports of ${e.name} are moved in its running container (no restart)` : `Saved; the serial ports of ${e.name} are made when it starts`;
    return { status: 'saved', diff: e.diff, applies: 'now', path: 'same-container', message };
  }
  // A cycle now lists the change among the vPLC's pending changes.
  d.reconcileSoon();
  return {
    status: 'saved',
    diff: e.diff,
    applies: 'change-window',
    path: 'same-container',
    message: `Saved as a pending change of ${e.name}: ${e.held ?? 'it is applied when the vPLC is stopped or when you apply it now'} (its serial ports are then moved in the same container; the vPLC does not restart)`,
  };
}
