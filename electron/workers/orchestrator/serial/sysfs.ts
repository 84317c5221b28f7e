import { readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * What sysfs says about a tty, read directly (udev may not run on the host; docs/serial.md "Discovery"). `sysRoot` is
 * `/sys` on a host and a fake tree in tests.
 */

export type UsbFacts = { vendor_id: string | null; product_id: string | null; serial: string | null; manufacturer: string | null; product: string | null };

export const NO_USB_FACTS: UsbFacts = { vendor_id: null, product_id: null, serial: null, manufacturer: null, product: null };

/** Levels walked up from a tty's `device` towards its USB device (a ttyUSB sits two below it, a ttyACM one). */
const MAX_WALK = 6;

async function readAttr(file: string): Promise<string | null> {
  try {
    const v = (await readFile(file, 'utf8')).trim();
    return v === '' ? null : v;
  } catch {
    return null;
  }
}

/**
 * The string as udev writes it into `ID_VENDOR`, `ID_MODEL` and `ID_SERIAL_SHORT`: surrounding blanks dropped, each run
 * of whitespace one `_`, other ASCII outside `0-9A-Za-z#+-.:=@_` replaced by `_`. So sysfs's "FT232R USB UART" is
 * reported as "FT232R_USB_UART", as a udev-based monitor reports it.
 */
export function udevEncode(raw: string | null): string | null {
  if (raw === null) return null;
  const s = raw
    .trim()
    .replace(/\s+/g, '_')
    .replace(/[^0-9A-Za-z#+\-.:=@_\u0080-\uffff]/g, '_');
  return s === '' ? null : s;
}

const ttyDir = (sysRoot: string, name: string): string => path.join(sysRoot, 'class', 'tty', name);

/** Whether sysfs has a class/tty entry for this name. */
export async function hasTtyEntry(sysRoot: string, name: string): Promise<boolean> {
  return stat(ttyDir(sysRoot, name)).then(
    () => true,
    () => false,
  );
}

/** The tty's hardware device directory (its `device` link resolved), or null for a virtual tty. */
async function deviceDir(sysRoot: string, name: string): Promise<string | null> {
  try {
    return await realpath(path.join(ttyDir(sysRoot, name), 'device'));
  } catch {
    return null;
  }
}

/** The USB descriptor strings of the device a tty belongs to; all null when it is not on USB or sysfs lacks them. */
export async function usbFacts(sysRoot: string, name: string): Promise<UsbFacts> {
  let dir = await deviceDir(sysRoot, name);
  const root = path.resolve(sysRoot);
  for (let i = 0; dir !== null && i < MAX_WALK && dir.startsWith(root + path.sep); i++) {
    const vendor = await readAttr(path.join(dir, 'idVendor'));
    if (vendor !== null) {
      const [product_id, serial, manufacturer, product] = await Promise.all(['idProduct', 'serial', 'manufacturer', 'product'].map((a) => readAttr(path.join(dir as string, a))));
      return { vendor_id: vendor, product_id: product_id ?? null, serial: udevEncode(serial ?? null), manufacturer: udevEncode(manufacturer ?? null), product: udevEncode(product ?? null) };
    }
    dir = path.dirname(dir);
  }
  return NO_USB_FACTS;
}

/** `major:minor` from the tty's sysfs `dev` attribute. */
export async function sysfsDevNumbers(sysRoot: string, name: string): Promise<{ major: number; minor: number } | null> {
  const v = await readAttr(path.join(ttyDir(sysRoot, name), 'dev'));
  const m = v === null ? null : /^(\d+):(\d+)$/.exec(v);
  return m ? { major: Number(m[1]), minor: Number(m[2]) } : null;
}

/**
 * Whether a built-in UART (`ttyS*`, `ttyAMA*`) is really there. The kernel makes entries for ports it only reserved:
 * such a one has no `device`, or its `type` is 0 (PORT_UNKNOWN: the driver found no UART at that address).
 */
export async function isPresentUart(sysRoot: string, name: string): Promise<boolean> {
  if ((await deviceDir(sysRoot, name)) === null) return false;
  const type = await readAttr(path.join(ttyDir(sysRoot, name), 'type'));
  return type === null || type !== '0';
}

/** Linux `dev_t` split as glibc's `major()`/`minor()` do. */
export function splitDevT(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}
