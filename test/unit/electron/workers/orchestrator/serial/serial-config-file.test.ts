// data/serial_configs.json (docs/serial.md "Stored files", docs/protocol.md §5.14): the reference's shape plus
// baud_rate, kept through the state store (atomic writes, zod on read), a corrupt file quarantined and reported.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { SerialPortState } from '../../../../../../shared/domain/serial.js';
import { SERIAL_CONFIGS_FILE } from '../../../../../../electron/workers/orchestrator/serial/config-file.js';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const open = async (dir?: string): Promise<StateStore> => {
  const d = dir ?? mkdtempSync(path.join(tmpdir(), 'vplc-serialcfg-'));
  if (!dir) dirs.push(d);
  const s = new StateStore(d);
  await s.load();
  return s;
};
const onDisk = (s: StateStore): unknown => JSON.parse(readFileSync(path.join(s.dir, SERIAL_CONFIGS_FILE), 'utf8'));
const rtu = { name: 'rtu', deviceId: 'usb-FTDI_1', containerPath: '/dev/ttyRTU', baudRate: 9600 };
const dbg = { name: 'dbg', deviceId: '/dev/ttyS0', containerPath: '/dev/ttyDBG' };
const record = { desired_state: 'running' as const, created_at: 't', updated_at: 't', degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false };
const state = (over: Partial<SerialPortState>): SerialPortState => ({
  name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/ttyRTU', baud_rate: 9600, status: 'connected', current_host_path: '/dev/ttyUSB0', major: 188, minor: 0, reason: null, since: 't', ...over,
});

describe('data/serial_configs.json', () => {
  it('is written in the reference shape plus baud_rate, every port starting disconnected with nulls', async () => {
    const s = await open();
    await s.serialConfigs.put('plc-1', [rtu, dbg]);
    expect(onDisk(s)).toEqual({
      'plc-1': {
        serial_ports: [
          { name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/ttyRTU', status: 'disconnected', current_host_path: null, major: null, minor: null, baud_rate: 9600 },
          { name: 'dbg', device_id: '/dev/ttyS0', container_path: '/dev/ttyDBG', status: 'disconnected', current_host_path: null, major: null, minor: null, baud_rate: null },
        ],
      },
    });
    // Atomic: no temp file is left beside it.
    expect(readdirSync(path.join(s.dir, 'data'))).toEqual(['serial_configs.json']);
  });

  it('records the live state of the stored ports by name and ignores unknown ports and vPLCs', async () => {
    const s = await open();
    await s.putDesired('plc-1', { ...record, spec: { name: 'plc-1', vnics: [], runtimeVersion: 'latest', serialPorts: [rtu, dbg] } });
    await s.serialConfigs.put('plc-1', [rtu, dbg]);
    await s.serialConfigs.recordState('plc-1', [state({}), state({ name: 'ghost' })]);
    await s.serialConfigs.recordState('plc-2', [state({})]);
    const again = await open(s.dir);
    expect(again.serialConfigs.get('plc-1')?.serial_ports.map((p) => [p.name, p.status, p.current_host_path, p.major, p.minor])).toEqual([
      ['rtu', 'connected', '/dev/ttyUSB0', 188, 0],
      ['dbg', 'disconnected', null, null, null],
    ]);
    expect(again.serialConfigs.get('plc-2')).toBeUndefined();
  });

  it('keeps the state of a port an edit leaves as it is, resets a changed one, and drops the entry without ports', async () => {
    const s = await open();
    await s.serialConfigs.put('plc-1', [rtu, dbg]);
    await s.serialConfigs.recordState('plc-1', [state({}), state({ name: 'dbg', device_id: '/dev/ttyS0', current_host_path: '/dev/ttyS0', major: 4, minor: 64 })]);
    await s.serialConfigs.put('plc-1', [{ ...rtu, baudRate: 19200 }, { ...dbg, deviceId: '/dev/ttyS1' }]);
    expect(s.serialConfigs.get('plc-1')?.serial_ports.map((p) => [p.name, p.status, p.major, p.baud_rate])).toEqual([
      ['rtu', 'connected', 188, 19200],
      ['dbg', 'disconnected', null, null],
    ]);
    await s.serialConfigs.put('plc-1', []);
    expect(onDisk(s)).toEqual({});
  });

  it('loses an entry on drop and the whole file on wipe', async () => {
    const s = await open();
    await s.serialConfigs.put('plc-1', [rtu]);
    await s.serialConfigs.put('plc-2', [dbg]);
    await s.serialConfigs.drop('plc-1');
    expect(Object.keys(onDisk(s) as object)).toEqual(['plc-2']);
    await s.wipe();
    expect(existsSync(path.join(s.dir, SERIAL_CONFIGS_FILE))).toBe(false);
  });

  it('quarantines a corrupt file and reports it with the store problems, starting empty', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-serialcfg-'));
    dirs.push(dir);
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, SERIAL_CONFIGS_FILE), '{"plc-1":{"serial_ports":[{"name":"rtu","status":"plugged"}]}}');
    const s = await open(dir);
    expect(s.problems).toEqual([{ file: path.join(dir, SERIAL_CONFIGS_FILE), movedTo: expect.stringMatching(/serial_configs\.json\.corrupt-\d+$/), reason: expect.any(String) }]);
    expect(existsSync(path.join(dir, SERIAL_CONFIGS_FILE))).toBe(false);
    expect(s.serialConfigs.get('plc-1')).toBeUndefined();
    expect(s.desiredUntrusted).toBe(false);
  });

  it('is brought in line with the specs at load: a lost entry comes back disconnected, a vanished vPLC goes', async () => {
    const s = await open();
    await s.putDesired('plc-1', { ...record, spec: { name: 'plc-1', vnics: [], runtimeVersion: 'latest', serialPorts: [rtu] } });
    await s.putDesired('plc-2', { ...record, spec: { name: 'plc-2', vnics: [], runtimeVersion: 'latest' } });
    await s.serialConfigs.put('gone', [dbg]);
    writeFileSync(path.join(s.dir, SERIAL_CONFIGS_FILE), 'not json');
    const again = await open(s.dir);
    expect(again.problems).toHaveLength(1);
    expect(onDisk(again)).toEqual({
      'plc-1': { serial_ports: [{ name: 'rtu', device_id: 'usb-FTDI_1', container_path: '/dev/ttyRTU', status: 'disconnected', current_host_path: null, major: null, minor: null, baud_rate: 9600 }] },
    });
    await again.serialConfigs.put('gone', [dbg]);
    expect(Object.keys((onDisk(await open(s.dir)) as object))).toEqual(['plc-1']);
  });

  it('keeps entries without a spec while vplc_state.json itself is corrupt (absence is not deletion)', async () => {
    const s = await open();
    await s.serialConfigs.put('plc-1', [rtu]);
    writeFileSync(path.join(s.dir, 'vplc_state.json'), '{');
    const again = await open(s.dir);
    expect(again.desiredUntrusted).toBe(true);
    expect(Object.keys(onDisk(again) as object)).toEqual(['plc-1']);
  });
});
