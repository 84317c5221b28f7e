// One device, one vPLC, also for requests that arrive together (docs/serial.md "Sharing a device"): the claim check
// and the record that makes a claim visible are one step, so of two creates for one non-shared adapter exactly one is
// accepted. Real orchestrator on the real engine, with a by-id link to a real pseudo-terminal.
// Runtime: about 5-10 s (one vPLC created).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();

const run = newRunId();
const FTDI = 'usb-FTDI_FT232R_USB_UART_CLAIM-if00-port0';
const UNPLUGGED = 'usb-Prolific_PL2303_AWAY-if00-port0';
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.link(FTDI, 'ttyUSB0');
  fx = await openOrchestrator({ serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  await waitFor(async () => fx.orch.serialDevices().devices.length, (n) => n === 1, { timeoutMs: 5_000, what: 'the adapter discovered' });
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
});

const spec = (name: string, deviceId: string) => ({ name, runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rs485', deviceId, containerPath: '/dev/ttyRS485' }] });

describe('two creates claiming one device at once', () => {
  it('accepts exactly one; the other is refused on the device field and leaves no record', async () => {
    const names = [`vt-${run}-ca`, `vt-${run}-cb`];
    const acks = await Promise.all(names.map((n) => fx.orch.create(spec(n, FTDI), 'cli')));
    const accepted = acks.flatMap((a, i) => (a.status === 'creating' ? [names[i] as string] : []));
    expect(accepted).toHaveLength(1);
    const refused = acks.find((a) => a.status !== 'creating');
    const winner = accepted[0] as string;
    expect(refused).toMatchObject({ status: 'error', error: `Validation error: serialPorts[0].deviceId: device ${host.byIdDir}/${FTDI} is already used by serial port 'rs485' of vPLC ${winner}; mark both ports shared to use it from both` });
    const loser = names.find((n) => n !== winner) as string;
    await fx.orch.settled(winner);
    expect((await fx.orch.list()).map((v) => v.name)).not.toContain(loser);
  }, 90_000);

  it('holds for a device that is not plugged in now (the same id)', async () => {
    const [a, b] = [`vt-${run}-ua`, `vt-${run}-ub`];
    const acks = await Promise.all([a, b].map((n) => fx.orch.create({ ...spec(n, UNPLUGGED), name: n }, 'cli')));
    expect(acks.filter((x) => x.status === 'creating')).toHaveLength(1);
    await Promise.all([a, b].map((n) => fx.orch.settled(n)));
  }, 90_000);

  it('holds between an edit and a create: of the two asking for one device, exactly one gets it', async () => {
    const [edited, created] = [`vt-${run}-ea`, `vt-${run}-eb`];
    const WANTED = 'usb-Silicon_Labs_CP2102_WANTED-if00-port0';
    expect((await fx.orch.create({ name: edited, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
    await fx.orch.settled(edited);
    const current = fx.orch.storedSpec(edited)?.spec;
    expect(current).toBeDefined();
    const [editAck, createAck] = await Promise.all([
      fx.orch.edit(edited, { ...current!, serialPorts: spec(edited, WANTED).serialPorts }, 'ui'),
      fx.orch.create(spec(created, WANTED), 'cli'),
    ]);
    const winners = [editAck.status === 'saved' ? edited : null, createAck.status === 'creating' ? created : null].filter((w) => w !== null);
    expect(winners).toHaveLength(1);
    const refused = editAck.status === 'saved' ? createAck : editAck;
    expect(refused).toMatchObject({ status: 'error', error: expect.stringContaining(`is already used by serial port 'rs485' of vPLC ${winners[0]}`) });
    await fx.orch.settled(created);
  }, 90_000);
});
