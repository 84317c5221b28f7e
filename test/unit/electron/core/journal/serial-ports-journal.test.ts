// The journal's serial port entries (docs/serial.md "Port status"): one per port whose status changed, never one for a
// repeated state, the agent as the requester, an error as an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Journal } from '../../../../../electron/core/journal/journal.js';
import { JournalRecorder } from '../../../../../electron/core/journal/recorder.js';
import { SerialPortsChange, type SerialPortState } from '../../../../../shared/domain/serial.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function journal(): Promise<{ j: Journal; r: JournalRecorder }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-serial-journal-'));
  dirs.push(dir);
  const j = new Journal(dir, { warn: () => undefined });
  await j.open();
  return { j, r: new JournalRecorder(j) };
}

const rows = async (j: Journal): Promise<string[]> => {
  await j.append({ vplc: 'marker', action: 'marker', requestedBy: 'agent', result: 'ok' });
  return j.list(50).reverse().filter((e) => e.vplc !== 'marker').map((e) => `${e.vplc} ${e.action} ${e.requestedBy} ${e.result} (${e.detail ?? ''})`);
};

const port = (over: Partial<SerialPortState>): SerialPortState => ({
  name: 'rs485',
  device_id: 'usb-FTDI_X-if00-port0',
  container_path: '/dev/ttyS1',
  baud_rate: 9600,
  status: 'disconnected',
  current_host_path: null,
  major: null,
  minor: null,
  reason: "no device matches 'usb-FTDI_X-if00-port0'",
  since: '2026-01-01T00:00:00.000Z',
  ...over,
});
const change = (vplc: string, ports: SerialPortState[]): SerialPortsChange => SerialPortsChange.parse({ vplc, ports });

describe('journal: serial ports', () => {
  it('writes one entry per port status change and none for a state seen already', async () => {
    const { j, r } = await journal();
    const modbus = port({ name: 'modbus', container_path: '/dev/ttyS2', status: 'connected', current_host_path: '/dev/ttyUSB1', major: 188, minor: 1, reason: null });
    r.serialPorts(change('plc-a', [port({}), modbus]));
    // Only rs485 changed; modbus is the same state again with a new `since`.
    const connected = port({ status: 'connected', current_host_path: '/dev/ttyUSB0', major: 188, minor: 0, reason: null });
    r.serialPorts(change('plc-a', [connected, { ...modbus, since: '2026-01-02T00:00:00.000Z' }]));
    r.serialPorts(change('plc-a', [connected, modbus]));
    // Replugged onto another node: still connected, but to another device node, so an entry.
    r.serialPorts(change('plc-a', [port({ status: 'connected', current_host_path: '/dev/ttyUSB3', major: 188, minor: 3, reason: null }), modbus]));
    r.serialPorts(change('plc-a', [port({ status: 'error', current_host_path: '/dev/ttyUSB3', major: 188, minor: 3, reason: 'mknod failed: Operation not permitted' }), modbus]));
    expect(await rows(j)).toEqual([
      "plc-a serial-port agent ok (port 'rs485' (/dev/ttyS1) disconnected: no device matches 'usb-FTDI_X-if00-port0')",
      "plc-a serial-port agent ok (port 'modbus' (/dev/ttyS2) connected to /dev/ttyUSB1 (188:1))",
      "plc-a serial-port agent ok (port 'rs485' (/dev/ttyS1) connected to /dev/ttyUSB0 (188:0))",
      "plc-a serial-port agent ok (port 'rs485' (/dev/ttyS1) connected to /dev/ttyUSB3 (188:3))",
      "plc-a serial-port agent error (port 'rs485' (/dev/ttyS1) error: mknod failed: Operation not permitted)",
    ]);
  });

  it('forgets the ports a vPLC no longer has, so a port added again is an entry again', async () => {
    const { j, r } = await journal();
    r.serialPorts(change('plc-b', [port({ reason: 'vPLC not running' })]));
    r.serialPorts(change('plc-b', []));
    r.serialPorts(change('plc-b', [port({ reason: 'vPLC not running' })]));
    expect(await rows(j)).toEqual([
      "plc-b serial-port agent ok (port 'rs485' (/dev/ttyS1) disconnected: vPLC not running)",
      "plc-b serial-port agent ok (port 'rs485' (/dev/ttyS1) disconnected: vPLC not running)",
    ]);
  });
});
