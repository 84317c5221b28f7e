// The serial port tracker's pure parts (docs/serial.md "Device nodes", "Port status"): which vPLCs a device change
// concerns, and what the status shows for a vPLC with ports before its first resync. No Docker here: a resync is
// covered by test/integration/serial/serial-nodes.int.test.ts.
import { describe, expect, it } from 'vitest';
import { SerialPortTracker, type SerialPortsDeps } from '../../../../../../electron/workers/orchestrator/serial/ports.js';
import type { SerialChange, SerialDevice, SerialPortSpec } from '../../../../../../shared/domain/serial.js';

const BY_ID = '/dev/serial/by-id';
const device = (name: string, node: string, minor = 0): SerialDevice => ({
  path: node,
  device_id: `${BY_ID}/${name}`,
  vendor_id: null,
  product_id: null,
  serial: null,
  manufacturer: null,
  product: null,
  major: 188,
  minor,
  subsystem: 'tty',
});
const change = (over: Partial<SerialChange>): SerialChange => ({ devices: [], ports: [], added: [], removed: [], portsAdded: [], portsRemoved: [], ...over });
const port = (name: string, deviceId: string, containerPath = `/dev/tty${name}`): SerialPortSpec => ({ name, deviceId, containerPath });

/** A tracker over desired records only: the parts tested here read nothing else. */
function tracker(records: Record<string, { ports?: SerialPortSpec[]; tombstone?: boolean }>): SerialPortTracker {
  const store = {
    desiredNames: () => Object.keys(records),
    getDesired: (n: string) => {
      const r = records[n];
      return r ? { tombstone: r.tombstone ?? false, spec: { name: n, serialPorts: r.ports } } : undefined;
    },
  };
  const deps = { store, clock: { now: () => Date.parse('2026-02-03T04:05:06.000Z') }, log: { warn: () => undefined } } as unknown as SerialPortsDeps;
  return new SerialPortTracker(deps);
}

describe('serial port tracker: which vPLCs a device change concerns', () => {
  const t = tracker({
    exact: { ports: [port('a', 'usb-FTDI_FT232R_A1-if00-port0')] },
    fragment: { ports: [port('b', 'Prolific')] },
    uart: { ports: [port('c', '/dev/ttyS1')] },
    none: {},
    deleting: { ports: [port('d', 'usb-FTDI_FT232R_A1-if00-port0')], tombstone: true },
  });

  it('a plugged device: the vPLCs whose port selects it, not a vPLC being deleted', () => {
    expect(t.affectedBy(change({ added: [device('usb-FTDI_FT232R_A1-if00-port0', '/dev/ttyUSB0')] }))).toEqual(['exact']);
  });

  it('an unplugged device matched by a fragment, and a renumbered one (in both lists)', () => {
    expect(t.affectedBy(change({ removed: [device('usb-Prolific_PL2303-if00-port0', '/dev/ttyUSB3')] }))).toEqual(['fragment']);
    const before = device('usb-FTDI_FT232R_A1-if00-port0', '/dev/ttyUSB0', 0);
    const after = device('usb-FTDI_FT232R_A1-if00-port0', '/dev/ttyUSB1', 1);
    expect(t.affectedBy(change({ added: [after], removed: [before] }))).toEqual(['exact']);
  });

  it('a built-in UART by its path; a device nobody configured concerns no vPLC', () => {
    expect(t.affectedBy(change({ portsAdded: [{ path: '/dev/ttyS1', major: 4, minor: 65, subsystem: 'tty' }] }))).toEqual(['uart']);
    expect(t.affectedBy(change({ added: [device('usb-Silicon_Labs_CP2102-if00-port0', '/dev/ttyUSB7')] }))).toEqual([]);
  });
});

describe('serial port tracker: the status before the first resync', () => {
  it('has no serial_ports for a vPLC without ports, and each configured port as not checked yet', () => {
    const t = tracker({ plain: {}, two: { ports: [port('x', 'usb-A-if00', '/dev/ttyX'), { ...port('y', 'usb-B-if00', '/dev/ttyY'), baudRate: 9600 }] } });
    expect(t.view('plain')).toBeUndefined();
    expect(t.view('missing')).toBeUndefined();
    expect(t.view('two')).toEqual([
      { name: 'x', device_id: 'usb-A-if00', container_path: '/dev/ttyX', baud_rate: null, status: 'disconnected', current_host_path: null, major: null, minor: null, reason: 'not checked yet', since: '2026-02-03T04:05:06.000Z' },
      { name: 'y', device_id: 'usb-B-if00', container_path: '/dev/ttyY', baud_rate: 9600, status: 'disconnected', current_host_path: null, major: null, minor: null, reason: 'not checked yet', since: '2026-02-03T04:05:06.000Z' },
    ]);
  });
});

describe('serial port tracker: the executor queue of a vPLC without ports', () => {
  it('is not taken by a resync, so the re-attacher and edits never wait or defer for it', async () => {
    const queued: string[] = [];
    const records: Record<string, { ports?: SerialPortSpec[] }> = { plain: {} };
    const store = {
      desiredNames: () => Object.keys(records),
      getDesired: (n: string) => (records[n] ? { tombstone: false, spec: { name: n, serialPorts: records[n].ports } } : undefined),
    };
    const exec = { serial: (name: string, fn: () => Promise<void>) => (queued.push(name), fn()) };
    const t = new SerialPortTracker({ store, exec, clock: { now: () => 0 }, log: { warn: () => undefined, info: () => undefined } } as unknown as SerialPortsDeps);
    await t.resync('plain', 'created');
    await t.resyncAll('agent start');
    expect(queued).toEqual([]);
  });
});
