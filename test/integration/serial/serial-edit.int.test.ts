// Editing a vPLC's serial ports (docs/editing.md "Serial ports") on the real engine, with by-id links to real
// pseudo-terminals (major 136) and a built-in UART (major 4): a ports-only edit of a running vPLC is a pending change
// that recreates nothing, put into effect by a confirm on the same container; ports that need a new device major are
// applied by a recreate in the change window, which puts them into effect itself (the node in use stays until then) and
// allows exactly the majors of the devices named; a stop queued while an edit waits is kept; a non-port edit of a
// stopped vPLC that puts held ports into effect updates data/serial_configs.json; a stopped vPLC takes a ports edit at
// once; an ambiguous id is refused.
// Runtime: about 40-60 s (one create and three recreates on the real engine).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
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
const name = `vt-${run}-se`;
const FTDI = 'usb-FTDI_FT232R_USB_UART_ABC123-if00-port0';
const CP210 = 'usb-Silicon_Labs_CP2102_USB_to_UART_Bridge_Controller_0001-if00-port0';
const rtu: SerialPortSpec = { name: 'rtu', deviceId: FTDI, containerPath: '/dev/ttyRTU' };
let pty: PtyPair;
let host: FakeSerialHost;
let fx: OrchestratorFixture;

const container = async (): Promise<{ id: string; startedAt: string; rules: string[] }> => {
  const c = await docker.getContainer(name).inspect();
  return { id: c.Id, startedAt: c.State.StartedAt, rules: c.HostConfig.DeviceCgroupRules ?? [] };
};
const storedPorts = (): SerialPortSpec[] | undefined => fx.orch.desiredRecord(name)?.spec?.serialPorts;
const fileDeviceIds = (): string[] => {
  const file = path.join(fx.dataDir, 'data', 'serial_configs.json');
  if (!existsSync(file)) return [];
  const all = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { serial_ports: Array<{ device_id: string }> }>;
  return (all[name]?.serial_ports ?? []).map((p) => p.device_id);
};
const current = (): VplcSpec => {
  const s = fx.orch.storedSpec(name)?.spec;
  if (!s) throw new Error('no stored spec');
  return s;
};

