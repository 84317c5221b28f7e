/** A host node a configured serial port can name: a by-id device, or a built-in UART (`deviceId` null). */
export type SerialNodeRef = { path: string; deviceId: string | null };

export type SerialMatchOf<T extends SerialNodeRef> = { kind: 'one'; device: T; exact: boolean } | { kind: 'none' } | { kind: 'ambiguous'; candidates: T[] };

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/**
 * The device a configured `device_id` selects (docs/serial.md "Matching", docs/protocol.md §5.12 IMPROVE); the agent
 * and the UI use this one rule:
 * 1. exact: the full by-id path or its basename of a by-id device, or the path of a built-in UART (`/dev/ttyS0`). A
 *    by-id device is never matched by its node (`/dev/ttyUSB0`): the kernel gives that node to whichever adapter it
 *    numbers first after a replug, so a port would follow the wrong adapter;
 * 2. otherwise a substring match in either direction with a by-id path, counted only when it selects exactly one
 *    device; `"usb"` would otherwise match every adapter.
 * Pure.
 */
export function matchSerialDevice<T extends SerialNodeRef>(configured: string, candidates: readonly T[]): SerialMatchOf<T> {
  const id = configured.trim();
  if (id === '') return { kind: 'none' };
  const exact = candidates.filter((c) => (c.deviceId === null ? c.path === id : c.deviceId === id || basename(c.deviceId) === id));
  if (exact.length === 1) return { kind: 'one', device: exact[0] as T, exact: true };
  if (exact.length > 1) return { kind: 'ambiguous', candidates: exact };
  const partial = candidates.filter((c) => c.deviceId !== null && (c.deviceId.includes(id) || id.includes(basename(c.deviceId))));
  if (partial.length === 1) return { kind: 'one', device: partial[0] as T, exact: false };
  if (partial.length > 1) return { kind: 'ambiguous', candidates: partial };
  return { kind: 'none' };
}
