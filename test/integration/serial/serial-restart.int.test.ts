// A node made by a previous agent run for a device unplugged while no agent ran (docs/serial.md "Device nodes"): the
// new agent knows no nodes the old one made, so its first resync of the container clears every configured path it
// does not connect. Real orchestrator on the real engine, by-id links to real pseudo-terminals.
// Runtime: about 10-15 s (one create, an agent restart).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerialPortState } from '../../../shared/domain/serial.js';
import type { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();
requireRoot();

const sh = promisify(execFile);
const run = newRunId();
const FTDI = 'usb-FTDI_FT232R_USB_UART_RESTART-if00-port0';
const name = `vt-${run}-rst`;
const PATH = '/dev/serial/rs485';
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;
let orch: Orchestrator;

/** Whether a character device is at `p` in the container (`docker exec` through the CLI, not the code under test). */
const exists = (p: string): Promise<boolean> => sh('docker', ['exec', name, 'sh', '-c', `test -c ${p}`], { timeout: 10_000 }).then(() => true, () => false);
const port = async (): Promise<SerialPortState | undefined> => (await orch.status(name)).serial_ports?.[0];

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.link(FTDI, 'ttyUSB0');
  fx = await openOrchestrator({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  orch = fx.orch;
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
});

describe('a device unplugged while no agent ran', () => {
  it('has its node removed by the next agent, and the port disconnected', async () => {
    expect((await orch.create({ name, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rs485', deviceId: FTDI, containerPath: PATH }] }, 'cli')).status).toBe('creating');
    await orch.settled(name);
    await waitFor(port, (p) => p?.status === 'connected', { timeoutMs: 10_000, intervalMs: 20, what: 'the port connected after the create' });
    expect(await exists(PATH)).toBe(true);

    await orch.close({ graceMs: 5_000 });
    host.unlink(FTDI);
    orch = await fx.reopen();

    const p = await waitFor(port, (s) => s?.status === 'disconnected' && s.reason !== 'not checked yet', { timeoutMs: 10_000, intervalMs: 20, what: 'the port disconnected after the agent restart' });
    expect(p).toMatchObject({ status: 'disconnected', reason: `no device matches '${FTDI}'`, current_host_path: null });
    expect(await exists(PATH)).toBe(false);
    expect((await orch.status(name)).is_running).toBe(true);
  }, 90_000);
});
