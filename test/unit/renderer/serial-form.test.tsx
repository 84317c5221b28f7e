// Serial ports in the create and edit forms (docs/serial.md): the device picker follows plug and unplug live, an
// unplugged device can be typed, the checks and the agent's refusals land on the port's own field, and the spec sent
// carries `serialPorts`.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateVplc, fieldOfReason } from '../../../renderer/src/features/vplcs/CreateVplc';
import { EditVplc } from '../../../renderer/src/features/vplcs/EditVplc';
import { checkSerialPorts, newSerialPort, serialDiff, type SerialPortDraft } from '../../../renderer/src/features/serial/serial-draft';
import { diffLines, formField } from '../../../renderer/src/features/vplcs/edit-draft';
import { VplcSpec } from '../../../shared/domain/vplc';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';
import { ch340, changed, ftdi, inventory, listRow } from './serial-fixtures';

afterEach(cleanup);

const port = (over: Partial<SerialPortDraft> = {}): SerialPortDraft => ({ name: 'rtu', deviceId: ftdi.device_id, containerPath: '/dev/ttyRTU0', baudRate: '', shared: false, ...over });

describe('the serial port draft', () => {
  it('suggests a free name and container path for each new port', () => {
    const first = newSerialPort([]);
    expect(first).toEqual({ name: 'serial1', deviceId: '', containerPath: '/dev/ttyRTU0', baudRate: '', shared: false });
    expect(newSerialPort([first, port({ name: 'serial2', containerPath: '/dev/ttyRTU1' })])).toMatchObject({ name: 'serial3', containerPath: '/dev/ttyRTU2' });
  });

  it('names the field of each mistake and maps a good port into the spec', () => {
    const errors: Record<string, string> = {};
    const ports = checkSerialPorts([port({ baudRate: ' 19200 ', shared: true }), port({ deviceId: ' ', containerPath: '/dev/../etc/x', baudRate: '96.5' }), port({ name: '', containerPath: '/dev/ttyRTU0' })], errors);
    expect(ports[0]).toEqual({ name: 'rtu', deviceId: ftdi.device_id, containerPath: '/dev/ttyRTU0', baudRate: 19200, shared: true });
    expect(Object.keys(errors).sort()).toEqual(['serialPorts.1.baudRate', 'serialPorts.1.containerPath', 'serialPorts.1.deviceId', 'serialPorts.1.name', 'serialPorts.2.containerPath', 'serialPorts.2.name']);
    expect(errors['serialPorts.1.name']).toBe('Two serial ports cannot both be named rtu.');
    expect(errors['serialPorts.1.containerPath']).toMatch(/^The container path is \/dev\/ followed by/);
    expect(errors['serialPorts.2.containerPath']).toBe('Two serial ports cannot both be at /dev/ttyRTU0.');
    const none: Record<string, string> = {};
    expect(checkSerialPorts([port({ containerPath: 'ttyRTU0' })], none) && none['serialPorts.0.containerPath']).toMatch(/^The container path/);
  });

  it("refuses a container path that is one of the container's own /dev entries", () => {
    const errors: Record<string, string> = {};
    checkSerialPorts([port({ containerPath: '/dev/null' }), port({ name: 'b', containerPath: '/dev/pts/2' }), port({ name: 'c', containerPath: '/dev/ttyRTU5' })], errors);
    expect(errors).toEqual({
      'serialPorts.0.containerPath': '/dev/null is one of the entries every container has (/dev/null, /dev/tty, /dev/pts/…); the port would replace it. Pick another path, for example /dev/ttyRTU0.',
      'serialPorts.1.containerPath': '/dev/pts/2 is one of the entries every container has (/dev/null, /dev/tty, /dev/pts/…); the port would replace it. Pick another path, for example /dev/ttyRTU0.',
    });
  });

  it('lists added, removed and changed ports by name, once even when the shared diff names them', () => {
    const a = [{ name: 'rtu', deviceId: 'usb-FTDI', containerPath: '/dev/ttyRTU0' }, { name: 'old', deviceId: '/dev/ttyS0', containerPath: '/dev/ttyS0' }];
    const b = [{ name: 'gps', deviceId: 'usb-gps', containerPath: '/dev/ttyGPS', shared: true }, { name: 'rtu', deviceId: 'usb-FTDI', containerPath: '/dev/ttyRTU2', baudRate: 9600 }];
    const lines = ['serialPorts.gps: (none) → usb-gps at /dev/ttyGPS (shared)', 'serialPorts.rtu: usb-FTDI at /dev/ttyRTU0 → usb-FTDI at /dev/ttyRTU2 (9600 baud)', 'serialPorts.old: /dev/ttyS0 at /dev/ttyS0 → (removed)'];
    expect(serialDiff(a, b)).toEqual(lines);
    expect(serialDiff(b, b)).toEqual([]);
    const spec = VplcSpec.parse({ name: 'plc1', runtimeVersion: 'latest', vnics: [], serialPorts: a });
    expect(diffLines(spec, { ...spec, serialPorts: b })).toEqual(lines);
    expect(diffLines(spec, spec)).toEqual([]);
  });

  it('puts the API’s and the cloud’s serial field paths on the same inputs', () => {
    expect(formField('serialPorts[1].containerPath')).toBe('serialPorts.1.containerPath');
    expect(formField('serial_configs[1].container_path')).toBe('serialPorts.1.containerPath');
    expect(formField('serial_configs[0].device_id')).toBe('serialPorts.0.deviceId');
    expect(fieldOfReason("Validation error: serialPorts[0].deviceId: 'usb' matches 2 devices")).toEqual({ key: 'serialPorts.0.deviceId', message: "'usb' matches 2 devices" });
  });
});

