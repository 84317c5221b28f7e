// The topic → orchestrator adapter with a recording stand-in for the orchestrator. Runtime: < 100 ms.
import { describe, expect, it, vi } from 'vitest';
import { orchestratorTarget, type OrchestratorPort } from '../../../../../../electron/workers/orchestrator/cloud/adapter.js';
import { CreateNewRuntimeRequest } from '../../../../../../shared/cloud/create-new-runtime.js';
import type { SerialDevice } from '../../../../../../shared/domain/serial.js';

const ftdi: SerialDevice = {
  path: '/dev/ttyUSB0',
  device_id: '/dev/serial/by-id/usb-FTDI_FT232R_USB_UART_ABC123-if00-port0',
  vendor_id: '0403',
  product_id: '6001',
  serial: 'ABC123',
  manufacturer: 'FTDI',
  product: 'FT232R_USB_UART',
  major: 188,
  minor: 0,
  subsystem: 'tty',
};

function fakeOrch(): OrchestratorPort & { calls: string[] } {
  const calls: string[] = [];
  const rec = (what: string) => {
    calls.push(what);
  };
  return {
    calls,
    create: vi.fn((spec) => (rec(`create ${spec.name}`), Promise.resolve({ status: 'creating' as const, container_id: spec.name, message: 'm', operation_id: 'o' }))),
    delete: vi.fn((n) => (rec(`delete ${n}`), Promise.resolve({ status: 'deleting' as const, device_id: n, message: 'm' }))),
    start: vi.fn((n) => Promise.resolve({ status: 'success' as const, device_id: n, container_status: 'running', message: 'm' })),
    stop: vi.fn((n) => Promise.resolve({ status: 'success' as const, device_id: n, container_status: 'exited', message: 'm' })),
    restart: vi.fn((n) => Promise.resolve({ status: 'success' as const, device_id: n, container_status: 'running', message: 'm' })),
    status: vi.fn((n) => Promise.resolve({ status: 'not_found' as const, device_id: n, message: 'x' })),
    runCommand: vi.fn(() => Promise.resolve({ status: 'error' as const, error: 'Device not found: x' })),
    consumptionDevice: vi.fn(() => Promise.resolve({})),
    consumptionOrchestrator: vi.fn(() => Promise.resolve({})),
    selfDestruct: vi.fn(() => (rec('selfDestruct'), { status: 'accepted' as const, message: 'm', poll_device_id: '__orchestrator__' })),
    applyPendingChanges: vi.fn((n) => (rec(`apply ${n}`), Promise.resolve({ status: 'success' as const, message: `Applying the pending changes of ${n}` }))),
    serialDevices: vi.fn(() => ({ devices: [ftdi], ports: [{ path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' }] })),
  };
}

const wlan = { name: 'wlan0', mac: null, type: 'wifi' as const, ipv4: [], gateway: null };

describe('orchestratorTarget', () => {
  it('refuses delete_orchestrator while remote removal is disabled, without calling the orchestrator', async () => {
    const orch = fakeOrch();
    const t = orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => false, removeSelf: () => Promise.resolve() });
    expect(await t.execute('delete_orchestrator', {})).toEqual({ status: 'error', error: 'Remote removal is disabled on this orchestrator' });
    expect(orch.calls).toEqual([]);
  });

  it('passes apply_pending_changes to the orchestrator as an explicit confirm from the cloud', async () => {
    const orch = fakeOrch();
    const t = orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    expect(await t.execute('apply_pending_changes', { device_id: 'plc-1' })).toEqual({ device_id: 'plc-1', status: 'success', message: 'Applying the pending changes of plc-1' });
    expect(orch.applyPendingChanges).toHaveBeenCalledWith('plc-1', 'cloud');
  });

  it('hands a vNIC on a WiFi parent and a dedicated NIC to the orchestrator (docs/host-nics.md)', async () => {
    const orch = fakeOrch();
    const t = orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([wlan]) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    const req = CreateNewRuntimeRequest.parse({ container_name: 'plc-1', vnic_configs: [{ name: 'w', parent_interface: 'wlan0', network_mode: 'dhcp' }], dedicated_interface: 'enp4s0' });
    expect(await t.execute('create_new_runtime', req)).toMatchObject({ status: 'creating' });
    expect(orch.calls).toEqual(['create plc-1']);
    expect(orch.create).toHaveBeenCalledWith(expect.objectContaining({ dedicatedInterface: 'enp4s0', vnics: [expect.objectContaining({ parentInterface: 'wlan0' })] }), 'cloud');
  });

  it('reports an interface cache failure with the reference prefix', async () => {
    const t = orchestratorTarget({ orchestrator: fakeOrch(), interfaces: { list: () => Promise.reject(new Error('ip failed')) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    expect(await t.execute('get_host_interfaces', { include_virtual: false, detailed: true })).toEqual({ status: 'error', error: 'Failed to retrieve network interfaces: ip failed' });
  });

  it('sends the PLC view to the cloud without the runtime user name', async () => {
    const orch = fakeOrch();
    const plc = { connection: 'connected' as const, username: 'plant-admin', status: 'RUNNING' as const, program_loaded: true, tasks: [], fault_since: null, realtime: false, checked_at: '2026-12-05T06:00:00.000Z', error: null, change_rule: 'plc-aware' as const, change_rule_reason: 'held: the PLC program is running; stop the PLC or confirm' };
    orch.status = vi.fn((n: string) => Promise.resolve({ status: 'success' as const, device_id: n, plc }));
    const t = orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    const ack = await t.execute('get_device_status', { device_id: 'plc-1' });
    expect(ack['plc']).toEqual({ ...plc, username: null });
    expect(JSON.stringify(ack)).not.toContain('plant-admin');
  });

  it('leaves current_host_path out of a serial port that has none (docs/protocol.md §4.5), and keeps it when set', async () => {
    const orch = fakeOrch();
    const port = { name: 'rtu', device_id: ftdi.device_id, container_path: '/dev/ttyRTU0', baud_rate: 9600, major: null, minor: null, since: '2026-12-05T06:00:00.000Z' };
    const serial_ports = [
      { ...port, status: 'disconnected' as const, current_host_path: null, reason: `no device matches '${ftdi.device_id}'` },
      { ...port, name: 'dbg', status: 'connected' as const, current_host_path: '/dev/ttyUSB0', major: 188, minor: 0, reason: null },
    ];
    orch.status = vi.fn((n: string) => Promise.resolve({ status: 'success' as const, device_id: n, serial_ports }));
    const t = orchestratorTarget({ orchestrator: orch, interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    const ports = (await t.execute('get_device_status', { device_id: 'plc-1' }))['serial_ports'] as Array<Record<string, unknown>>;
    expect('current_host_path' in (ports[0] ?? {})).toBe(false);
    expect(ports[0]).toMatchObject({ name: 'rtu', status: 'disconnected', reason: `no device matches '${ftdi.device_id}'` });
    expect(ports[1]).toEqual(serial_ports[1]);
  });

  it('answers get_serial_devices with the by-id devices in the docs/protocol.md §4.7 shape, without the built-in UARTs', async () => {
    const t = orchestratorTarget({ orchestrator: fakeOrch(), interfaces: { list: () => Promise.resolve([]) }, allowRemoteRemoval: () => true, removeSelf: () => Promise.resolve() });
    expect(await t.execute('get_serial_devices', {})).toEqual({
      status: 'success',
      count: 1,
      devices: [{ path: '/dev/ttyUSB0', device_id: ftdi.device_id, vendor_id: '0403', product_id: '6001', serial: 'ABC123', manufacturer: 'FTDI', product: 'FT232R_USB_UART' }],
    });
  });
});
