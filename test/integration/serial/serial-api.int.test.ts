// serial:devices and serial:changed (docs/serial.md "API") through a real headless agent process: the settings file's
// orchestrator.serial points at a temporary by-id dir and sysfs tree; plugging is creating a by-id link to a real
// pseudo-terminal. The event crosses the orchestrator worker, the bus and the loopback WebSocket bridge.
// Runtime: about 5-10 s (agent start).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { events, invoke } from '../../../shared/api/contract.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { removeByLabels } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();

const run = newRunId();
const tmp = tempDir('vplc-serial-api-');
const FTDI = 'usb-FTDI_FT232R_USB_UART_ABC123-if00-port0';
let pty: PtyPair;
let host: FakeSerialHost;
let agent: AgentProcess;
let client: ApiClient;
let installation = '';
const received: Array<{ name: string; payload: unknown; at: number }> = [];

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001', serial: 'ABC123', manufacturer: 'FTDI', product: 'FT232R USB UART' } });
  host.addUart('ttyS0', { type: '4', dev: '4:64' });
  agent = spawnAgent(
    [
      '--no-cloud', '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-serial`,
      '--settings', tmp.write('settings.json', testSettingsFile({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } })),
      '--internal-pool', '198.19.96.0/24', '--mtls-dir', path.join(tmp.dir, 'mtls'),
    ],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  const ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  client.onEvent((name, payload) => received.push({ name, payload, at: performance.now() }));
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  await pty?.close();
  host?.dispose();
  tmp.dispose();
});

describe('serial devices over the local API', () => {
  it('lists no device before the first plug, and the present built-in UART', async () => {
    const status = await waitFor(() => client.call('agent:status', {}), (r) => r.ok && (r.value as { workers: Array<{ state: string }> }).workers.every((w) => w.state === 'running'), {
      timeoutMs: 30_000,
      what: 'the workers running',
    });
    installation = status.ok ? (status.value as { installationId: string }).installationId : '';
    const r = await client.call('serial:devices', {});
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(invoke['serial:devices'].output.parse(r.ok ? r.value : null)).toEqual({ devices: [], ports: [{ path: '/dev/ttyS0', major: 4, minor: 64, subsystem: 'tty' }] });
  });

  it('sends serial:changed on a plug, and serial:devices lists the device', async () => {
    const t0 = performance.now();
    host.link(FTDI, 'ttyUSB0');
    const event = await waitFor(() => received.find((e) => e.name === 'serial:changed'), (e) => e !== undefined, { timeoutMs: 5_000, what: 'serial:changed' });
    console.log(`serial: plug reached the API as an event after ${Math.round((event?.at ?? 0) - t0)} ms`);
    const change = events['serial:changed'].parse(event?.payload);
    expect(change.added.map((d) => [d.device_id, d.path, d.product])).toEqual([[path.join(host.byIdDir, FTDI), host.node('ttyUSB0'), 'FT232R_USB_UART']]);
    expect(change.removed).toEqual([]);
    const r = await client.call('serial:devices', {});
    expect(r.ok && invoke['serial:devices'].output.parse(r.value).devices).toEqual(change.devices);
  });

  it('sends serial:changed on the unplug with the device removed', async () => {
    const before = received.length;
    host.unlink(FTDI);
    const event = await waitFor(() => received.slice(before).find((e) => e.name === 'serial:changed'), (e) => e !== undefined, { timeoutMs: 5_000, what: 'serial:changed (unplug)' });
    const change = events['serial:changed'].parse(event?.payload);
    expect(change.removed.map((d) => d.device_id)).toEqual([path.join(host.byIdDir, FTDI)]);
    expect(change.devices).toEqual([]);
  });
});
