import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Serial hardware for tests without serial hardware: real pseudo-terminals (character devices a stat can read) from
 * `socat`, behind a by-id dir and a sysfs tree laid out as the kernel and udev lay them out for USB adapters.
 */

/** Two linked pseudo-terminals from `socat -d -d pty,raw,echo=0 pty,raw,echo=0`; gone when closed. */
export class PtyPair {
  private constructor(
    private readonly child: ChildProcess,
    readonly ends: [string, string],
  ) {}

  static open(): Promise<PtyPair> {
    const child = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
    return new Promise((resolve, reject) => {
      let err = '';
      const found: string[] = [];
      child.on('error', (e) => reject(new Error(`socat could not start (apt install socat): ${e.message}`)));
      child.on('exit', (code) => reject(new Error(`socat exited ${String(code)}: ${err}`)));
      child.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        for (const m of err.matchAll(/PTY is (\/dev\/pts\/\d+)/g)) if (m[1] && !found.includes(m[1])) found.push(m[1]);
        if (found.length === 2 && /starting data transfer loop/.test(err)) resolve(new PtyPair(child, [found[0] as string, found[1] as string]));
      });
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}

export type UsbAdapter = {
  /** Kernel name, e.g. `ttyUSB0` (usb-serial: the tty sits below a port device) or `ttyACM0` (the tty sits below the interface). */
  name: string;
  /** The character device the node stands for (a pty end). */
  pty: string;
  /** The by-id link's name, e.g. `usb-FTDI_FT232R_USB_UART_ABC123-if00-port0`. */
  byId: string;
  /** sysfs attributes of the USB device; an absent one is not written. */
  usb: { idVendor?: string; idProduct?: string; serial?: string; manufacturer?: string; product?: string };
};

/**
 * A temporary `/dev` (by-id dir and nodes) and `/sys`. A node is a symlink to a pty, so the by-id link's target keeps
 * the kernel name (`<root>/dev/ttyUSB0`) while stat reaches a real character device.
 */
export class FakeSerialHost {
  readonly root = mkdtempSync(path.join(tmpdir(), 'vplc-serial-'));
  readonly devDir = path.join(this.root, 'dev');
  readonly byIdDir = path.join(this.devDir, 'serial', 'by-id');
  readonly sysRoot = path.join(this.root, 'sys');
  private bus = 0;

  constructor() {
    mkdirSync(this.devDir, { recursive: true });
    mkdirSync(path.join(this.sysRoot, 'class', 'tty'), { recursive: true });
  }

  node(name: string): string {
    return path.join(this.devDir, name);
  }

  /** Writes the adapter's sysfs tree and node; the by-id link comes with `link` (udev adds it last). */
  addAdapter(a: UsbAdapter): void {
    const usbDev = path.join(this.sysRoot, 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', `1-${++this.bus}`);
    const iface = path.join(usbDev, `${path.basename(usbDev)}:1.0`);
    const parent = a.name.startsWith('ttyUSB') ? path.join(iface, a.name) : iface;
    const ttyDir = path.join(parent, 'tty', a.name);
    mkdirSync(ttyDir, { recursive: true });
    for (const [k, v] of Object.entries(a.usb)) writeFileSync(path.join(usbDev, k), `${v}\n`);
    writeFileSync(path.join(iface, 'bInterfaceNumber'), '00\n');
    writeFileSync(path.join(ttyDir, 'dev'), '188:0\n');
    symlinkSync(path.relative(ttyDir, parent), path.join(ttyDir, 'device'));
    symlinkSync(path.relative(path.join(this.sysRoot, 'class', 'tty'), ttyDir), path.join(this.sysRoot, 'class', 'tty', a.name));
    symlinkSync(a.pty, this.node(a.name));
  }

  /** The by-id link, as udev writes it (relative, `../../ttyUSB0`); creates the by-id dir when it is missing. */
  link(byId: string, name: string): string {
    mkdirSync(this.byIdDir, { recursive: true });
    const link = path.join(this.byIdDir, byId);
    symlinkSync(path.relative(this.byIdDir, this.node(name)), link);
    return link;
  }

  /** Removes a by-id link; udev removes the by-id dir and `serial/` with their last entry. */
  unlink(byId: string): void {
    unlinkSync(path.join(this.byIdDir, byId));
    if (readdirSync(this.byIdDir).length === 0) {
      rmdirSync(this.byIdDir);
      rmdirSync(path.dirname(this.byIdDir));
    }
  }

  /** A built-in UART entry: `device` link unless `virtual`, `type` when given, `dev` always. */
  addUart(name: string, o: { virtual?: boolean; type?: string; dev: string }): void {
    const dir = path.join(this.sysRoot, 'devices', 'platform', 'serial8250', 'tty', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'dev'), `${o.dev}\n`);
    if (o.type !== undefined) writeFileSync(path.join(dir, 'type'), `${o.type}\n`);
    if (!o.virtual) symlinkSync('../../../serial8250', path.join(dir, 'device'));
    symlinkSync(path.relative(path.join(this.sysRoot, 'class', 'tty'), dir), path.join(this.sysRoot, 'class', 'tty', name));
  }

  dispose(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
