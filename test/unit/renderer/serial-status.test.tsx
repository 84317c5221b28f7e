// The live state of serial ports: a vPLC's "Serial ports" card and the dashboard's "Serial devices" card follow the
// agent's events (plug, unplug, port state) without a reload.
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { useLayoutEffect } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { SerialPortsCard } from '../../../renderer/src/features/serial/SerialPortsCard';
import { Dashboard } from '../../../renderer/src/features/dashboard/Dashboard';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { connectStore } from '../../../renderer/src/store/app';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';
import { ch340, changed, ftdi, inventory, listRow, portState } from './serial-fixtures';

afterEach(cleanup);

const cells = (row: HTMLElement): string[] => within(row).getAllByRole('cell').map((c) => c.textContent ?? '');

/**
 * The card polls `vplc:status` every 5 s; only the first call answers here, so a poll that fires while a slow machine
 * runs the test cannot put the first answer back over an event, and what the card shows next can only come from events.
 */
function detailFake(ports = [portState()]): FakeTransport {
  let answered = false;
  return new FakeTransport({
    'vplc:status': () => (answered ? new Promise(() => undefined) : ((answered = true), ok(successStatus({ serial_ports: ports })))),
    'journal:list': () => ok([]),
    'vplc:logs': () => ok([]),
    'metrics:vplc-history': () => ok({ cpu: [], memory: [] }),
  });
}

describe('the vPLC’s serial ports card', () => {
  it('shows each port’s status, node, numbers, baud and follows unplug and replug from serial:ports without reloading', async () => {
    const t = detailFake();
    renderWithApp(<VplcDetail name="plc1" />, t);
    const table = await screen.findByRole('table', { name: 'Serial ports of plc1' });
    const row = (): HTMLElement => within(table).getByRole('row', { name: /^rtu/ });
    expect(cells(row()).slice(0, 5)).toEqual(['connected', ftdi.device_id, '/dev/ttyUSB0', '188:0', '19200']);

    act(() => t.emit('serial:ports', { vplc: 'plc1', ports: [portState({ status: 'disconnected', current_host_path: null, major: null, minor: null, reason: `no device matches '${ftdi.device_id}'`, since: '2026-12-05T08:05:00.000Z' })] }));
    expect(cells(row()).slice(0, 4)).toEqual([`disconnected${`no device matches '${ftdi.device_id}'`}`, ftdi.device_id, '—', '—']);
    expect(within(row()).getByText('disconnected').className).toBe('badge badge-warn');
    // Another vPLC's ports do not touch this card.
    act(() => t.emit('serial:ports', { vplc: 'plc2', ports: [portState({ status: 'error', reason: 'mknod failed: denied' })] }));
    expect(within(row()).getByText('disconnected')).toBeTruthy();

    act(() => t.emit('serial:ports', { vplc: 'plc1', ports: [portState({ current_host_path: '/dev/ttyUSB3', minor: 3 })] }));
    expect(cells(row()).slice(0, 4)).toEqual(['connected', ftdi.device_id, '/dev/ttyUSB3', '188:3']);
  });

  it('hears an event sent in the very commit that shows the card, before any passive effect has run', () => {
    const t = new FakeTransport();
    const unplugged = portState({ status: 'disconnected', current_host_path: null, major: null, minor: null, reason: 'gone', since: '2026-12-05T08:05:00.000Z' });
    // A sibling after the card sends the event from its layout effect: the card's subscription must already be there.
    function SendOnCommit() {
      useLayoutEffect(() => t.emit('serial:ports', { vplc: 'plc1', ports: [unplugged] }), []);
      return null;
    }
    renderWithApp(
      <>
        <SerialPortsCard name="plc1" ports={[portState()]} />
        <SendOnCommit />
      </>,
      t,
    );
    const row = within(screen.getByRole('table', { name: 'Serial ports of plc1' })).getByRole('row', { name: /^rtu/ });
    expect(cells(row).slice(0, 3)).toEqual(['disconnectedgone', ftdi.device_id, '—']);
  });

  it('shows an error with its reason, and nothing for a vPLC without ports', async () => {
    const t = detailFake([portState({ status: 'error', reason: "'usb' matches 2 devices: a, b", device_id: 'usb', current_host_path: null, major: null, minor: null, baud_rate: null })]);
    renderWithApp(<VplcDetail name="plc1" />, t);
    const table = await screen.findByRole('table', { name: 'Serial ports of plc1' });
    expect(within(table).getByText('error').className).toBe('badge badge-bad');
    expect(within(table).getByText("'usb' matches 2 devices: a, b")).toBeTruthy();
    cleanup();
    const none = new FakeTransport({ 'vplc:status': () => ok(successStatus()), 'journal:list': () => ok([]), 'vplc:logs': () => ok([]) });
    renderWithApp(<VplcDetail name="plc1" />, none);
    await screen.findByRole('heading', { name: 'Networks' });
    expect(screen.queryByRole('heading', { name: 'Serial ports' })).toBeNull();
  });
});

