import { readdir, readlink, stat } from 'node:fs/promises';
import path from 'node:path';
import type { SerialDevice, SerialInventory, SerialPort } from '../../../../shared/domain/serial.js';
import { hasTtyEntry, isPresentUart, splitDevT, sysfsDevNumbers, usbFacts } from './sysfs.js';

export type SerialPaths = {
  /** Where udev keeps the stable links (`/dev/serial/by-id`). */
  byIdDir: string;
  /** The sysfs mount (`/sys`). */
  sysRoot: string;
};

/** Built-in UARTs, listed when they have no by-id link. */
const UART = /^tty(S|AMA)\d+$/;

const byPath = (a: { path: string }, b: { path: string }): number => a.path.localeCompare(b.path, 'en', { numeric: true });

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    // No by-id dir: no adapter plugged in (udev removes it with the last link). No sysfs: nothing to list either.
    return [];
  }
}

/** The character device numbers of a node (links followed), or null when it is gone or not a character device. */
async function charDevNumbers(node: string): Promise<{ major: number; minor: number } | null> {
  try {
    const st = await stat(node, { bigint: true });
    return st.isCharacterDevice() ? splitDevT(st.rdev) : null;
  } catch {
    return null;
  }
}

/** One by-id link as a device; null for a dangling link or one that does not lead to a character device. */
async function deviceOf(paths: SerialPaths, link: string): Promise<SerialDevice | null> {
  let target: string;
  try {
    target = path.resolve(path.dirname(link), await readlink(link));
  } catch {
    return null; // not a link (or gone since readdir)
  }
  const numbers = await charDevNumbers(link);
  if (numbers === null) return null;
  const name = path.basename(target);
  const [usb, tty] = await Promise.all([usbFacts(paths.sysRoot, name), hasTtyEntry(paths.sysRoot, name)]);
  return { path: target, device_id: link, ...usb, major: numbers.major, minor: numbers.minor, subsystem: tty ? 'tty' : null };
}

async function portOf(sysRoot: string, name: string): Promise<SerialPort | null> {
  if (!(await isPresentUart(sysRoot, name))) return null;
  const node = `/dev/${name}`;
  const numbers = (await sysfsDevNumbers(sysRoot, name)) ?? (await charDevNumbers(node));
  return { path: node, major: numbers?.major ?? null, minor: numbers?.minor ?? null, subsystem: 'tty' };
}

/**
 * Reads the host's serial devices once (docs/serial.md "Discovery"): every by-id link that leads to a character
 * device, with its USB facts from sysfs, and the built-in UARTs sysfs says are present and no link points at.
 */
export async function discoverSerial(paths: SerialPaths): Promise<SerialInventory> {
  const links = (await names(paths.byIdDir)).map((n) => path.join(paths.byIdDir, n));
  const devices = (await Promise.all(links.map((l) => deviceOf(paths, l)))).filter((d): d is SerialDevice => d !== null);
  devices.sort((a, b) => (a.device_id < b.device_id ? -1 : a.device_id > b.device_id ? 1 : 0));
  const linked = new Set(devices.map((d) => path.basename(d.path)));
  const uarts = (await names(path.join(paths.sysRoot, 'class', 'tty'))).filter((n) => UART.test(n) && !linked.has(n));
  const ports = (await Promise.all(uarts.map((n) => portOf(paths.sysRoot, n)))).filter((p): p is SerialPort => p !== null);
  ports.sort(byPath);
  return { devices, ports };
}
