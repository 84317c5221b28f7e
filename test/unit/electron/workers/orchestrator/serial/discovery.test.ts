// Serial discovery (docs/serial.md "Discovery") on a temporary by-id dir and sysfs tree, whose nodes stand for real
// pseudo-terminals from socat (real character devices for stat). Runtime: < 1 s.
import { statSync, symlinkSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSerial } from '../../../../../../electron/workers/orchestrator/serial/discovery.js';
import { splitDevT, udevEncode } from '../../../../../../electron/workers/orchestrator/serial/sysfs.js';
import { SerialInventory } from '../../../../../../shared/domain/serial.js';
import { FakeSerialHost, PtyPair } from '../../../../../support/serial.js';

let pty: PtyPair;
let host: FakeSerialHost;
const FTDI = 'usb-FTDI_FT232R_USB_UART_ABC123-if00-port0';
const ACM = 'usb-Arduino__www.arduino.cc__0043_7573-if00';

const numbers = (node: string): { major: number; minor: number } => {
  const st = statSync(node, { bigint: true });
  return splitDevT(st.rdev);
};

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001', serial: 'ABC123', manufacturer: 'FTDI', product: 'FT232R USB UART' } });
  // No manufacturer and no serial in its descriptors: those fields are null.
  host.addAdapter({ name: 'ttyACM0', pty: pty.ends[1], byId: ACM, usb: { idVendor: '2341', idProduct: '0043', product: 'Uno  R3 (CDC)' } });
  host.link(FTDI, 'ttyUSB0');
  host.link(ACM, 'ttyACM0');
  // A link whose node is gone (unplugged between udev's remove events) and a plain file: neither is a device.
  host.link('usb-gone-if00-port0', 'ttyUSB9');
  writeFileSync(path.join(host.byIdDir, 'README'), 'not a link');
  host.addUart('ttyS0', { type: '4', dev: '4:64' });
  host.addUart('ttyS10', { type: '4', dev: '4:74' });
  host.addUart('ttyS2', { type: '4', dev: '4:66' });
  // Reserved by the 8250 driver with no UART behind it, and one with no device at all: both skipped.
  host.addUart('ttyS1', { type: '0', dev: '4:65' });
  host.addUart('ttyS3', { virtual: true, dev: '4:67' });
  // No `type` attribute (a PL011 on a Raspberry Pi): present when it has a device.
  host.addUart('ttyAMA0', { dev: '204:64' });
  // Not a built-in UART name: never listed as a port.
  host.addUart('ttyprintk', { dev: '5:3' });
});

afterAll(async () => {
  await pty?.close();
  host?.dispose();
});

describe('discoverSerial', () => {
  it('lists each by-id link that leads to a character device, with its USB facts, sorted by device_id', async () => {
    const inv = await discoverSerial({ byIdDir: host.byIdDir, sysRoot: host.sysRoot });
    expect(SerialInventory.parse(inv)).toEqual(inv);
    expect(inv.devices).toEqual([
      {
        path: host.node('ttyACM0'),
        device_id: path.join(host.byIdDir, ACM),
        vendor_id: '2341',
        product_id: '0043',
        serial: null,
        manufacturer: null,
        product: 'Uno_R3__CDC_',
        ...numbers(pty.ends[1]),
        subsystem: 'tty',
      },
      {
        path: host.node('ttyUSB0'),
        device_id: path.join(host.byIdDir, FTDI),
        vendor_id: '0403',
        product_id: '6001',
        serial: 'ABC123',
        manufacturer: 'FTDI',
        product: 'FT232R_USB_UART',
        ...numbers(pty.ends[0]),
        subsystem: 'tty',
      },
    ]);
    // Real numbers of real pseudo-terminals (major 136-143 on Linux), not the fake sysfs `dev` attribute.
    expect(inv.devices[0]?.major).toBeGreaterThanOrEqual(136);
  });

  it('lists the built-in UARTs sysfs says are present, numerically, without those a by-id link covers', async () => {
    const inv = await discoverSerial({ byIdDir: host.byIdDir, sysRoot: host.sysRoot });
    expect(inv.ports).toEqual([
      { path: '/dev/ttyAMA0', major: 204, minor: 64, subsystem: 'tty' },
      { path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' },
      { path: '/dev/ttyS2', major: 4, minor: 66, subsystem: 'tty' },
      { path: '/dev/ttyS10', major: 4, minor: 74, subsystem: 'tty' },
    ]);
  });

  it('a UART with a by-id link is a device, not a port', async () => {
    const other = new FakeSerialHost();
    try {
      other.addUart('ttyS4', { type: '4', dev: '4:68' });
      symlinkSync(pty.ends[0], other.node('ttyS4'));
      mkdirSync(other.byIdDir, { recursive: true });
      symlinkSync('../../ttyS4', path.join(other.byIdDir, 'pci-16550-port0'));
      const inv = await discoverSerial({ byIdDir: other.byIdDir, sysRoot: other.sysRoot });
      expect(inv.devices.map((d) => [d.path, d.vendor_id])).toEqual([[other.node('ttyS4'), null]]);
      expect(inv.ports).toEqual([]);
    } finally {
      other.dispose();
    }
  });

  it('answers empty lists when neither the by-id dir nor sysfs exists', async () => {
    expect(await discoverSerial({ byIdDir: path.join(host.root, 'nope', 'by-id'), sysRoot: path.join(host.root, 'nosys') })).toEqual({ devices: [], ports: [] });
  });
});

describe('udevEncode', () => {
  it('writes descriptor strings as udev writes ID_VENDOR / ID_MODEL', () => {
    expect(udevEncode('  FT232R USB UART ')).toBe('FT232R_USB_UART');
    expect(udevEncode('Silicon Labs')).toBe('Silicon_Labs');
    expect(udevEncode('a/b\tc')).toBe('a_b_c');
    expect(udevEncode('Prolific Technology Inc.')).toBe('Prolific_Technology_Inc.');
    expect(udevEncode('   ')).toBeNull();
    expect(udevEncode(null)).toBeNull();
  });
});

describe('splitDevT', () => {
  it('splits dev_t as glibc does, large numbers included', () => {
    expect(splitDevT(BigInt((188 << 8) | 3))).toEqual({ major: 188, minor: 3 });
    // major 511, minor 300000: the high bits of each live above bit 20 and bit 32.
    const major = 511n;
    const minor = 300000n;
    const dev = (minor & 0xffn) | ((major & 0xfffn) << 8n) | ((minor & ~0xffn) << 12n) | ((major & ~0xfffn) << 32n);
    expect(splitDevT(dev)).toEqual({ major: 511, minor: 300000 });
  });
});
