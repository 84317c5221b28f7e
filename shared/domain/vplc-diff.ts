import type { SerialPortSpec } from './serial.js';
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

const showPort = (p: SerialPortSpec): string =>
  `${p.deviceId} at ${p.containerPath}${p.baudRate !== undefined ? ` (${p.baudRate} baud)` : ''}${p.shared ? ' (shared)' : ''}`;

/** Serial ports by name (`serialPorts.rtu: /dev/ttyRTU1 at /dev/ttyS0 → /dev/ttyRTU2 at /dev/ttyS0`), in `b`'s order then removed ones. */
function portChanges(a: readonly SerialPortSpec[], b: readonly SerialPortSpec[]): FieldChange[] {
  const before = new Map(a.map((p) => [p.name, p]));
  const after = new Set(b.map((p) => p.name));
  const out: FieldChange[] = [];
  for (const p of b) {
    const old = before.get(p.name);
    const from = old ? showPort(old) : '(none)';
    if (from !== showPort(p)) out.push({ path: `serialPorts.${p.name}`, from, to: showPort(p) });
  }
  for (const p of a) if (!after.has(p.name)) out.push({ path: `serialPorts.${p.name}`, from: showPort(p), to: '(removed)' });
  return out;
}

/** A change of a serial port (`specDiff` names them `serialPorts.<port name>`). */
export const isSerialPortChange = (c: FieldChange): boolean => c.path.startsWith('serialPorts.');

/** The field changes from `a` to `b` (pure), in a stable order: vNICs, then the vPLC's own fields, then serial ports. */
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
    ['dedicatedInterface', a.dedicatedInterface, b.dedicatedInterface],
  ];
  for (const [path, from, to] of top) if (show(from) !== show(to)) out.push({ path, from: show(from), to: show(to) });
  out.push(...portChanges(a.serialPorts ?? [], b.serialPorts ?? []));
  return out;
}

export const formatChange = (c: FieldChange): string => `${c.path}: ${c.from} → ${c.to}`;

