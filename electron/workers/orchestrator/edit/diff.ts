import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import type { FieldChange } from '../../../../shared/domain/vplc-diff.js';

export { formatChange, specDiff, type FieldChange } from '../../../../shared/domain/vplc-diff.js';

/** Fields whose change can be applied to the running container by re-attaching the vNIC. */
const ADDRESSING = new Set<string>(['ip', 'ipPrefix', 'subnet', 'gateway']);

/**
 * The vNICs an edit can change on the same container, or null when it needs a new one: only the addressing of static
 * vNICs changed (same name, parent and mode, static before and after), nothing else of the vPLC.
 */
export function inPlaceVnics(a: VplcSpec, b: VplcSpec, changes: readonly FieldChange[]): string[] | null {
  if (a.vnics.length !== b.vnics.length || changes.length === 0) return null;
  const touched = new Set<number>();
  for (const c of changes) {
    const m = /^vnics\[(\d+)\]\.(\w+)$/.exec(c.path);
    if (!m || !ADDRESSING.has(m[2] ?? '')) return null;
    touched.add(Number(m[1]));
  }
  const names: string[] = [];
  for (const i of touched) {
    const before = a.vnics[i];
    const after = b.vnics[i];
    if (before?.mode !== 'static' || after?.mode !== 'static') return null;
    names.push(after.name);
  }
  return names;
}

/**
 * The spec hash a container stands for: its label, unless an edit was applied to that very container in place, in
 * which case it carries the edited spec (store `applied_in_place`).
 */
export function effectiveSpecHash(
  applied: { container_id: string; label_hash: string; spec_hash: string } | undefined,
  containerId: string,
  label: string | null,
): string | null {
  return applied && label && applied.container_id === containerId && applied.label_hash === label ? applied.spec_hash : label;
}
