import { z } from 'zod';

/**
 * Serial devices of this host (docs/serial.md), as the agent discovers them from `/dev/serial/by-id` and sysfs.
 *
 * - A `SerialDevice` has a stable by-id link: it is what a vPLC's serial port is configured with, and what the cloud's
 *   `get_serial_devices` lists (docs/protocol.md §4.7, see `cloudSerialDevice`).
 * - A `SerialPort` is a built-in UART (`ttyS*`, `ttyAMA*`) without a by-id link: listed apart, by path only.
 */

const text = z.string().nullable();
const devNumber = z.number().int().nonnegative().nullable();

export const SerialDevice = z.object({
  /** The device node the by-id link points at, e.g. `/dev/ttyUSB0`. Changes when the adapter is replugged. */
  path: z.string().startsWith('/'),
  /** The full by-id path, e.g. `/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_ABC123-if00-port0`. Stable. */
  device_id: z.string().startsWith('/'),
  /** USB ids as sysfs writes them (4 lowercase hex digits). */
  vendor_id: text,
  product_id: text,
  serial: text,
  manufacturer: text,
  product: text,
  /** Character device numbers of `path`; null when the node could not be read. */
  major: devNumber,
  minor: devNumber,
  /** The kernel subsystem of the node (`tty`). */
  subsystem: text,
});
export type SerialDevice = z.infer<typeof SerialDevice>;

export const SerialPort = z.object({
  path: z.string().startsWith('/'),
  major: devNumber,
  minor: devNumber,
  subsystem: text,
});
export type SerialPort = z.infer<typeof SerialPort>;

/** Both lists, `devices` sorted by `device_id`, `ports` by path (numerically: ttyS2 before ttyS10). */
export const SerialInventory = z.object({ devices: z.array(SerialDevice), ports: z.array(SerialPort) });
export type SerialInventory = z.infer<typeof SerialInventory>;

/**
 * One change of the inventory: the new lists and what differs from the previous ones. A device whose record changed
 * (replugged onto another node, new numbers) is in both `removed` (old record) and `added` (new record).
 */
export const SerialChange = SerialInventory.extend({
  added: z.array(SerialDevice),
  removed: z.array(SerialDevice),
  portsAdded: z.array(SerialPort),
  portsRemoved: z.array(SerialPort),
});
export type SerialChange = z.infer<typeof SerialChange>;

/** The device as `get_serial_devices` lists it (docs/protocol.md §4.7): no device numbers, no subsystem. */
export type CloudSerialDevice = Pick<SerialDevice, 'path' | 'device_id' | 'vendor_id' | 'product_id' | 'serial' | 'manufacturer' | 'product'>;

export function cloudSerialDevice(d: SerialDevice): CloudSerialDevice {
  return { path: d.path, device_id: d.device_id, vendor_id: d.vendor_id, product_id: d.product_id, serial: d.serial, manufacturer: d.manufacturer, product: d.product };
}

const same = (a: object, b: object): boolean => JSON.stringify(a) === JSON.stringify(b);

function diffBy<T extends object>(before: readonly T[], after: readonly T[], key: (t: T) => string): { added: T[]; removed: T[] } {
  const old = new Map(before.map((t) => [key(t), t]));
  const now = new Map(after.map((t) => [key(t), t]));
  return {
    added: after.filter((t) => {
      const prev = old.get(key(t));
      return !prev || !same(prev, t);
    }),
    removed: before.filter((t) => {
      const next = now.get(key(t));
      return !next || !same(next, t);
    }),
  };
}

/** The change from `before` to `after`, or null when nothing differs. */
export function diffInventory(before: SerialInventory, after: SerialInventory): SerialChange | null {
  const devices = diffBy(before.devices, after.devices, (d) => d.device_id);
  const ports = diffBy(before.ports, after.ports, (p) => p.path);
  if (devices.added.length + devices.removed.length + ports.added.length + ports.removed.length === 0) return null;
  return { ...after, added: devices.added, removed: devices.removed, portsAdded: ports.added, portsRemoved: ports.removed };
}
