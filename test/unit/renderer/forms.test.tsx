import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup } from '@testing-library/react';
import { CreateVplc } from '../../../renderer/src/features/vplcs/CreateVplc';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { Enrolment } from '../../../renderer/src/features/enrol/Enrolment';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const iface = { name: 'enp1s0', mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [{ address: '192.168.10.5', prefix: 24, subnet: '192.168.10.0/24' }], gateway: '192.168.10.1' };

function createFake(): FakeTransport {
  return new FakeTransport({
    'netmon:interfaces': () => ok([iface]),
    'vplc:list': () => ok([]),
    'vplc:create': () => ok({ operationId: 'op-1' }),
    'vplc:status': () => ok({ status: 'creating', device_id: 'plc1', operation: 'create', step: 'pulling_image', message: 'Container plc1 is being created' }),
  });
}

describe('the create form', () => {
  it('shows each field error, focuses the first, and sends nothing', async () => {
    const { transport } = renderWithApp(<CreateVplc />, createFake());
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    await waitFor(() => expect(within(vnic).getAllByRole('option')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'x' } });
    fireEvent.click(within(vnic).getByLabelText('Static'));
    fireEvent.change(within(vnic).getByLabelText('IP address'), { target: { value: '10.0.0.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByText(/Use 2–63 letters/)).toBeTruthy();
    expect(screen.getByText('Pick the host interface this vNIC sits on.')).toBeTruthy();
    expect(screen.getByText('A static vNIC needs its subnet.')).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByLabelText('Name'));
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
    expect(transport.callsTo('vplc:create')).toEqual([]);
  });

  it('prefills from the interface, sends the spec, and follows the creation steps', async () => {
    const { transport } = renderWithApp(<CreateVplc />, createFake());
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    await waitFor(() => expect(within(vnic).getAllByRole('option')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp1s0' } });
    expect((within(vnic).getByLabelText('Subnet') as HTMLInputElement).value).toBe('192.168.10.0/24');
    fireEvent.click(within(vnic).getByLabelText('Static'));
    expect((within(vnic).getByLabelText('IP address') as HTMLInputElement).value).toBe('192.168.10.200');
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByRole('heading', { name: 'Creating plc1' })).toBeTruthy();
    expect(transport.callsTo('vplc:create')).toEqual([
      { name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'vnic1', parentInterface: 'enp1s0', mode: 'static', ip: '192.168.10.200', subnet: '192.168.10.0/24', gateway: '192.168.10.1', dns: [] }] },
    ]);
    await waitFor(() => expect(screen.getByText('Get the runtime image').className).toBe('step-active'));
    expect(screen.getByText('Check the configuration').className).toBe('step-done');
    expect(screen.queryByText('Obtain DHCP leases')).toBeNull();
    transport.handle('vplc:status', () => ok(successStatus()));
    act(() => transport.emit('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'created' }));
    expect(await screen.findByText('plc1 is running.')).toBeTruthy();
  });

  it('puts an error the agent names on its field', async () => {
    const fake = createFake();
    // What the agent answers (electron/core/api/handlers/register.ts): the orchestrator's refusal with its code and field.
    fake.handle('vplc:create', () => ({ ok: false, error: { code: 'CONFLICT', message: 'Container name is already in use', field: 'name' } }));
    renderWithApp(<CreateVplc />, fake);
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Remove vNIC 1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    const alerts = await screen.findAllByText('Container name is already in use');
    expect(alerts.length).toBeGreaterThan(0);
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBe('true');
  });
});

describe('the vPLC detail', () => {
  const status = successStatus({
    networks: { macvlan_enp1s0: { ip_address: '192.168.10.50', mac_address: '02:42:c0:a8:0a:32', gateway: '192.168.10.1' } },
    internal_ip: '172.29.0.10',
    uptime_seconds: 3_700,
    orchestrator_state: { warnings: ['real-time limits unavailable on this host'] },
  });
  const fake = (): FakeTransport =>
    new FakeTransport({
      'vplc:status': () => ok(status),
      'vplc:logs': () => ok(['line one']),
      'metrics:history': () => ok({ cpu: [{ timestamp: 1, cpu: 2 }], memory: [{ timestamp: 1, memory: 30 }] }),
      'vplc:list': () => ok([]),
      'vplc:stop': () => ok({ status: 'success', device_id: 'plc1', container_status: 'exited', message: 'Container plc1 stopped' }),
      'journal:list': () => ok([{ ts: '2026-12-01T10:00:00.000Z', vplc: 'plc1', action: 'restart', requestedBy: 'cloud', result: 'error', detail: 'Docker is not answering' }]),
    });

  it('shows addresses, uptime and warnings', async () => {
    renderWithApp(<VplcDetail name="plc1" />, fake());
    expect(await screen.findByText('192.168.10.50')).toBeTruthy();
    expect(screen.getByText('1 h 1 min')).toBeTruthy();
    expect(screen.getByText('real-time limits unavailable on this host')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the runtime’s web UI' }).getAttribute('href')).toBe('https://172.29.0.10:8443/');
    expect(await screen.findByText('line one')).toBeTruthy();
    const history = await screen.findByRole('table', { name: 'History' });
    expect(within(history).getByText('cloud')).toBeTruthy();
    expect(within(history).getByText('Docker is not answering')).toBeTruthy();
  });

  it('offers no action before the first status has arrived', async () => {
    const f = fake();
    f.handle('vplc:status', () => new Promise(() => undefined));
    renderWithApp(<VplcDetail name="plc1" />, f);
    expect(await screen.findByText('loading')).toBeTruthy();
    for (const label of ['Start', 'Stop', 'Restart', 'Delete']) expect((screen.getByRole('button', { name: label }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('stops only after confirmation, and cancelling sends nothing', async () => {
    const { transport } = renderWithApp(<VplcDetail name="plc1" />, fake());
    await screen.findByText('192.168.10.50');
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop this vPLC?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(transport.callsTo('vplc:stop')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Stop' }));
    expect(await screen.findByText('Container plc1 stopped')).toBeTruthy();
    expect(transport.callsTo('vplc:stop')).toEqual([{ name: 'plc1', confirm: true }]);
  });

  it('lists pending changes and applies them only after confirmation', async () => {
    const f = fake();
    f.handle('vplc:status', () => ok({ ...status, orchestrator_state: { ...status.orchestrator_state, pending_changes: ['runtime update sha256:1234 waits for the change window (stopped, or confirmed)'] } }));
    f.handle('vplc:apply', () => ok({ message: 'Applying the pending changes of plc1' }));
    renderWithApp(<VplcDetail name="plc1" />, f);
    expect(await screen.findByText(/runtime update sha256:1234 waits/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Apply now' }));
    expect(f.callsTo('vplc:apply')).toEqual([]);
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Apply the pending changes now?' })).getByRole('button', { name: 'Apply now' }));
    expect(await screen.findByText('Applying the pending changes of plc1')).toBeTruthy();
    expect(f.callsTo('vplc:apply')).toEqual([{ name: 'plc1', confirm: true }]);
  });

  it('shows the agent’s refusal of a control as an alert', async () => {
    const f = fake();
    f.handle('vplc:restart', () => ok({ status: 'error', device_id: 'plc1', error: 'Docker is not answering' }));
    renderWithApp(<VplcDetail name="plc1" />, f);
    await screen.findByText('192.168.10.50');
    fireEvent.click(screen.getByRole('button', { name: 'Restart' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Restart' }));
    expect((await screen.findByRole('alert')).textContent).toContain('Docker is not answering');
  });
});

describe('enrolment', () => {
  it('shows the id as soon as the agent reports it, then the certificate', async () => {
    let finish: (v: unknown) => void = () => undefined;
    const fake = new FakeTransport({
      'settings:get': () => ok({ settings: { version: 1, cloud: { enabled: true, url: 'https://c.example:3001', provisionUrl: 'https://p.example', allowRemoteRemoval: true }, agent: { logLevel: 'info', uiPort: 48750, lockName: 'x' }, orchestrator: { runtimeRepo: 'r', helperImage: 'h', internalPool: '172.29.0.0/16', runCommandTimeoutMs: 60000 }, desktop: { autostart: false, quitOnClose: true } }, writable: true, warnings: [], effective: [] }),
      'certs:info': () => ok(null),
      'certs:enroll': () => new Promise((resolve) => (finish = resolve as (v: unknown) => void)),
    });
    renderWithApp(<Enrolment />, fake);
    await waitFor(() => expect((screen.getByLabelText('Provisioning URL') as HTMLInputElement).value).toBe('https://p.example'));
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    act(() => fake.emit('certs:progress', { step: 'id', id: '07048933' }));
    expect((await screen.findByLabelText('Agent ID')).textContent).toBe('07048933');
    const cert = { agentId: '07048933', subject: 'CN=07048933', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-01-01T00:00:00Z', fingerprint256: 'AA' };
    act(() => finish(ok({ id: '07048933', expiresAt: null, certificate: cert })));
    await waitFor(() => expect(screen.getByText('Receive the signed certificate').className).toBe('step-done'));
    expect(fake.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example' }]);
  });

  it('refuses a non-https provisioning address before calling the agent', async () => {
    const fake = new FakeTransport({ 'settings:get': () => ({ ok: false, error: { code: 'UNAVAILABLE', message: 'x' } }), 'certs:info': () => ok(null) });
    renderWithApp(<Enrolment />, fake);
    fireEvent.change(screen.getByLabelText('Provisioning URL'), { target: { value: 'http://p.example' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByText('Give the provisioning address as https://host[:port].')).toBeTruthy();
    expect(fake.callsTo('certs:enroll')).toEqual([]);
  });
});
