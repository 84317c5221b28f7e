// The UI's copy of the agent's device matching (docs/serial.md "Matching"), used to mark which vPLC uses a device.
import { describe, expect, it } from 'vitest';
import { matchDevice, type HostSerialNode } from '../../../renderer/src/features/serial/devices';

const ftdi: HostSerialNode = { path: '/dev/ttyUSB0', deviceId: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_A1-if00-port0' };
const uart: HostSerialNode = { path: '/dev/ttyS0', deviceId: null };

describe('matchDevice', () => {
  it('matches a by-id adapter by its by-id path or basename, a built-in UART by its path', () => {
    expect(matchDevice(ftdi.deviceId!, [ftdi, uart])).toEqual({ kind: 'one', node: ftdi });
    expect(matchDevice('usb-FTDI_FT232R_USB_UART_A1-if00-port0', [ftdi, uart])).toEqual({ kind: 'one', node: ftdi });
    expect(matchDevice('/dev/ttyS0', [ftdi, uart])).toEqual({ kind: 'one', node: uart });
  });

  it('never matches a by-id adapter by its node path (the kernel gives it to whichever adapter comes first)', () => {
    expect(matchDevice('/dev/ttyUSB0', [ftdi, uart])).toEqual({ kind: 'none' });
  });
});