describe('the dashboard’s serial devices card', () => {
  const uses = [listRow('plc1', [{ name: 'rtu', device_id: ftdi.device_id, container_path: '/dev/ttyRTU0', status: 'connected', current_host_path: ftdi.path }]), listRow('plc2', [{ name: 'console', device_id: '/dev/ttyS0', container_path: '/dev/ttyS0', status: 'connected', current_host_path: '/dev/ttyS0' }])];
  const fake = (): FakeTransport => new FakeTransport({ 'vplc:list': () => ok(uses), 'serial:devices': () => ok(inventory([ftdi, ch340])), 'metrics:history': () => ok({ cpu: [], memory: [] }) });

  it('lists the adapters and UARTs with who uses each, and follows unplug and replug without reload', async () => {
    const t = fake();
    const { store } = renderWithApp(<Dashboard />, t);
    await act(() => store.getState().refreshVplcs());
    const table = await screen.findByRole('table', { name: 'Serial devices' });
    const row = (name: RegExp): HTMLElement => within(table).getByRole('row', { name });
    expect(cells(row(/^usb-FTDI/))).toEqual(['/dev/ttyUSB0', 'plc1 (rtu at /dev/ttyRTU0) connected']);
    expect(within(row(/^usb-FTDI/)).getByRole('rowheader').textContent).toContain('0403:6001 FTDI FT232R USB UART, serial A10K1234');
    expect(within(row(/^usb-FTDI/)).getByRole('link', { name: 'plc1' }).getAttribute('href')).toBe('#/vplcs/plc1');
    expect(cells(row(/^usb-1a86/))).toEqual(['/dev/ttyUSB1', 'free']);
    expect(cells(row(/^Built-in UART \/dev\/ttyS0/))).toEqual(['/dev/ttyS0', 'plc2 (console at /dev/ttyS0) connected']);
    expect(screen.queryByRole('list', { name: 'Serial ports without their device' })).toBeNull();
    const listCalls = t.callsTo('serial:devices').length;

    // Unplugged: the row goes, and plc1's port is listed as waiting for its device (the list says disconnected).
    t.handle('vplc:list', () => ok([{ ...uses[0]!, serial_ports: [{ ...uses[0]!.serial_ports[0]!, status: 'disconnected' as const, current_host_path: null }] }, uses[1]!]));
    act(() => t.emit('serial:changed', changed(inventory([ftdi, ch340]), inventory([ch340]))));
    await act(() => store.getState().refreshVplcs());
    expect(within(table).queryByRole('row', { name: /^usb-FTDI/ })).toBeNull();
    const missing = screen.getByRole('list', { name: 'Serial ports without their device' });
    expect(missing.textContent).toBe(`plc1 port rtu: ${ftdi.device_id} is not plugged in disconnected`);

    // Replugged onto another node.
    const moved = { ...ftdi, path: '/dev/ttyUSB2', minor: 2 };
    t.handle('vplc:list', () => ok(uses.map((u) => (u.name === 'plc1' ? { ...u, serial_ports: [{ ...u.serial_ports[0]!, current_host_path: '/dev/ttyUSB2' }] } : u))));
    act(() => t.emit('serial:changed', changed(inventory([ch340]), inventory([moved, ch340]))));
    await act(() => store.getState().refreshVplcs());
    await waitFor(() => expect(cells(row(/^usb-FTDI/))).toEqual(['/dev/ttyUSB2', 'plc1 (rtu at /dev/ttyRTU0) connected']));
    expect(screen.queryByRole('list', { name: 'Serial ports without their device' })).toBeNull();
    expect(t.callsTo('serial:devices').length).toBe(listCalls);
  });

  it('shows a port’s new state from serial:ports in the used-by column without fetching the vPLC list again', async () => {
    const t = fake();
    const { store, api } = renderWithApp(<Dashboard />, t);
    const off = connectStore(api, store);
    await act(() => store.getState().refreshVplcs());
    const table = await screen.findByRole('table', { name: 'Serial devices' });
    const listCalls = t.callsTo('vplc:list').length;
    act(() => t.emit('serial:ports', { vplc: 'plc1', ports: [portState({ status: 'error', reason: 'mknod failed: Operation not permitted' })] }));
    expect(cells(within(table).getByRole('row', { name: /^usb-FTDI/ }))).toEqual(['/dev/ttyUSB0', 'plc1 (rtu at /dev/ttyRTU0) error']);
    expect(within(table).getByText('error').className).toBe('badge badge-bad');
    expect(t.callsTo('vplc:list').length).toBe(listCalls);
    off();
  });

  it('says when no serial device is on this PC, and why the list is not available', async () => {
    const t = new FakeTransport({ 'vplc:list': () => ok([]), 'serial:devices': () => ok({ devices: [], ports: [] }), 'metrics:history': () => ok({ cpu: [], memory: [] }) });
    renderWithApp(<Dashboard />, t);
    expect(await screen.findByText('No USB serial adapter or built-in UART on this PC now.')).toBeTruthy();
    cleanup();
    const down = new FakeTransport({ 'vplc:list': () => ok([]), 'serial:devices': () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'the orchestrator worker is restarting' } }), 'metrics:history': () => ok({ cpu: [], memory: [] }) });
    renderWithApp(<Dashboard />, down);
    expect(await screen.findByText('Serial devices are not available: the orchestrator worker is restarting')).toBeTruthy();
  });
});
