// A create_new_runtime with serial_configs end to end (docs/serial.md "Serial ports of a vPLC", "Device access";
// docs/protocol.md §4.1): cloud simulator → real mTLS link → orchestrator → real dockerd, with by-id links to real
// pseudo-terminals (major 136). The ack counts the ports, the container allows exactly the pty major (and a vPLC
// without ports gets no device access at all), refused requests create nothing, and data/serial_configs.json follows
// the vPLC from create to delete (and self-destruct). Runtime: about 15-25 s (four vPLCs created on the real engine).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';
import { FAST_TIMING } from '../tls/harness.js';

requireDocker();

const run = newRunId();
const tmp = tempDir('vplc-serial-create-');
const FTDI = 'usb-FTDI_FT232R_USB_UART_ABC123-if00-port0';
const CP210 = 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0';
const withPort = `vt-${run}-sp`;
const plain = `vt-${run}-np`;
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;
let cid = 0;

type Ack = Record<string, unknown>;
const send = async (topic: string, payload: Record<string, unknown> = {}): Promise<Ack> => (await sim.send(topic, { correlation_id: ++cid, ...payload })) as Ack;
const configsFile = (): string => path.join(fx.dataDir, 'data', 'serial_configs.json');
const configs = (): Record<string, unknown> => (existsSync(configsFile()) ? (JSON.parse(readFileSync(configsFile(), 'utf8')) as Record<string, unknown>) : {});
const hostConfig = async (name: string): Promise<{ CapAdd?: string[] | null; DeviceCgroupRules?: string[] | null }> => (await docker.getContainer(name).inspect()).HostConfig;

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001', serial: 'ABC123' } });
  host.addAdapter({ name: 'ttyUSB1', pty: pty.ends[1], byId: CP210, usb: { idVendor: '10c4', idProduct: 'ea60', serial: '0001' } });
  host.link(FTDI, 'ttyUSB0');
  host.link(CP210, 'ttyUSB1');
  const cloud = await startSimCloud(tmp, '07048936');
  sim = cloud.sim;
  fx = await openOrchestrator({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  handle = await linkToSim(fx.orch, cloud, { timing: FAST_TIMING });
  await waitFor(async () => fx.orch.serialDevices().devices.length, (n) => n === 2, { timeoutMs: 5_000, what: 'both adapters discovered' });
});

afterAll(async () => {
  await handle?.close();
  await sim?.close();
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
  tmp.dispose();
});

