// The majors a vPLC's container allows follow the devices its ports name now (docs/serial.md "Device access"): a
// port moved to another device keeps nothing it learned for the old one.
import { describe, expect, it } from 'vitest';
import { allowedSerialMajors, containerMajors, learnInEffect, majorsKey, majorsPerPort, USB_SERIAL_MAJORS } from '../../../../../../electron/workers/orchestrator/serial/majors.js';
import type { SerialCandidate } from '../../../../../../electron/workers/orchestrator/serial/match.js';

const pty: SerialCandidate = { path: '/dev/ttyUSB0', deviceId: '/dev/serial/by-id/usb-FTDI_A1-if00-port0', major: 136, minor: 3 };
const pty2: SerialCandidate = { path: '/dev/ttyUSB1', deviceId: '/dev/serial/by-id/usb-CP210_B2-if00-port0', major: 136, minor: 4 };
const uart: SerialCandidate = { path: '/dev/ttyS0', deviceId: null, major: 4, minor: 64 };
const port = (deviceId: string) => ({ name: 'rtu', deviceId, containerPath: '/dev/ttyRTU' });

describe('device majors after a port moves to another device', () => {
  it('allows only the new device major, not the one learned for the old device', () => {
    const learned = majorsPerPort([port('usb-FTDI_A1-if00-port0')], {}, [pty, uart]);
    expect(containerMajors(learned)).toEqual([136]);
    expect(allowedSerialMajors([port('/dev/ttyS0')], learned, [pty, uart])).toEqual([4]);
    expect(majorsPerPort([port('/dev/ttyS0')], learned, [pty, uart])).toEqual({ [majorsKey(port('/dev/ttyS0'))]: [4] });
  });

  it('keeps what was learned for the same port and device while it is unplugged', () => {
    const learned = majorsPerPort([port('usb-FTDI_A1-if00-port0')], {}, [pty]);
    expect(allowedSerialMajors([port('usb-FTDI_A1-if00-port0')], learned, [])).toEqual([136]);
    expect(allowedSerialMajors([port('usb-CP210_B2-if00-port0')], learned, [])).toEqual([...USB_SERIAL_MAJORS]);
  });

  it('learns a device put into effect on the same container only when the container allows its major', () => {
    const learned = majorsPerPort([port('usb-FTDI_A1-if00-port0')], {}, [pty, pty2, uart]);
    const moved = learnInEffect(learned, [port('usb-CP210_B2-if00-port0')], [pty, pty2, uart]);
    expect(moved).toEqual({ ...learned, [majorsKey(port('usb-CP210_B2-if00-port0'))]: [136] });
    expect(allowedSerialMajors([port('usb-CP210_B2-if00-port0')], moved, [])).toEqual([136]);
    expect(containerMajors(moved)).toEqual([136]);
    expect(learnInEffect(learned, [port('/dev/ttyS0')], [pty, uart])).toEqual(learned);
  });
});
