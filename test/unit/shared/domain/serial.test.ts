// The serial inventory diff and the cloud shape (docs/serial.md, docs/protocol.md §4.7). Runtime: < 50 ms.
import { describe, expect, it } from 'vitest';
import { cloudSerialDevice, diffInventory, type SerialDevice, type SerialInventory } from '../../../../shared/domain/serial.js';
import { VplcSpec } from '../../../../shared/domain/vplc.js';

const dev = (n: number, over: Partial<SerialDevice> = {}): SerialDevice => ({
  path: `/dev/ttyUSB${n}`,
  device_id: `/dev/serial/by-id/usb-X_${n}-if00-port0`,
  vendor_id: '0403',
  product_id: '6001',
  serial: `S${n}`,
  manufacturer: 'FTDI',
  product: 'FT232R_USB_UART',
  major: 188,
  minor: n,
  subsystem: 'tty',
  ...over,
});
const inv = (devices: SerialDevice[], ports: SerialInventory['ports'] = []): SerialInventory => ({ devices, ports });

describe('diffInventory', () => {
  it('is null when nothing differs', () => {
    expect(diffInventory(inv([dev(0)]), inv([dev(0)]))).toBeNull();
  });

  it('names added and removed devices and ports, with the new lists', () => {
    const ttyS0 = { path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' };
    expect(diffInventory(inv([dev(0), dev(1)]), inv([dev(1), dev(2)], [ttyS0]))).toEqual({
      devices: [dev(1), dev(2)],
      ports: [ttyS0],
      added: [dev(2)],
      removed: [dev(0)],
      portsAdded: [ttyS0],
      portsRemoved: [],
    });
  });

  it('reports a replug onto another node as removed (old record) and added (new record)', () => {
    const moved = dev(0, { path: '/dev/ttyUSB3', minor: 3 });
    expect(diffInventory(inv([dev(0)]), inv([moved]))).toMatchObject({ added: [moved], removed: [dev(0)] });
  });
});

describe('cloudSerialDevice', () => {
  it('keeps exactly the docs/protocol.md §4.7 fields', () => {
    expect(Object.keys(cloudSerialDevice(dev(0)))).toEqual(['path', 'device_id', 'vendor_id', 'product_id', 'serial', 'manufacturer', 'product']);
  });
});

describe('a port container path in the spec', () => {
  const spec = (containerPath: string) => VplcSpec.safeParse({ name: 'plc1', runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rtu', deviceId: 'usb-x', containerPath }] });

  it("refuses Docker's own /dev entries and what is below them, naming the field", () => {
    for (const p of ['/dev/null', '/dev/tty', '/dev/ptmx', '/dev/pts/1', '/dev/shm/plc', '/dev/fd/3', '/dev/core']) {
      const r = spec(p);
      expect(r.success, p).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(['serialPorts', 0, 'containerPath']);
      expect(r.error?.issues[0]?.message).toMatch(/is one of the entries Docker gives every container; a serial port there would replace it/);
    }
  });

  it('keeps the format rule and accepts a free path', () => {
    expect(spec('/dev/../etc/passwd').error?.issues[0]?.message).toBe('must be /dev/ followed by [A-Za-z0-9._-] path segments, without . or ..');
    expect(spec('/dev/serial/plc0').success).toBe(true);
  });
});