describe('create_new_runtime with serial_configs', () => {
  it('acks creating with serial_configs_count and creates a container that allows exactly the pty major', async () => {
    const ack = await send('create_new_runtime', {
      container_name: withPort,
      vnic_configs: [],
      serial_configs: [{ name: 'rtu', device_id: FTDI, container_path: '/dev/ttyRTU', baud_rate: 9600 }],
    });
    expect(ack).toMatchObject({ action: 'create_new_runtime', correlation_id: cid, status: 'creating', container_id: withPort, message: `Container creation started for ${withPort}`, serial_configs_count: 1 });
    // Written before the ack: the port starts disconnected, with nulls and the baud rate.
    expect(configs()[withPort]).toEqual({
      serial_ports: [{ name: 'rtu', device_id: FTDI, container_path: '/dev/ttyRTU', status: 'disconnected', current_host_path: null, major: null, minor: null, baud_rate: 9600 }],
    });
    await fx.orch.settled(withPort);
    expect(await fx.orch.status(withPort)).toMatchObject({ status: 'success', is_running: true });
    const hc = await hostConfig(withPort);
    expect(hc.CapAdd).toContain('MKNOD');
    expect(hc.DeviceCgroupRules).toEqual(['c 136:* rmw']);
    expect(fx.orch.desiredRecord(withPort)?.spec?.serialPorts).toEqual([{ name: 'rtu', deviceId: FTDI, containerPath: '/dev/ttyRTU', baudRate: 9600 }]);
  });

  it('gives a vPLC without serial ports no MKNOD and no device rules, and no serial_configs_count', async () => {
    const ack = await send('create_new_runtime', { container_name: plain, vnic_configs: [] });
    expect(ack).toMatchObject({ status: 'creating', container_id: plain });
    expect(ack).not.toHaveProperty('serial_configs_count');
    await fx.orch.settled(plain);
    const hc = await hostConfig(plain);
    expect(hc.CapAdd ?? []).not.toContain('MKNOD');
    expect(hc.DeviceCgroupRules ?? []).toEqual([]);
    expect(configs()).not.toHaveProperty(plain);
  });

  it.each([
    ['an ambiguous substring', { name: 'rtu', device_id: 'usb-', container_path: '/dev/ttyRTU' }, `Validation error: serial_configs[0].device_id: 'usb-' matches 2 devices: ${'BYID'}/${FTDI}, ${'BYID'}/${CP210}; give the full by-id path of one`],
    ['a device another vPLC uses', { name: 'rtu', device_id: 'FT232R', container_path: '/dev/ttyRTU' }, `Validation error: serial_configs[0].device_id: device BYID/${FTDI} is already used by serial port 'rtu' of vPLC ${withPort}; mark both ports shared to use it from both`],
    ['a device another vPLC uses, even when this port says shared', { name: 'rtu', device_id: FTDI, container_path: '/dev/ttyRTU', shared: true }, `Validation error: serial_configs[0].device_id: device BYID/${FTDI} is already used by serial port 'rtu' of vPLC ${withPort}; mark both ports shared to use it from both`],
    ['a container path outside /dev/', { name: 'rtu', device_id: CP210, container_path: '/tmp/ttyRTU' }, 'Invalid field type: serial_configs[0].container_path: Value must be a device path under /dev/.'],
  ])('refuses %s in the ack and creates nothing', async (_what, port, error) => {
    const name = `vt-${run}-sx`;
    const ack = await send('create_new_runtime', { container_name: name, vnic_configs: [], serial_configs: [port] });
    expect(ack).toMatchObject({ action: 'create_new_runtime', correlation_id: cid, status: 'error', error: error.replaceAll('BYID', host.byIdDir) });
    expect(await fx.orch.status(name)).toMatchObject({ status: 'not_found' });
    expect(fx.orch.desiredRecord(name)).toBeUndefined();
    expect(configs()).not.toHaveProperty(name);
  });

  it('accepts a device that is not plugged now', async () => {
    const name = `vt-${run}-su`;
    const ack = await send('create_new_runtime', { container_name: name, vnic_configs: [], serial_configs: [{ name: 'later', device_id: 'usb-Prolific_PL2303-if00-port0', container_path: '/dev/ttyLATER' }] });
    expect(ack).toMatchObject({ status: 'creating', serial_configs_count: 1 });
    await fx.orch.settled(name);
    // Never seen: the USB serial majors are allowed, so plugging the adapter later needs no recreate.
    expect((await hostConfig(name)).DeviceCgroupRules).toEqual(['c 166:* rmw', 'c 188:* rmw']);
    expect((await send('delete_device', { device_id: name }))['status']).toBe('deleting');
    await fx.orch.settled(name);
  });

  it('drops the vPLC from data/serial_configs.json when it is deleted', async () => {
    expect((await send('delete_device', { device_id: withPort }))['status']).toBe('deleting');
    await fx.orch.settled(withPort);
    expect(await fx.orch.status(withPort)).toMatchObject({ status: 'not_found' });
    expect(configs()).toEqual({});
  });

  it('loses data/serial_configs.json (and data/) with self-destruct', async () => {
    const name = `vt-${run}-sd`;
    expect(await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rtu', deviceId: CP210, containerPath: '/dev/ttyRTU' }] }, 'cli')).toMatchObject({ status: 'creating' });
    await fx.orch.settled(name);
    expect(Object.keys(configs())).toEqual([name]);
    expect(fx.orch.selfDestruct(async () => undefined)).toMatchObject({ status: 'accepted' });
    await fx.orch.settled();
    expect(await fx.orch.status('__orchestrator__')).toMatchObject({ status: 'not_found' });
    expect(existsSync(path.join(fx.dataDir, 'data'))).toBe(false);
  });
});
