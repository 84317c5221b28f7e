import { describe, expect, it } from 'vitest';
import { allowedSerialMajors, majorsKey, majorsPerPort, USB_SERIAL_MAJORS } from '../../../../../../electron/workers/orchestrator/serial/majors.js';
import { candidatesOf, matchSerialDevice, type SerialCandidate } from '../../../../../../electron/workers/orchestrator/serial/match.js';

const byId = (tail: string): string => `/dev/serial/by-id/${tail}`;
const dev = (tail: string, node: string, major: number | null, minor: number | null): SerialCandidate => ({ path: node, deviceId: byId(tail), major, minor });
const ftdiA = dev('usb-FTDI_FT232R_USB_UART_A1-if00-port0', '/dev/ttyUSB0', 188, 0);
const ftdiB = dev('usb-FTDI_FT232R_USB_UART_B2-if00-port0', '/dev/ttyUSB1', 188, 1);
const acm = dev('usb-Arduino_Uno_C3-if00', '/dev/ttyACM0', 166, 0);
const uart: SerialCandidate = { path: '/dev/ttyS0', deviceId: null, major: 4, minor: 64 };
const all = [ftdiA, ftdiB, acm, uart];

describe('matching a configured device_id', () => {
  it('takes the full by-id path, its basename or a built-in UART path as exact', () => {
    expect(matchSerialDevice(ftdiA.deviceId!, all)).toEqual({ kind: 'one', device: ftdiA, exact: true });
    expect(matchSerialDevice('usb-FTDI_FT232R_USB_UART_B2-if00-port0', all)).toEqual({ kind: 'one', device: ftdiB, exact: true });
    expect(matchSerialDevice('/dev/ttyS0', all)).toEqual({ kind: 'one', device: uart, exact: true });
  });

  it('never matches a by-id adapter by its node path, which the kernel gives to whichever adapter comes first', () => {
    expect(matchSerialDevice('/dev/ttyUSB0', all)).toEqual({ kind: 'none' });
    expect(matchSerialDevice('/dev/ttyACM0', all)).toEqual({ kind: 'none' });
    // The UART has no by-id link: its node path is its only name.
    expect(matchSerialDevice('/dev/ttyS0', [uart])).toEqual({ kind: 'one', device: uart, exact: true });
  });

  it('counts a substring only when it selects exactly one device', () => {
    expect(matchSerialDevice('Arduino', all)).toEqual({ kind: 'one', device: acm, exact: false });
    expect(matchSerialDevice('A1', all)).toEqual({ kind: 'one', device: ftdiA, exact: false });
    const usb = matchSerialDevice('usb', all);
    expect(usb.kind).toBe('ambiguous');
    expect(usb.kind === 'ambiguous' ? usb.candidates.map((c) => c.path) : []).toEqual(['/dev/ttyUSB0', '/dev/ttyUSB1', '/dev/ttyACM0']);
  });

  it('matches a configured id that contains the by-id basename (the reverse direction)', () => {
    expect(matchSerialDevice('/old/prefix/usb-Arduino_Uno_C3-if00', all)).toEqual({ kind: 'one', device: acm, exact: false });
  });

  it('finds nothing for a blank id, an unplugged device or a built-in UART named by a fragment', () => {
    expect(matchSerialDevice('  ', all)).toEqual({ kind: 'none' });
    expect(matchSerialDevice('usb-Prolific_PL2303', all)).toEqual({ kind: 'none' });
    expect(matchSerialDevice('ttyS', all)).toEqual({ kind: 'none' });
    expect(matchSerialDevice('A1', [])).toEqual({ kind: 'none' });
  });

  it('lists the inventory as by-id devices first, then the built-in UARTs', () => {
    const inv = {
      devices: [{ path: '/dev/ttyUSB0', device_id: ftdiA.deviceId!, vendor_id: '0403', product_id: '6001', serial: 'A1', manufacturer: 'FTDI', product: 'FT232R_USB_UART', major: 188, minor: 0, subsystem: 'tty' }],
      ports: [{ path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' }],
    };
    expect(candidatesOf(inv)).toEqual([ftdiA, uart]);
  });
});

describe('device majors a vPLC container allows', () => {
  const port = (name: string, deviceId: string) => ({ name, deviceId, containerPath: `/dev/${name}` });

  it('allows the major of the matched device, and the USB serial majors for a port whose device was never seen', () => {
    expect(majorsPerPort([port('rtu', 'A1'), port('spare', 'usb-Prolific')], {}, all)).toEqual({ [majorsKey(port('rtu', 'A1'))]: [188], [majorsKey(port('spare', 'usb-Prolific'))]: [...USB_SERIAL_MAJORS] });
    expect(allowedSerialMajors([port('uart', '/dev/ttyS0')], {}, all)).toEqual([4]);
  });

  it('keeps the majors a port was created with after its device is unplugged, and adds a new one when it appears', () => {
    const learned = { [majorsKey(port('rtu', 'A1'))]: [136] };
    expect(allowedSerialMajors([port('rtu', 'A1')], learned, [])).toEqual([136]);
    expect(allowedSerialMajors([port('rtu', 'A1')], learned, all)).toEqual([136, 188]);
  });

  it('allows nothing without ports, whatever was learned before', () => {
    expect(allowedSerialMajors([], { [majorsKey(port('rtu', 'A1'))]: [188] }, all)).toEqual([]);
  });

  it('gives an ambiguous port no device major of its own', () => {
    expect(majorsPerPort([port('x', 'FTDI')], {}, all)).toEqual({ [majorsKey(port('x', 'FTDI'))]: [...USB_SERIAL_MAJORS] });
  });
});
