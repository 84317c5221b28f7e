import type { SerialDevice, SerialInventory, SerialPortStatusWord } from '../../../../shared/domain/serial';
import { matchSerialDevice, type SerialNodeRef } from '../../../../shared/domain/serial-match';

/** A host node a configured port can name: a by-id device, or a built-in UART (`deviceId` null). */
export type HostSerialNode = SerialNodeRef;

export type DeviceMatch = { kind: 'one'; node: HostSerialNode } | { kind: 'none' } | { kind: 'ambiguous'; nodes: HostSerialNode[] };

export const nodesOf = (inv: SerialInventory): HostSerialNode[] => [...inv.devices.map((d) => ({ path: d.path, deviceId: d.device_id })), ...inv.ports.map((p) => ({ path: p.path, deviceId: null }))];

/** Which host node a configured device id selects, by the agent's own rule (docs/serial.md "Matching"). */
export function matchDevice(configured: string, nodes: readonly HostSerialNode[]): DeviceMatch {
  const m = matchSerialDevice(configured, nodes);
  if (m.kind === 'one') return { kind: 'one', node: m.device };
  return m.kind === 'ambiguous' ? { kind: 'ambiguous', nodes: m.candidates } : m;
}

/** `0403:6001 FTDI FT232R USB UART, serial A10K1234` — what identifies an adapter to a person. */
export function deviceDescription(d: SerialDevice): string {
  const ids = d.vendor_id && d.product_id ? `${d.vendor_id}:${d.product_id}` : null;
  const made = [d.manufacturer, d.product].filter(Boolean).join(' ');
  return [[ids, made].filter(Boolean).join(' '), d.serial ? `serial ${d.serial}` : null].filter(Boolean).join(', ') || 'no USB details';
}

/** A configured port of some vPLC, as the vPLC list reports it. */
export type PortUse = { vplc: string; name: string; device_id: string; container_path: string; status: SerialPortStatusWord; current_host_path: string | null };

type ListedVplc = { name: string; serial_ports: ReadonlyArray<Omit<PortUse, 'vplc'>> };

export const portUses = (vplcs: readonly ListedVplc[]): PortUse[] => vplcs.flatMap((v) => v.serial_ports.map((p) => ({ ...p, vplc: v.name })));

/** The ports that use `node`: bound to its path right now, or configured with an id that selects it. */
export function usesOf(node: HostSerialNode, uses: readonly PortUse[], nodes: readonly HostSerialNode[]): PortUse[] {
  return uses.filter((u) => {
    if (u.current_host_path !== null) return u.current_host_path === node.path;
    const m = matchDevice(u.device_id, nodes);
    return m.kind === 'one' && m.node.path === node.path;
  });
}
