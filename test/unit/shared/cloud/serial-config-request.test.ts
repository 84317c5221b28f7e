// create_new_runtime's serial_configs (docs/protocol.md §4.1, docs/serial.md "Serial ports of a vPLC"): field-named
// validation, the mapping into the domain spec, and serial no longer refused as a later-phase feature.
import { describe, expect, it } from 'vitest';
import { CreateNewRuntimeRequest, toVplcSpec } from '../../../../shared/cloud/create-new-runtime.js';
import { parseCommand } from '../../../../shared/cloud/parse.js';
import { VplcSpec } from '../../../../shared/domain/vplc.js';

const port = (over: Record<string, unknown> = {}): Record<string, unknown> => ({ name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/ttyRTU', ...over });
const req = (ports: unknown[]): Record<string, unknown> => ({ correlation_id: 1, container_name: 'plc-001', vnic_configs: [], serial_configs: ports });

function parsed(payload: unknown): CreateNewRuntimeRequest {
  const r = parseCommand(CreateNewRuntimeRequest, payload);
  if (!r.ok) throw new Error(`unexpected failure: ${r.error}`);
  return r.value;
}

function failure(payload: unknown): { error: string; field: string } {
  const r = parseCommand(CreateNewRuntimeRequest, payload);
  if (r.ok) throw new Error('expected a validation failure');
  return { error: r.error, field: r.field };
}

describe('serial_configs → VplcSpec.serialPorts', () => {
  it('maps name, device_id, container_path, baud_rate and shared', () => {
    const spec = toVplcSpec(parsed(req([port({ baud_rate: 19200 }), port({ name: 'b', device_id: '/dev/serial/by-id/usb-CP_2', container_path: '/dev/bus/b0', shared: true })])));
    expect(spec.serialPorts).toEqual([
      { name: 'rtu', deviceId: 'usb-FTDI_1', containerPath: '/dev/ttyRTU', baudRate: 19200 },
      { name: 'b', deviceId: '/dev/serial/by-id/usb-CP_2', containerPath: '/dev/bus/b0', shared: true },
    ]);
    expect(VplcSpec.parse(spec).serialPorts).toHaveLength(2);
  });

  it('leaves baudRate out when absent or null, and shared out when false', () => {
    const spec = toVplcSpec(parsed(req([port({ baud_rate: null, shared: false })])));
    expect(spec.serialPorts).toEqual([{ name: 'rtu', deviceId: 'usb-FTDI_1', containerPath: '/dev/ttyRTU' }]);
  });

  it('gives no serialPorts for an empty or missing list', () => {
    expect(toVplcSpec(parsed(req([])))).not.toHaveProperty('serialPorts');
    expect(toVplcSpec(parsed({ container_name: 'plc-001', vnic_configs: [] }))).not.toHaveProperty('serialPorts');
  });
});

describe('serial_configs validation names the field', () => {
  it.each([
    [[port({ container_path: '/tmp/x' })], 'Invalid field type: serial_configs[0].container_path: Value must be a device path under /dev/.', 'serial_configs[0].container_path'],
    [[port(), port({ name: 'b', container_path: '/dev/../etc' })], 'Invalid field type: serial_configs[1].container_path: Value must be a device path under /dev/.', 'serial_configs[1].container_path'],
    [[port({ name: '' })], 'Invalid field type: serial_configs[0].name: Value must be a non-empty string.', 'serial_configs[0].name'],
    [[port({ baud_rate: 9600.5 })], 'Invalid field type: serial_configs[0].baud_rate: must be a whole number of bits per second above 0', 'serial_configs[0].baud_rate'],
    [[port({ baud_rate: 0 })], 'Invalid field type: serial_configs[0].baud_rate: must be a whole number of bits per second above 0', 'serial_configs[0].baud_rate'],
    [[port(), port({ device_id: 'other' })], "Validation error: serial_configs[1].name: serial port name 'rtu' is already used by serial_configs[0]", 'serial_configs[1].name'],
    [[port(), port({ name: 'b' })], 'Validation error: serial_configs[1].container_path: /dev/ttyRTU is already used by serial_configs[0]', 'serial_configs[1].container_path'],
  ])('%j', (ports, error, field) => {
    const f = failure(req(ports));
    expect(f.error).toBe(error);
    expect(f.field).toBe(field);
  });
});
