import type { SerialDevice, SerialInventory, SerialPortState } from '../../../shared/domain/serial';

const BY_ID = '/dev/serial/by-id';

/** A USB serial adapter as the agent lists it (every field of the contract). */
export function usbDevice(over: Partial<SerialDevice> & { id: string }): SerialDevice {
  const { id, ...rest } = over;
  return { path: '/dev/ttyUSB0', device_id: `${BY_ID}/${id}`, vendor_id: '0403', product_id: '6001', serial: 'A10K1234', manufacturer: 'FTDI', product: 'FT232R USB UART', major: 188, minor: 0, subsystem: 'tty', ...rest };
}

export const ftdi = usbDevice({ id: 'usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0' });
export const ch340 = usbDevice({ id: 'usb-1a86_USB_Serial-if00-port0', path: '/dev/ttyUSB1', vendor_id: '1a86', product_id: '7523', serial: null, manufacturer: null, product: 'USB Serial', minor: 1 });
export const uart0 = { path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' };

export const inventory = (devices: SerialDevice[], ports = [uart0]): SerialInventory => ({ devices, ports });

/** A `serial:changed` event from `before` to `after` (the diff as the agent computes it, by device id). */
export function changed(before: SerialInventory, after: SerialInventory) {
  const ids = (l: SerialDevice[]) => new Set(l.map((d) => d.device_id));
  const paths = (l: SerialInventory['ports']) => new Set(l.map((p) => p.path));
  return {
    ...after,
    added: after.devices.filter((d) => !ids(before.devices).has(d.device_id)),
    removed: before.devices.filter((d) => !ids(after.devices).has(d.device_id)),
    portsAdded: after.ports.filter((p) => !paths(before.ports).has(p.path)),
    portsRemoved: before.ports.filter((p) => !paths(after.ports).has(p.path)),
  };
}

/** One port's live state as `vplc:status` and `serial:ports` carry it. */
export function portState(over: Partial<SerialPortState> = {}): SerialPortState {
  return { name: 'rtu', device_id: ftdi.device_id, container_path: '/dev/ttyRTU0', baud_rate: 19200, status: 'connected', current_host_path: '/dev/ttyUSB0', major: 188, minor: 0, reason: null, since: '2026-12-05T08:00:00.000Z', ...over };
}

/** A `vplc:list` row with the fields the agent always sends. */
export const listRow = (name: string, serial_ports: Array<Pick<SerialPortState, 'name' | 'device_id' | 'container_path' | 'status' | 'current_host_path'>> = []) => ({
  name,
  state: 'running',
  running: true,
  desired_state: 'running',
  operation: null,
  internal_ip: null,
  restart_suspended: false,
  restarts_resume_at: null,
  health: 'running' as const,
  reasons: [],
  plc_status: null,
  plc_connection: 'not_connected' as const,
  serial_ports,
});
