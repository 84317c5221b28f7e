import { z } from 'zod';

/**
 * Serial devices of this host (docs/serial.md), as the agent discovers them from `/dev/serial/by-id` and sysfs.
 *
 * - A `SerialDevice` has a stable by-id link: it is what a vPLC's serial port is configured with, and what the cloud's
 *   `get_serial_devices` lists (docs/protocol.md §4.7, see `cloudSerialDevice`).
 * - A `SerialPort` is a built-in UART (`ttyS*`, `ttyAMA*`) without a by-id link: listed apart, by path only.
 */

const text = z.string().nullable();

const DEVICE_PATH_SEGMENT_RE = /^[A-Za-z0-9._-]+$/;

/**
 * The entries Docker gives every container's `/dev` (files, links and the mounts `pts`, `shm`, `mqueue`). A port's
 * node is made with `rm -f` and `mknod` as root, so a port at one of these (or below one) would replace it.
 */
export const DOCKER_DEV_ENTRIES: ReadonlySet<string> = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty', 'console', 'ptmx', 'pts', 'shm', 'mqueue', 'fd', 'stdin', 'stdout', 'stderr', 'core']);

export const DEVICE_PATH_FORMAT = 'must be /dev/ followed by [A-Za-z0-9._-] path segments, without . or ..';

/** `/dev/` followed by `[A-Za-z0-9._-]` segments, none of them `.` or `..` (the format only). */
export function isDevicePathFormat(s: string): boolean {
  if (!s.startsWith('/dev/')) return false;
  return s
    .slice('/dev/'.length)
    .split('/')
    .every((seg) => DEVICE_PATH_SEGMENT_RE.test(seg) && seg !== '.' && seg !== '..');
}

/** Why a well-formed path may not hold a port's node (one of Docker's standard entries, or below one), or null. */
export function reservedDevicePath(s: string): string | null {
  const first = s.slice('/dev/'.length).split('/')[0] ?? '';
  if (!DOCKER_DEV_ENTRIES.has(first)) return null;
  const what = s === `/dev/${first}` ? s : `${s} is below /dev/${first}, which`;
  return `${what} is one of the entries Docker gives every container; a serial port there would replace it, so pick another path such as /dev/ttyRTU0`;
}

/** Why `s` cannot be a port's container path (docs/serial.md "Serial ports of a vPLC"), or null. */
export function devicePathProblem(s: string): string | null {
  return isDevicePathFormat(s) ? reservedDevicePath(s) : DEVICE_PATH_FORMAT;
}

/** A path a port's node may be made at: the format of docs/protocol.md §4.1 (serial object), and none of Docker's own entries. */
export function isDevicePath(s: string): boolean {
  return devicePathProblem(s) === null;
}
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

/**
 * One serial port of a vPLC as the user configured it (docs/serial.md "Serial ports of a vPLC"): which host device
 * (`deviceId`, matched against the by-id links per docs/protocol.md §5.12) appears at which path in the container.
 */
export const SerialPortSpec = z.object({
  /** The port's label, unique within its vPLC. */
  name: z.string().min(1),
  /** A by-id path, its basename, or a fragment that selects exactly one device. */
  deviceId: z.string().min(1),
  /** Where the node is made inside the container: `/dev/…`, unique within the vPLC. */
  containerPath: z.string().superRefine((s, ctx) => {
    const problem = devicePathProblem(s);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, input: s });
  }),
  /** Informational (the PLC program opens the port at its own rate); kept so the UI and the cloud can show it. */
  baudRate: z.number().int().positive().optional(),
  /** Another vPLC may configure the same device (default false: one device, one vPLC). */
  shared: z.boolean().optional(),
});
export type SerialPortSpec = z.infer<typeof SerialPortSpec>;

export const SerialPortStatusWord = z.enum(['connected', 'disconnected', 'error']);
export type SerialPortStatusWord = z.infer<typeof SerialPortStatusWord>;

/**
 * The live state of one configured port: `connected` (the node exists in the running container with the device's
 * current numbers), `disconnected` (no matching device, or the vPLC is not running) or `error` (with `reason`).
 * The cloud's `get_device_status` lists these under `serial_ports` (docs/protocol.md §4.5): the reference's fields
 * plus `baud_rate`, `major`, `minor`, `reason` and `since` (EXTEND).
 */
export const SerialPortState = z.object({
  name: z.string(),
  device_id: z.string(),
  container_path: z.string(),
  baud_rate: z.number().nullable(),
  status: SerialPortStatusWord,
  /** The host node the matched device has now (`/dev/ttyUSB0`); null while disconnected. */
  current_host_path: z.string().nullable(),
  major: devNumber,
  minor: devNumber,
  /** Why the port is `error` or `disconnected` (no matching device, two devices match, vPLC stopped, mknod failed…). */
  reason: z.string().nullable(),
  /** ISO instant of the last status change. */
  since: z.string(),
});
export type SerialPortState = z.infer<typeof SerialPortState>;

/** The ports of one vPLC after a change of any of them (API event `serial:ports`). */
export const SerialPortsChange = z.object({ vplc: z.string(), ports: z.array(SerialPortState) });
export type SerialPortsChange = z.infer<typeof SerialPortsChange>;
