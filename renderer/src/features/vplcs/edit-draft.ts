import type { z } from 'zod';
import { VplcSpec } from '../../../../shared/domain/vplc';
import { formatChange, specDiff } from '../../../../shared/domain/vplc-diff';
import { serialDiff, serialDraftOf } from '../serial/serial-draft';
import { checkDraft, type Draft, type FieldErrors, type HostInterface } from './draft';

/** What the edit form adds to the create form's draft: quotas, as typed. */
export type EditDraft = { draft: Draft; cpus: string; memoryMb: string };

/** Subnet and gateway the form filled in from the interface where the stored spec had none (not sent unless changed). */
export type Prefilled = Array<{ subnet: string; gateway: string }>;

/** The form's starting point: the stored spec, with a missing subnet or gateway shown as the parent's current one. */
export function draftOf(spec: VplcSpec, ifaces: HostInterface[]): { edit: EditDraft; prefilled: Prefilled } {
  const prefilled: Prefilled = [];
  const vnics = spec.vnics.map((v, i) => {
    const iface = ifaces.find((x) => x.name === v.parentInterface);
    prefilled[i] = { subnet: v.subnet ? '' : (iface?.ipv4[0]?.subnet ?? ''), gateway: v.gateway ? '' : (iface?.gateway ?? '') };
    return {
      parentInterface: v.parentInterface,
      mode: v.mode,
      ip: v.ip ?? '',
      subnet: v.subnet ?? prefilled[i].subnet,
      gateway: v.gateway ?? prefilled[i].gateway,
      mac: v.mac ?? '',
      dns: v.dns.join(', '),
    };
  });
  return {
    edit: { draft: { name: spec.name, runtimeVersion: spec.runtimeVersion, vnics, serialPorts: (spec.serialPorts ?? []).map(serialDraftOf) }, cpus: spec.quotas?.cpus?.toString() ?? '', memoryMb: spec.quotas?.memoryMb?.toString() ?? '' },
    prefilled,
  };
}

function quotasOf(e: EditDraft, errors: FieldErrors): VplcSpec['quotas'] {
  const cpus = e.cpus.trim() ? Number(e.cpus) : undefined;
  const memoryMb = e.memoryMb.trim() ? Number(e.memoryMb) : undefined;
  if (cpus !== undefined && !(cpus > 0 && cpus <= 1024)) errors['quotas.cpus'] = 'A CPU share is a number above 0, for example 0.5 or 2.';
  if (memoryMb !== undefined && !(Number.isInteger(memoryMb) && memoryMb >= 32)) errors['quotas.memoryMb'] = 'Memory is a whole number of MB, at least 32.';
  return cpus === undefined && memoryMb === undefined ? undefined : { ...(cpus !== undefined ? { cpus } : {}), ...(memoryMb !== undefined ? { memoryMb } : {}) };
}

/**
 * The full new spec the form stands for, checked like the create form, or the field errors. vNICs keep their stored
 * names; a subnet or gateway the form only prefilled is left out, as in the stored spec; the rest of the stored spec
 * (dependencies, update, change and PLC-aware policies, the dedicated port, which an edit does not change) is kept.
 */
export function editedSpec(stored: VplcSpec, e: EditDraft, ifaces: HostInterface[], prefilled: Prefilled): { errors: FieldErrors; spec?: VplcSpec } {
  const checked = checkDraft(e.draft, ifaces, []);
  const errors: FieldErrors = { ...checked.errors };
  const quotas = quotasOf(e, errors);
  const dedicated = stored.dedicatedInterface;
  e.draft.vnics.forEach((v, i) => {
    if (dedicated && v.parentInterface === dedicated) errors[`vnics.${i}.parentInterface`] = `${dedicated} is given whole to this vPLC; a vNIC cannot sit on it.`;
  });
  if (!checked.spec || Object.keys(errors).length) return { errors };
  const vnics = (checked.spec.vnics ?? []).map((v, i) => {
    const before = stored.vnics[i];
    const auto = prefilled[i];
    const out: z.input<typeof VplcSpec>['vnics'][number] = { ...v, name: before?.name ?? v.name };
    if (auto?.subnet && out.subnet === auto.subnet) delete out.subnet;
    if (auto?.gateway && out.gateway === auto.gateway) delete out.gateway;
    if (before?.ipPrefix !== undefined && !out.subnet && out.ip === before.ip) out.ipPrefix = before.ipPrefix;
    return out;
  });
  // Removing the last port sends an empty list, so the stored ports are dropped rather than kept by omission.
  const serialPorts = checked.spec.serialPorts ?? (stored.serialPorts ? [] : undefined);
  // Every stored field the form does not edit is kept as it is (a field added to the spec later, too); quotas are the
  // form's: cleared there, they are dropped.
  const kept: z.input<typeof VplcSpec> = { ...stored };
  delete kept.quotas;
  const parsed = VplcSpec.safeParse({ ...kept, ...checked.spec, ...(serialPorts ? { serialPorts } : {}), name: stored.name, vnics, ...(quotas ? { quotas } : {}) });
  if (!parsed.success) return { errors: { [parsed.error.issues[0]?.path.join('.') || 'name']: parsed.error.issues[0]?.message ?? 'invalid' } };
  return { errors: {}, spec: parsed.data };
}

/**
 * The readable diff from the stored spec to the edited one (the same lines the agent answers with), with the serial
 * port changes listed by the form itself unless the shared diff already names them.
 */
export function diffLines(stored: VplcSpec, next: VplcSpec): string[] {
  const lines = specDiff(stored, next).map(formatChange);
  if (lines.some((l) => l.startsWith('serialPorts'))) return lines;
  return [...lines, ...serialDiff(stored.serialPorts ?? [], next.serialPorts ?? [])];
}

const CLOUD_SERIAL_FIELDS: Record<string, string> = { device_id: 'deviceId', container_path: 'containerPath', baud_rate: 'baudRate' };

/**
 * An API field path (`vnics[0].ip`) as the form's error key (`vnics.0.ip`); the cloud's serial names
 * (`serial_configs[0].container_path`) land on the same inputs as the API's (`serialPorts.0.containerPath`).
 */
export const formField = (apiField: string): string =>
  apiField
    .replace(/^serial_configs\[(\d+)\]\.([a-z_]+)$/, (_, i: string, f: string) => `serialPorts[${i}].${CLOUD_SERIAL_FIELDS[f] ?? f}`)
    .replace(/\[(\d+)\]/g, '.$1');