function createFake(devices = [ftdi], others = [listRow('plc9', [{ name: 'rtu', device_id: ch340.device_id, container_path: '/dev/ttyRTU0', status: 'connected', current_host_path: ch340.path }])]): FakeTransport {
  return new FakeTransport({
    'netmon:interfaces': () => ok([]),
    'vplc:list': () => ok(others),
    'serial:devices': () => ok(inventory(devices)),
    'vplc:create': () => ok({ operationId: 'op-1' }),
    'vplc:status': () => ok({ status: 'creating', device_id: 'plc1', operation: 'create', step: 'creating_container', message: 'Container plc1 is being created' }),
  });
}

const optionTexts = (select: HTMLElement): string[] => within(select).getAllByRole('option').map((o) => o.textContent ?? '');

async function startCreate(t: FakeTransport) {
  const r = renderWithApp(<CreateVplc />, t);
  await act(() => r.store.getState().refreshVplcs());
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
  fireEvent.click(screen.getByRole('button', { name: 'Remove vNIC 1' }));
  fireEvent.click(screen.getByRole('button', { name: 'Add serial port' }));
  const group = screen.getByRole('group', { name: 'Serial port 1' });
  return { ...r, group };
}

describe('the create form’s serial ports', () => {
  it('offers the live devices and UARTs, follows a plug without reload, marks a used device, and sends the port in the spec', async () => {
    const t = createFake();
    const { group } = await startCreate(t);
    const picker = within(group).getByLabelText('Device');
    await waitFor(() => expect(optionTexts(picker)).toHaveLength(3));
    expect(optionTexts(picker)).toEqual(['Choose a device…', `usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0 — 0403:6001 FTDI FT232R USB UART, serial A10K1234, now /dev/ttyUSB0`, 'Built-in UART /dev/ttyS0']);
    expect(within(picker).getByRole('group', { name: 'Built-in UARTs' })).toBeTruthy();

    // The second adapter is plugged in while the form is open: it is offered at once, marked as plc9's.
    act(() => t.emit('serial:changed', changed(inventory([ftdi]), inventory([ch340, ftdi]))));
    expect(optionTexts(picker)[1]).toBe(`usb-1a86_USB_Serial-if00-port0 — 1a86:7523 USB Serial, now /dev/ttyUSB1 — used by plc9`);
    fireEvent.change(picker, { target: { value: ch340.device_id } });
    expect(within(group).getByRole('note').textContent).toBe('Used by plc9 (port rtu): the agent accepts a second vPLC on one device only when both ports are shared.');

    fireEvent.change(picker, { target: { value: ftdi.device_id } });
    expect((within(group).getByLabelText('Device id') as HTMLInputElement).value).toBe(ftdi.device_id);
    expect(within(group).getByText('Plugged in now at /dev/ttyUSB0.')).toBeTruthy();
    expect((within(group).getByLabelText('Container path') as HTMLInputElement).value).toBe('/dev/ttyRTU0');
    fireEvent.change(within(group).getByLabelText('Port name'), { target: { value: 'rtu' } });
    fireEvent.change(within(group).getByLabelText('Baud rate'), { target: { value: '19200' } });
    fireEvent.click(within(group).getByLabelText('Shared with other vPLCs'));
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByRole('heading', { name: 'Creating plc1' })).toBeTruthy();
    expect(t.callsTo('vplc:create')).toEqual([{ name: 'plc1', runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rtu', deviceId: ftdi.device_id, containerPath: '/dev/ttyRTU0', baudRate: 19200, shared: true }] }]);
  });

  it('drops an unplugged device from the picker at once and keeps a typed id for a device that is not plugged in', async () => {
    const t = createFake([ftdi, ch340], []);
    const { group } = await startCreate(t);
    const picker = within(group).getByLabelText('Device');
    await waitFor(() => expect(optionTexts(picker)).toHaveLength(4));
    act(() => t.emit('serial:changed', changed(inventory([ftdi, ch340]), inventory([ftdi]))));
    expect(optionTexts(picker)).toHaveLength(3);
    expect(optionTexts(picker).join('\n')).not.toContain('1a86');

    const typed = within(group).getByLabelText('Device id');
    fireEvent.change(typed, { target: { value: 'usb-Prolific_PL2303-if00-port0' } });
    expect((picker as HTMLSelectElement).value).toBe('');
    expect(optionTexts(picker)[0]).toBe('Not plugged in now (typed below)');
    expect(within(group).getByText('No device matches this id now: the port stays disconnected until the device is plugged in.')).toBeTruthy();
    act(() => t.emit('serial:changed', changed(inventory([ftdi]), inventory([ftdi, ch340]))));
    fireEvent.change(typed, { target: { value: 'usb' } });
    expect(within(group).getByText("'usb' matches 2 devices (usb-FTDI_FT232R_USB_UART_A10K1234-if00-port0, usb-1a86_USB_Serial-if00-port0); type more of its id.")).toBeTruthy();
  });

  it('marks a bad container path on its field, focuses it and sends nothing', async () => {
    const t = createFake();
    const { group } = await startCreate(t);
    fireEvent.change(within(group).getByLabelText('Device id'), { target: { value: ftdi.device_id } });
    const path = within(group).getByLabelText('Container path');
    fireEvent.change(path, { target: { value: '/tmp/ttyRTU0' } });
    fireEvent.change(within(group).getByLabelText('Baud rate'), { target: { value: 'fast' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await within(group).findByText(/^The container path is \/dev\/ followed by/)).toBeTruthy();
    expect(within(group).getByText('A baud rate is a whole number such as 9600 or 115200, or empty.')).toBeTruthy();
    expect(path.getAttribute('aria-invalid')).toBe('true');
    expect(document.activeElement).toBe(path);
    expect(t.callsTo('vplc:create')).toEqual([]);
  });

  it('puts the agent’s refusal of a device on that port’s device field', async () => {
    const t = createFake();
    t.handle('vplc:create', () => ({ ok: false, error: { code: 'VALIDATION', message: `Validation error: serialPorts[0].deviceId: device ${ftdi.device_id} is already used by serial port 'rtu' of vPLC plc9; mark both ports shared to use it from both`, field: 'serialPorts[0].deviceId' } }));
    const { group } = await startCreate(t);
    const id = within(group).getByLabelText('Device id');
    fireEvent.change(id, { target: { value: ftdi.device_id } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await within(group).findByText(`device ${ftdi.device_id} is already used by serial port 'rtu' of vPLC plc9; mark both ports shared to use it from both`)).toBeTruthy();
    expect(id.getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the edit form’s serial ports', () => {
  const stored = VplcSpec.parse({ name: 'plc1', runtimeVersion: 'latest', vnics: [], serialPorts: [{ name: 'rtu', deviceId: ftdi.device_id, containerPath: '/dev/ttyRTU0', baudRate: 19200 }] });
  const editFake = (): FakeTransport =>
    new FakeTransport({
      'netmon:interfaces': () => ok([]),
      'vplc:list': () => ok([listRow('plc1', [{ name: 'rtu', device_id: ftdi.device_id, container_path: '/dev/ttyRTU0', status: 'connected', current_host_path: ftdi.path }])]),
      'serial:devices': () => ok(inventory([ftdi])),
      'vplc:spec': () => ok({ spec: stored, pending: [] }),
      'vplc:edit': () => ok({ diff: [`serialPorts.rtu: ${ftdi.device_id} at /dev/ttyRTU0 (19200 baud) → ${ftdi.device_id} at /dev/ttyRTU2 (19200 baud)`], applies: 'change-window', path: 'same-container', message: 'Saved as a pending change of plc1' }),
    });

  it('prefills the stored port, shows its change in the review with the change-window note, and sends the new ports', async () => {
    const t = editFake();
    const { store } = renderWithApp(<EditVplc name="plc1" />, t);
    await act(() => store.getState().refreshVplcs());
    const group = await screen.findByRole('group', { name: 'Serial port 1' });
    expect(screen.queryByText(/none are configured/)).toBeNull();
    expect(screen.getByText(/A serial port change on a running vPLC waits for its change window/)).toBeTruthy();
    expect((within(group).getByLabelText('Device id') as HTMLInputElement).value).toBe(ftdi.device_id);
    expect((within(group).getByLabelText('Baud rate') as HTMLInputElement).value).toBe('19200');
    // Its own port is not "used by" another vPLC.
    await waitFor(() => expect((within(group).getByLabelText('Device') as HTMLSelectElement).value).toBe(ftdi.device_id));
    expect(optionTexts(within(group).getByLabelText('Device')).join('\n')).not.toContain('used by');
    fireEvent.change(within(group).getByLabelText('Container path'), { target: { value: '/dev/ttyRTU2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    const changes = await screen.findByRole('list', { name: 'Changes' });
    expect(within(changes).getAllByRole('listitem').map((li) => li.textContent)).toEqual([`serialPorts.rtu: ${ftdi.device_id} at /dev/ttyRTU0 (19200 baud) → ${ftdi.device_id} at /dev/ttyRTU2 (19200 baud)`]);
    expect(screen.getByRole('note').textContent).toBe('If plc1 is running, the serial port change waits for its change window: it is saved as pending until you apply it or plc1 stops.');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { name: 'Pending change' })).toBeTruthy();
    expect(t.callsTo('vplc:edit')).toEqual([{ name: 'plc1', spec: { ...stored, serialPorts: [{ name: 'rtu', deviceId: ftdi.device_id, containerPath: '/dev/ttyRTU2', baudRate: 19200 }] } }]);
  });

  it('sends an empty list when the last port is removed', async () => {
    const t = editFake();
    renderWithApp(<EditVplc name="plc1" />, t);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove serial port 1' }));
    expect(screen.getByText('None configured on this vPLC.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    expect(await screen.findByText(`serialPorts.rtu: ${ftdi.device_id} at /dev/ttyRTU0 (19200 baud) → (removed)`)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await screen.findByRole('heading', { name: 'Pending change' });
    expect(t.callsTo('vplc:edit')).toEqual([{ name: 'plc1', spec: { ...stored, serialPorts: [] } }]);
  });

  it('marks the port field the agent names and keeps the input', async () => {
    const t = editFake();
    t.handle('vplc:edit', () => ({ ok: false, error: { code: 'VALIDATION', message: "Validation error: serialPorts[0].deviceId: 'usb' matches 2 devices", field: 'serialPorts[0].deviceId' } }));
    renderWithApp(<EditVplc name="plc1" />, t);
    const group = await screen.findByRole('group', { name: 'Serial port 1' });
    fireEvent.change(within(group).getByLabelText('Device id'), { target: { value: 'usb' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    const again = await screen.findByRole('group', { name: 'Serial port 1' });
    expect(await within(again).findByText("'usb' matches 2 devices")).toBeTruthy();
    expect(within(again).getByLabelText('Device id').getAttribute('aria-invalid')).toBe('true');
  });
});
