export const LABEL_PREFIX = 'io.vplc-orchestrator.';

export const Label = {
  managed: `${LABEL_PREFIX}managed`,
  instance: `${LABEL_PREFIX}instance`,
  role: `${LABEL_PREFIX}role`,
  vplc: `${LABEL_PREFIX}vplc`,
  specHash: `${LABEL_PREFIX}spec-hash`,
  op: `${LABEL_PREFIX}op`,
  parent: `${LABEL_PREFIX}parent`,
  vnic: `${LABEL_PREFIX}vnic`,
} as const;

/**
 * `wifi-dhcp`: the host-side DHCP client of a WiFi vNIC (docs/host-nics.md "WiFi DHCP"); `probe-helper`: the warm ARP
 * probe helper shared by all vPLCs (docker/warm-host-helper.ts).
 */
export type Role = 'vplc' | 'dhcp' | 'wifi-dhcp' | 'internal-net' | 'lan-net' | 'helper' | 'probe-helper';

export type LabelSet = Record<string, string>;

export function ownLabels(instance: string, role: Role, extra: { vplc?: string; specHash?: string; op?: string; parent?: string; vnic?: string } = {}): LabelSet {
  const labels: LabelSet = { [Label.managed]: 'true', [Label.instance]: instance, [Label.role]: role };
  if (extra.vplc !== undefined) labels[Label.vplc] = extra.vplc;
  if (extra.specHash !== undefined) labels[Label.specHash] = extra.specHash;
  if (extra.op !== undefined) labels[Label.op] = extra.op;
  if (extra.parent !== undefined) labels[Label.parent] = extra.parent;
  if (extra.vnic !== undefined) labels[Label.vnic] = extra.vnic;
  return labels;
}

/** Managed means this installation's: `managed=true` and our own `instance` (docs/decisions.md "Managed means this installation's"). */
export function isOwn(labels: Record<string, string> | null | undefined, instance: string, role?: Role): boolean {
  if (!labels) return false;
  if (labels[Label.managed] !== 'true' || labels[Label.instance] !== instance) return false;
  return role === undefined || labels[Label.role] === role;
}

/** Docker label filters for list calls. */
export function ownFilter(instance: string, role?: Role, vplc?: string): { label: string[] } {
  const label = [`${Label.managed}=true`, `${Label.instance}=${instance}`];
  if (role) label.push(`${Label.role}=${role}`);
  if (vplc) label.push(`${Label.vplc}=${vplc}`);
  return { label };
}
