// An explicit confirm ("apply now") opens a running vPLC's change window for what waits, and only for that
// (docs/editing.md): with nothing waiting it is not armed at all, and a confirm spent on serial ports whose container
// went missing ends with the create. Either way a later edit of the running vPLC stays a pending change instead of
// recreating it unasked. Real engine, by-id links to real pseudo-terminals.
// Runtime: about 15-25 s (one create and two recreates on the real engine).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SerialPortSpec } from '../../../shared/domain/serial.js';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { docker } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { FakeSerialHost, PtyPair } from '../../support/serial.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-rc`;
const FTDI = 'usb-FTDI_FT232R_USB_UART_RC1-if00-port0';
const CP210 = 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_RC2-if00-port0';
const rtu: SerialPortSpec = { name: 'rtu', deviceId: FTDI, containerPath: '/dev/ttyRTU' };
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;

const containerId = async (): Promise<string | null> => (await docker.getContainer(name).inspect().catch(() => null))?.Id ?? null;
const current = (): VplcSpec => {
  const s = fx.orch.storedSpec(name)?.spec;
  if (!s) throw new Error('no stored spec');
  return s;
};
/** A cycle that saw the vPLC (one passes over it while its queue is busy) and held the edit as pending. */
const heldCycle = () => waitFor(() => fx.orch.reconcileOnce(), (c) => (c?.pending.length ?? 0) > 0, { timeoutMs: 15_000, intervalMs: 100, what: 'a reconcile cycle listing the held change' });

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.addAdapter({ name: 'ttyUSB1', pty: pty.ends[1], byId: CP210, usb: { idVendor: '10c4', idProduct: 'ea60' } });
  host.link(FTDI, 'ttyUSB0');
  host.link(CP210, 'ttyUSB1');
  fx = await openOrchestrator({ stopTimeoutSec: 2, serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  await waitFor(async () => fx.orch.serialDevices(), (inv) => inv.devices.length === 2, { timeoutMs: 5_000, what: 'the adapters discovered' });
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [], serialPorts: [rtu] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
});

afterAll(async () => {
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
});

describe('a confirm of pending changes', () => {
  it('is not armed when nothing waits, so a later edit of the running vPLC is held', async () => {
    const before = await containerId();
    expect(await fx.orch.applyPendingChanges(name, 'ui')).toEqual({ status: 'success', message: `Nothing waits to be applied for ${name}` });
    await fx.orch.reconcileOnce();
    const ack = await fx.orch.edit(name, { ...current(), quotas: { memoryMb: 256 } }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate' });
    const cycle = await heldCycle();
    expect(cycle?.actions).toEqual([]);
    expect(await containerId()).toBe(before);
  });

  it('still applies what waits when asked', async () => {
    const before = await containerId();
    expect(await fx.orch.applyPendingChanges(name, 'ui')).toEqual({ status: 'success', message: `Applying the pending changes of ${name}` });
    await waitFor(
      async () => {
        const id = await containerId();
        if (id === before) await fx.orch.reconcileOnce();
        return id;
      },
      (id) => id !== null && id !== before,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated with the confirmed change' },
    );
    await fx.orch.settled(name);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
  });

  it('is spent when held serial ports go into effect on a vPLC whose container went missing', async () => {
    const ack = await fx.orch.edit(name, { ...current(), serialPorts: [{ ...rtu, deviceId: CP210 }] }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window', path: 'same-container' });
    await docker.getContainer(name).remove({ force: true });
    expect(await fx.orch.applyPendingChanges(name, 'ui')).toMatchObject({ status: 'success', message: `Applying the pending changes of ${name}` });
    const recreated = await waitFor(
      async () => {
        const id = await containerId();
        if (id === null) await fx.orch.reconcileOnce();
        return id;
      },
      (id) => id !== null,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the missing vPLC created again' },
    );
    await fx.orch.settled(name);
    expect(fx.orch.desiredRecord(name)?.spec?.serialPorts).toEqual([{ ...rtu, deviceId: CP210 }]);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });

    const edit = await fx.orch.edit(name, { ...current(), quotas: { memoryMb: 512 } }, 'ui');
    expect(edit).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate' });
    const cycle = await heldCycle();
    expect(cycle?.actions).toEqual([]);
    expect(await containerId()).toBe(recreated);
  });
});
