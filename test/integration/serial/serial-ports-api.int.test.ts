// serial:ports and the journal (docs/serial.md "Port status") through a real headless agent process: a vPLC created
// over the local API with a serial port; a plug and an unplug on a temporary by-id dir whose link leads to a real
// pseudo-terminal. The event crosses the orchestrator worker, the bus and the loopback WebSocket bridge.
// Runtime: about 10-15 s (agent start, one create).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { events, invoke } from '../../../shared/api/contract.js';
import type { SerialPortsChange } from '../../../shared/domain/serial.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();

const run = newRunId();
const tmp = tempDir('vplc-serial-ports-');
const FTDI = 'usb-FTDI_FT232R_USB_UART_PORTS-if00-port0';
const name = `vt-${run}-sp`;
let pty: PtyPair;
let host: FakeSerialHost;
let agent: AgentProcess;
let client: ApiClient;
let installation = '';
const changes: SerialPortsChange[] = [];

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.link(FTDI, 'ttyUSB0');
  agent = spawnAgent(
    [
      '--no-cloud', '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-sports`,
      '--settings', tmp.write('settings.json', testSettingsFile({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } })),
      '--internal-pool', '198.19.90.0/24', '--runtime-image', STANDIN_REPO, '--mtls-dir', path.join(tmp.dir, 'mtls'),
    ],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  const ready = await agent.ready;
  client = await ApiClient.connect(ready.port, ready.token);
  client.onEvent((event, payload) => {
    if (event === 'serial:ports') changes.push(events['serial:ports'].parse(payload));
  });
  const status = await waitFor(() => client.call('agent:status', {}), (r) => r.ok && (r.value as { workers: Array<{ state: string }> }).workers.every((w) => w.state === 'running'), {
    timeoutMs: 30_000,
    what: 'the workers running',
  });
  installation = status.ok ? (status.value as { installationId: string }).installationId : '';
}, 60_000);

afterAll(async () => {
  client?.close();
  await agent?.stop();
  if (installation) await removeByLabels({ instance: installation });
  await pty?.close();
  host?.dispose();
  tmp.dispose();
});

const lastOf = (vplc: string): SerialPortsChange['ports'][number] | undefined => changes.filter((c) => c.vplc === vplc).at(-1)?.ports[0];

describe('serial port states over the local API', () => {
  it('sends serial:ports when the created vPLC has its node, and vplc:status lists the port', async () => {
    expect(await client.call('vplc:create', { name, vnics: [], serialPorts: [{ name: 'rs485', deviceId: FTDI, containerPath: '/dev/ttyPLC0' }] })).toMatchObject({ ok: true });
    const p = await waitFor(() => lastOf(name), (s) => s?.status === 'connected', { timeoutMs: 60_000, what: 'serial:ports with the port connected' });
    expect(p).toMatchObject({ name: 'rs485', device_id: FTDI, container_path: '/dev/ttyPLC0', current_host_path: host.node('ttyUSB0'), major: 136, minor: Number(path.basename(pty.ends[0])) });
    // The node is made as soon as the container runs, while the create still waits for the runtime; the status lists
    // the ports once the create is done.
    const s = await waitFor(() => client.call('vplc:status', { name }), (r) => r.ok && invoke['vplc:status'].output.parse(r.value).status === 'success', { timeoutMs: 60_000, what: 'the create done' });
    expect(s.ok && invoke['vplc:status'].output.parse(s.value).serial_ports).toEqual([p]);
  }, 90_000);

  it('sends serial:ports on the unplug, and the journal has an entry per status change', async () => {
    host.unlink(FTDI);
    const p = await waitFor(() => lastOf(name), (s) => s?.status === 'disconnected', { timeoutMs: 5_000, what: 'serial:ports with the port disconnected' });
    expect(p?.reason).toBe(`no device matches '${FTDI}'`);
    const j = await client.call('journal:list', { name });
    const entries = j.ok ? invoke['journal:list'].output.parse(j.value).filter((e) => e.action === 'serial-port').map((e) => `${e.requestedBy} ${e.result} ${e.detail ?? ''}`) : [];
    expect(entries).toEqual([
      `agent ok port 'rs485' (/dev/ttyPLC0) disconnected: no device matches '${FTDI}'`,
      `agent ok port 'rs485' (/dev/ttyPLC0) connected to ${host.node('ttyUSB0')} (136:${path.basename(pty.ends[0])})`,
    ]);
  });
});
