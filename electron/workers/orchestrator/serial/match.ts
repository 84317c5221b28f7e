import path from 'node:path';
import type { SerialInventory } from '../../../../shared/domain/serial.js';

/** A host node a serial port can be matched to: a by-id device, or a built-in UART (`deviceId` null). */
export type SerialCandidate = { path: string; deviceId: string | null; major: number | null; minor: number | null };

export type SerialMatch = { kind: 'one'; device: SerialCandidate; exact: boolean } | { kind: 'none' } | { kind: 'ambiguous'; candidates: SerialCandidate[] };

/** Every node of the inventory a port may name: the by-id devices, then the built-in UARTs. */
export function candidatesOf(inv: SerialInventory): SerialCandidate[] {
  return [
    ...inv.devices.map((d) => ({ path: d.path, deviceId: d.device_id, major: d.major, minor: d.minor })),
    ...inv.ports.map((p) => ({ path: p.path, deviceId: null, major: p.major, minor: p.minor })),
  ];
}

/**
 * The device a configured `device_id` selects (docs/serial.md "Matching", docs/protocol.md §5.12 IMPROVE):
 * 1. exact: the full by-id path or its basename of a by-id device, or the path of a built-in UART (`/dev/ttyS0`). A
 *    by-id device is never matched by its node (`/dev/ttyUSB0`): the kernel gives that node to whichever adapter it
 *    numbers first after a replug, so a port would follow the wrong adapter;
 * 2. otherwise a substring match in either direction with a by-id path, counted only when it selects exactly one
 *    device; `"usb"` would otherwise match every adapter.
 * Pure.
 */
export function matchSerialDevice(configured: string, candidates: readonly SerialCandidate[]): SerialMatch {
  const id = configured.trim();
  if (id === '') return { kind: 'none' };
  const exact = candidates.filter((c) => (c.deviceId === null ? c.path === id : c.deviceId === id || path.basename(c.deviceId) === id));
  if (exact.length === 1) return { kind: 'one', device: exact[0] as SerialCandidate, exact: true };
  if (exact.length > 1) return { kind: 'ambiguous', candidates: exact };
  const partial = candidates.filter((c) => c.deviceId !== null && (c.deviceId.includes(id) || id.includes(path.basename(c.deviceId))));
  if (partial.length === 1) return { kind: 'one', device: partial[0] as SerialCandidate, exact: false };
  if (partial.length > 1) return { kind: 'ambiguous', candidates: partial };
  return { kind: 'none' };
}
