import type { VnicSpec, VplcSpec } from './vplc.js';

/** One field that an edit changes, as the user reads it: `vnics[0].ip: 198.18.1.10 → 198.18.2.10`. */
export type FieldChange = { path: string; from: string; to: string };

const show = (v: unknown): string => {
  if (v === undefined || v === null) return '(none)';
  if (Array.isArray(v)) return v.length ? v.map(show).join(', ') : '(none)';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
};

const VNIC_FIELDS = ['name', 'parentInterface', 'mode', 'ip', 'ipPrefix', 'subnet', 'gateway', 'dns', 'mac'] as const satisfies ReadonlyArray<keyof VnicSpec>;
function vnicChanges(i: number, a: VnicSpec | undefined, b: VnicSpec | undefined): FieldChange[] {
  if (!a || !b) return [{ path: `vnics[${i}]`, from: a ? `${a.name} on ${a.parentInterface}` : '(none)', to: b ? `${b.name} on ${b.parentInterface}` : '(removed)' }];
  return VNIC_FIELDS.flatMap((f) => (show(a[f]) === show(b[f]) ? [] : [{ path: `vnics[${i}].${f}`, from: show(a[f]), to: show(b[f]) }]));
}

/** The field changes from `a` to `b` (pure), in a stable order: vNICs, then the vPLC's own fields. */
export function specDiff(a: VplcSpec, b: VplcSpec): FieldChange[] {
  const out: FieldChange[] = [];
  for (let i = 0; i < Math.max(a.vnics.length, b.vnics.length); i++) out.push(...vnicChanges(i, a.vnics[i], b.vnics[i]));
  const top: Array<[string, unknown, unknown]> = [
    ['runtimeVersion', a.runtimeVersion, b.runtimeVersion],
    ['quotas.cpus', a.quotas?.cpus, b.quotas?.cpus],
    ['quotas.memoryMb', a.quotas?.memoryMb, b.quotas?.memoryMb],
    ['dependsOn', a.dependsOn ?? [], b.dependsOn ?? []],
    ['autoUpdate', a.autoUpdate ?? false, b.autoUpdate ?? false],
    ['changePolicy', a.changePolicy ?? 'confirm', b.changePolicy ?? 'confirm'],
    ['plcAwareChanges', a.plcAwareChanges ?? true, b.plcAwareChanges ?? true],
  ];
  for (const [path, from, to] of top) if (show(from) !== show(to)) out.push({ path, from: show(from), to: show(to) });
  return out;
}

export const formatChange = (c: FieldChange): string => `${c.path}: ${c.from} → ${c.to}`;

