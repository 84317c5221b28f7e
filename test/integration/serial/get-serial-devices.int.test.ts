// get_serial_devices end to end (docs/protocol.md §4.7, docs/serial.md): cloud simulator → real mTLS Socket.IO link →
// router → orchestrator adapter → the orchestrator's device cache, fed by inotify on a temporary by-id dir whose nodes
// stand for real pseudo-terminals. A plug shows in the next answer. (Creates with serial_configs: serial-create.int.test.ts.)
// Runtime: about 3-5 s (a real orchestrator on the real engine; nothing is created).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import type { CloudSim } from '../../cloud-sim/sim.js';
import { linkToSim, startSimCloud } from '../../support/cloud-link.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';
import { FAST_TIMING } from '../tls/harness.js';

requireDocker();

const tmp = tempDir('vplc-serial-cloud-');
const FTDI = 'usb-FTDI_FT232R_USB_UART_ABC123-if00-port0';
const CP210 = 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0';
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;
let sim: CloudSim;
let handle: CloudLinkHandle;
let cid = 0;

type Ack = Record<string, unknown>;
const send = async (topic: string, payload: Record<string, unknown> = {}): Promise<Ack> => (await sim.send(topic, { correlation_id: ++cid, ...payload })) as Ack;

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001', serial: 'ABC123', manufacturer: 'FTDI', product: 'FT232R USB UART' } });
  host.addAdapter({ name: 'ttyUSB1', pty: pty.ends[1], byId: CP210, usb: { idVendor: '10c4', idProduct: 'ea60', serial: '0001', manufacturer: 'Silicon Labs', product: 'CP2102 USB to UART Bridge Controller' } });
  host.addUart('ttyS0', { type: '4', dev: '4:64' });
  host.link(FTDI, 'ttyUSB0');
  const cloud = await startSimCloud(tmp, '07048935');
  sim = cloud.sim;
  fx = await openOrchestrator({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  handle = await linkToSim(fx.orch, cloud, { timing: FAST_TIMING });
});

afterAll(async () => {
  await handle?.close();
  await sim?.close();
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
  tmp.dispose();
});

describe('get_serial_devices over the cloud link', () => {
  it('answers the discovered by-id devices in the §4.7 shape (built-in UARTs are not listed)', async () => {
    expect(await send('get_serial_devices')).toEqual({
      action: 'get_serial_devices',
      correlation_id: cid,
      status: 'success',
      count: 1,
      devices: [{ path: host.node('ttyUSB0'), device_id: path.join(host.byIdDir, FTDI), vendor_id: '0403', product_id: '6001', serial: 'ABC123', manufacturer: 'FTDI', product: 'FT232R_USB_UART' }],
    });
  });

  it('shows a plug in the next answers, sorted by device_id, and an unplug', async () => {
    const t0 = performance.now();
    host.link(CP210, 'ttyUSB1');
    const ack = await waitFor(() => send('get_serial_devices'), (a) => a['count'] === 2, { timeoutMs: 5_000, what: 'the plugged adapter in get_serial_devices' });
    console.log(`serial: plug visible to the cloud after ${Math.round(performance.now() - t0)} ms`);
    expect((ack['devices'] as Ack[]).map((d) => d['device_id'])).toEqual([path.join(host.byIdDir, FTDI), path.join(host.byIdDir, CP210)]);
    expect((ack['devices'] as Ack[])[1]).toMatchObject({ manufacturer: 'Silicon_Labs', product: 'CP2102_USB_to_UART_Bridge_Controller', serial: '0001' });
    host.unlink(FTDI);
    host.unlink(CP210);
    expect(await waitFor(() => send('get_serial_devices'), (a) => a['count'] === 0, { timeoutMs: 5_000, what: 'the unplugs' })).toEqual({
      action: 'get_serial_devices', correlation_id: cid, status: 'success', count: 0, devices: [],
    });
  });

});
