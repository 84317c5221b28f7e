// Accepting a vPLC's serial ports (docs/serial.md "Serial ports of a vPLC"): an id that selects two plugged devices is
// refused, one device claimed by two vPLCs is refused unless both ports are shared, an unplugged device is accepted.
import { describe, expect, it } from 'vitest';
import type { SerialCandidate } from '../../../../../../electron/workers/orchestrator/serial/match.js';
import { claimedByOthers, CLOUD_FIELDS, serialRefusal, SPEC_FIELDS } from '../../../../../../electron/workers/orchestrator/serial/validate.js';
import type { SerialPortSpec } from '../../../../../../shared/domain/serial.js';

const BY_ID = '/dev/serial/by-id';
const ftdi: SerialCandidate = { path: '/dev/ttyUSB0', deviceId: `${BY_ID}/usb-FTDI_FT232R_ABC-if00-port0`, major: 188, minor: 0 };
const cp: SerialCandidate = { path: '/dev/ttyUSB1', deviceId: `${BY_ID}/usb-Silicon_Labs_CP2102_0001-if00-port0`, major: 188, minor: 1 };
const uart: SerialCandidate = { path: '/dev/ttyS0', deviceId: null, major: 4, minor: 64 };
const plugged = [ftdi, cp, uart];
const port = (deviceId: string, over: Partial<SerialPortSpec> = {}): SerialPortSpec => ({ name: 'rtu', deviceId, containerPath: '/dev/ttyRTU', ...over });

describe('serialRefusal', () => {
  it('refuses an id that selects more than one plugged device, naming the field and the candidates', () => {
    expect(serialRefusal([port('usb-FTDI_FT232R_ABC-if00-port0'), port('usb', { name: 'b', containerPath: '/dev/b' })], [], plugged, CLOUD_FIELDS)).toEqual({
      field: 'serial_configs[1].device_id',
      text: `'usb' matches 2 devices: ${ftdi.deviceId}, ${cp.deviceId}; give the full by-id path of one`,
    });
    expect(serialRefusal([port('usb')], [], plugged, SPEC_FIELDS)?.field).toBe('serialPorts[0].deviceId');
  });

  it('accepts an exact id, a fragment that selects one device, a built-in UART and a device not plugged now', () => {
    expect(serialRefusal([port(ftdi.deviceId ?? ''), port('CP2102', { name: 'b', containerPath: '/dev/b' }), port('/dev/ttyS0', { name: 'c', containerPath: '/dev/c' }), port('usb-Prolific_9', { name: 'd', containerPath: '/dev/d' })], [], plugged, CLOUD_FIELDS)).toBeNull();
  });

  it('refuses a device another vPLC already uses, matched through the current list', () => {
    const others = [{ vplc: 'plc-a', ports: [port('FT232R', { name: 'line1' })] }];
    expect(serialRefusal([port(ftdi.deviceId ?? '')], others, plugged, CLOUD_FIELDS)).toEqual({
      field: 'serial_configs[0].device_id',
      text: `device ${ftdi.deviceId} is already used by serial port 'line1' of vPLC plc-a; mark both ports shared to use it from both`,
    });
  });

  it('refuses the same id of an unplugged device, compared as written', () => {
    const others = [{ vplc: 'plc-a', ports: [port('usb-Prolific_9', { name: 'line1' })] }];
    expect(serialRefusal([port(' usb-Prolific_9 ')], others, plugged, CLOUD_FIELDS)?.text).toBe("device usb-Prolific_9 is already used by serial port 'line1' of vPLC plc-a; mark both ports shared to use it from both");
  });

  it('allows a device both ports mark shared, and only then', () => {
    const shared = [{ vplc: 'plc-a', ports: [port('FT232R', { name: 'line1', shared: true })] }];
    expect(serialRefusal([port(ftdi.deviceId ?? '', { shared: true })], shared, plugged, CLOUD_FIELDS)).toBeNull();
    expect(serialRefusal([port(ftdi.deviceId ?? '')], shared, plugged, CLOUD_FIELDS)).not.toBeNull();
    const notShared = [{ vplc: 'plc-a', ports: [port('FT232R', { name: 'line1' })] }];
    expect(serialRefusal([port(ftdi.deviceId ?? '', { shared: true })], notShared, plugged, CLOUD_FIELDS)).not.toBeNull();
  });

  it('lets two vPLCs use two different devices', () => {
    expect(serialRefusal([port('CP2102')], [{ vplc: 'plc-a', ports: [port('FT232R')] }], plugged, CLOUD_FIELDS)).toBeNull();
  });
});

describe('claimedByOthers', () => {
  it('lists the ports in effect and pending of every other live vPLC', () => {
    const records: Record<string, { tombstone: boolean; spec?: { serialPorts?: SerialPortSpec[] }; pending_serial_ports?: SerialPortSpec[] }> = {
      self: { tombstone: false, spec: { serialPorts: [port('x')] } },
      a: { tombstone: false, spec: { serialPorts: [port('a1')] }, pending_serial_ports: [port('a2')] },
      gone: { tombstone: true, spec: { serialPorts: [port('g')] } },
      none: { tombstone: false, spec: {} },
    };
    const got = claimedByOthers({ names: () => Object.keys(records), get: (n) => records[n] }, 'self');
    expect(got).toEqual([{ vplc: 'a', ports: [port('a1'), port('a2')] }]);
  });
});