beforeAll(async () => {
  pty = await PtyPair.open();
  host = new FakeSerialHost();
  host.addAdapter({ name: 'ttyUSB0', pty: pty.ends[0], byId: FTDI, usb: { idVendor: '0403', idProduct: '6001' } });
  host.addAdapter({ name: 'ttyUSB1', pty: pty.ends[1], byId: CP210, usb: { idVendor: '10c4', idProduct: 'ea60' } });
  host.link(FTDI, 'ttyUSB0');
  host.link(CP210, 'ttyUSB1');
  host.addUart('ttyS0', { type: '4', dev: '4:64' });
  fx = await openOrchestrator({ stopTimeoutSec: 2, serial: { byIdDir: host.byIdDir, sysRoot: host.sysRoot } });
  await waitFor(async () => fx.orch.serialDevices(), (inv) => inv.devices.length === 2 && inv.ports.length === 1, { timeoutMs: 5_000, what: 'the adapters and the UART discovered' });
  expect((await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [], serialPorts: [rtu] }, 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
});

afterAll(async () => {
  await fx?.dispose();
  await pty?.close();
  host?.dispose();
});

describe('editing the serial ports of a vPLC', () => {
  it('holds a ports-only edit of a running vPLC as a pending change and recreates nothing', async () => {
    const before = await container();
    expect(before.rules).toEqual(['c 136:* rmw']);
    const ack = await fx.orch.edit(name, { ...current(), serialPorts: [{ ...rtu, deviceId: CP210 }] }, 'ui');
    expect(ack).toMatchObject({
      status: 'saved',
      applies: 'change-window',
      path: 'same-container',
      diff: [`serialPorts.rtu: ${FTDI} at /dev/ttyRTU → ${CP210} at /dev/ttyRTU`],
    });
    // A cycle passes over a vPLC whose queue is busy (the tracker's resync after the edit), so wait for one that saw it.
    const cycle = await waitFor(() => fx.orch.reconcileOnce(), (c) => (c?.pending.length ?? 0) > 0, { timeoutMs: 15_000, intervalMs: 100, what: 'a reconcile cycle listing the held ports' });
    expect(cycle?.actions).toEqual([]);
    const pending = ((await fx.orch.status(name)).orchestrator_state as { pending_changes?: string[] } | undefined)?.pending_changes ?? [];
    expect(pending).toEqual([expect.stringContaining(`serialPorts.rtu: ${FTDI} at /dev/ttyRTU → ${CP210} at /dev/ttyRTU waits for the change window`)]);
    // The ports in effect (what the nodes follow) are unchanged; the edit form shows the asked-for ones.
    expect(storedPorts()).toEqual([rtu]);
    expect(fileDeviceIds()).toEqual([FTDI]);
    expect(current().serialPorts).toEqual([{ ...rtu, deviceId: CP210 }]);
    expect(await container()).toEqual(before);
  });

  it('puts the held ports into effect on the same container when the change is confirmed', async () => {
    const before = await container();
    expect(await fx.orch.applyPendingChanges(name, 'ui')).toMatchObject({ status: 'success' });
    await waitFor(async () => storedPorts(), (p) => p?.[0]?.deviceId === CP210, { timeoutMs: 15_000, what: 'the pending serial ports in effect' });
    const cycle = await fx.orch.reconcileOnce();
    expect(cycle?.actions).toEqual([]);
    expect(cycle?.pending).toEqual([]);
    expect(fx.orch.desiredRecord(name)).not.toHaveProperty('pending_serial_ports');
    expect(fileDeviceIds()).toEqual([CP210]);
    expect(await container()).toEqual(before);
  });

  it('applies ports that need a new device major by a recreate, held until the change is confirmed', async () => {
    const before = await container();
    // The port's node in the old container must stay until the recreate: never refused for a major it does not allow.
    const refused: string[] = [];
    const off = fx.orch.onSerialPorts((c) => {
      if (c.vplc === name) for (const p of c.ports) if (p.reason?.includes('is not allowed')) refused.push(`${p.status}: ${p.reason}`);
    });
    const ack = await fx.orch.edit(name, { ...current(), serialPorts: [{ ...rtu, deviceId: '/dev/ttyS0' }] }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'change-window', path: 'recreate' });
    expect((await fx.orch.reconcileOnce())?.actions).toEqual([]);
    expect(await container()).toEqual(before);
    expect(storedPorts()?.[0]?.deviceId).toBe(CP210);

    expect(await fx.orch.applyPendingChanges(name, 'ui')).toMatchObject({ status: 'success' });
    const cycle = await fx.orch.reconcileOnce();
    // The confirm's own cycle may be the one that recreated it; either way the container is new.
    if (cycle?.actions.length) expect(cycle.actions.map((a) => [a.kind, a.result])).toEqual([['redeploy', 'done']]);
    // Further cycles, in case the confirm's came while the vPLC's queue was busy (then it passes over the vPLC).
    const after = await waitFor(
      async () => {
        const c = await container().catch(() => null);
        if (c?.id === before.id) await fx.orch.reconcileOnce();
        return c;
      },
      (c) => c !== null && c.id !== before.id,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated' },
    );
    await fx.orch.settled(name);
    await fx.orch.resyncSerialPorts();
    off();
    expect(refused).toEqual([]);
    // Exactly the major of the device the port names now: nothing is kept for the pseudo-terminal it left.
    expect(after?.rules).toEqual(['c 4:* rmw']);
    expect(storedPorts()).toEqual([{ ...rtu, deviceId: '/dev/ttyS0' }]);
    expect(fileDeviceIds()).toEqual(['/dev/ttyS0']);
  });

  it('keeps a stop that lands while an edit waits for the vPLC', async () => {
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    // The edit reads the record while the stop holds the vPLC's queue, then waits for it.
    const stopping = fx.orch.stop(name, 'cli');
    const editing = fx.orch.edit(name, { ...current(), plcAwareChanges: false }, 'ui');
    expect(await stopping).toMatchObject({ status: 'success' });
    expect(await editing).toMatchObject({ status: 'saved', applies: 'now', path: 'none' });
    expect(fx.orch.desiredRecord(name)).toMatchObject({ desired_state: 'stopped', spec: { plcAwareChanges: false } });
    const cycle = await fx.orch.reconcileOnce();
    expect(cycle?.actions).toEqual([]);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: false });
  });

  it('writes serial_configs.json when a non-port edit of a stopped vPLC puts held ports into effect', async () => {
    expect(await fx.orch.start(name, 'cli')).toMatchObject({ status: 'success' });
    const held = await fx.orch.edit(name, { ...current(), serialPorts: [{ ...rtu, deviceId: CP210 }] }, 'ui');
    expect(held).toMatchObject({ status: 'saved', applies: 'change-window' });
    expect(fileDeviceIds()).toEqual(['/dev/ttyS0']);
    expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    const before = await container();
    const ack = await fx.orch.edit(name, { ...current(), quotas: { memoryMb: 256 } }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'now', path: 'recreate' });
    expect(storedPorts()).toEqual([{ ...rtu, deviceId: CP210 }]);
    expect(fileDeviceIds()).toEqual([CP210]);
    // Let the recreate the edit asked for finish before the next edit.
    const after = await waitFor(
      async () => {
        const c = await container().catch(() => null);
        if (c?.id === before.id) await fx.orch.reconcileOnce();
        return c;
      },
      (c) => c !== null && c.id !== before.id,
      { timeoutMs: 60_000, intervalMs: 500, what: 'the vPLC recreated from the edited spec' },
    );
    await fx.orch.settled(name);
    expect(after?.rules).toEqual(['c 136:* rmw']);
  });

  it('takes a ports edit of a stopped vPLC at once', async () => {
    expect(await fx.orch.stop(name, 'cli')).toMatchObject({ status: 'success' });
    const ack = await fx.orch.edit(name, { ...current(), serialPorts: [rtu] }, 'ui');
    expect(ack).toMatchObject({ status: 'saved', applies: 'now', path: 'same-container' });
    expect(storedPorts()).toEqual([rtu]);
    expect(fileDeviceIds()).toEqual([FTDI]);
  });

  it('refuses an id that matches two plugged devices, naming the field', async () => {
    const ack = await fx.orch.edit(name, { ...current(), serialPorts: [{ ...rtu, deviceId: 'usb-' }] }, 'ui');
    expect(ack).toEqual({
      status: 'error',
      code: 'VALIDATION',
      field: 'serialPorts[0].deviceId',
      error: `Validation error: serialPorts[0].deviceId: 'usb-' matches 2 devices: ${path.join(host.byIdDir, FTDI)}, ${path.join(host.byIdDir, CP210)}; give the full by-id path of one`,
    });
    expect(storedPorts()).toEqual([rtu]);
  });
});
