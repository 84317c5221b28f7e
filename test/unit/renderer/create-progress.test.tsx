import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateProgress, pullText, type CreateProgressState } from '../../../renderer/src/features/vplcs/CreateProgress';
import { CreateVplc } from '../../../renderer/src/features/vplcs/CreateVplc';
import type { Envelope } from '../../../shared/api/envelope';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const iface = { name: 'enp1s0', mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [{ address: '192.168.10.5', prefix: 24, subnet: '192.168.10.0/24' }], gateway: '192.168.10.1' };
const pulling = (pull_progress?: object, step = 'pulling_image') => ok({ status: 'creating', device_id: 'plc1', operation: 'create', step, message: 'Container plc1 is being created', ...(pull_progress ? { pull_progress } : {}) });
const base: CreateProgressState = { name: 'plc1', step: 'pulling_image', done: false, dhcp: false };

describe('the create progress', () => {
  it('follows the pull from the agent’s status: layers and MB with a bar, gone once the next step begins', async () => {
    let status = pulling();
    const f = new FakeTransport({
      'netmon:interfaces': () => ok([iface]),
      'vplc:list': () => ok([]),
      'vplc:create': () => ok({ operationId: 'op-1' }),
      'vplc:status': () => status,
    });
    renderWithApp(<CreateVplc />, f);
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    await waitFor(() => expect(within(vnic).getAllByRole('option')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp1s0' } });
    fireEvent.click(within(vnic).getByLabelText('Static'));
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    await waitFor(() => expect(screen.getByText('Get the runtime image').className).toBe('step-active'));
    expect(screen.queryByRole('progressbar')).toBeNull();

    status = pulling({ layers_done: 2, layers_total: 3, bytes_done: 12_400_000, bytes_total: 30_100_000 });
    act(() => f.emit('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'pulling_image' }));
    const bar = (await screen.findByRole('progressbar', { name: 'Pulling image: 2/3 layers, 12.4 of 30.1 MB' })) as HTMLProgressElement;
    expect(bar.value).toBe(12_400_000);
    expect(bar.max).toBe(30_100_000);

    status = pulling(undefined, 'creating_networks');
    act(() => f.emit('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'creating_networks' }));
    await waitFor(() => expect(screen.getByText('Create the networks').className).toBe('step-active'));
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('measures by layers when no layer needed downloading, and hides the bar on a failure', () => {
    const pull = { layers_done: 1, layers_total: 2, bytes_done: 0, bytes_total: 0 };
    renderWithApp(<CreateProgress p={{ ...base, pull }} />);
    const bar = screen.getByRole('progressbar', { name: 'Pulling image: 1/2 layers' }) as HTMLProgressElement;
    expect([bar.value, bar.max]).toEqual([1, 2]);
    cleanup();
    renderWithApp(<CreateProgress p={{ ...base, error: 'Runtime image x is not on this PC', pull }} />);
    expect(screen.getByRole('alert').textContent).toContain('is not on this PC');
    expect(screen.queryByRole('progressbar')).toBeNull();
  });

  it('says "starting" before the engine has named a layer', () => {
    expect(pullText({ layers_done: 0, layers_total: 0, bytes_done: 0, bytes_total: 0 })).toBe('Pulling image: starting');
  });

  it('ticks the DHCP step only once the leases are verified: waiting while the runtime is awaited', () => {
    renderWithApp(<CreateProgress p={{ ...base, dhcp: true, step: 'waiting_for_runtime' }} />);
    expect(screen.getByText(/Obtain DHCP leases/).className).toBe('step-active');
    expect(screen.getByText(/Obtain DHCP leases/).textContent).toBe('Obtain DHCP leases: waiting for a lease');
    expect(screen.getByText('Create and start the container').className).toBe('step-done');
    expect(screen.getByRole('heading').textContent).toBe('Creating plc1');
  });

  it('ends "created with problems": the DHCP step failed with its reason, the heading no longer says creating', () => {
    const problems = ["no DHCP lease on vNIC 'lan' within 30 s: no DHCP server answered"];
    renderWithApp(<CreateProgress p={{ ...base, dhcp: true, step: 'waiting_for_runtime', done: true, problems }} />);
    const dhcp = screen.getByText(/Obtain DHCP leases/);
    expect(dhcp.className).toBe('step-failed');
    expect(dhcp.textContent).toBe("Obtain DHCP leases: no lease yet: vNIC 'lan' (waited 30 s): no DHCP server answered");
    expect(screen.getByText('Wait for the runtime to answer').className).toBe('step-done');
    expect(screen.getByRole('heading').textContent).toBe('Created plc1 with problems');
    expect(screen.getByRole('status').textContent).toContain(`plc1 was created with problems: ${problems[0]}`);
    expect(screen.getByRole('status').textContent).not.toContain('is running');
  });

  it('ends clean: every step ticked, "Created" and "is running"', () => {
    renderWithApp(<CreateProgress p={{ ...base, dhcp: true, step: 'waiting_for_runtime', done: true, problems: [] }} />);
    expect(screen.getByText('Obtain DHCP leases').className).toBe('step-done');
    expect(screen.getByRole('heading').textContent).toBe('Created plc1');
    expect(screen.getByRole('status').textContent).toContain('plc1 is running.');
  });

  it('follows the agent to "created with problems" from the status it answers', async () => {
    let status: Envelope<unknown> = pulling(undefined, 'waiting_for_runtime');
    const f = new FakeTransport({
      'netmon:interfaces': () => ok([iface]),
      'vplc:list': () => ok([]),
      'vplc:create': () => ok({ operationId: 'op-1' }),
      'vplc:status': () => status,
    });
    renderWithApp(<CreateVplc />, f);
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    await waitFor(() => expect(within(vnic).getAllByRole('option')).toHaveLength(2));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp1s0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    await waitFor(() => expect(screen.getByText('Wait for the runtime to answer').className).toBe('step-active'));
    status = ok({
      status: 'success',
      device_id: 'plc1',
      container_status: 'running',
      is_running: true,
      orchestrator_state: {
        managed: 'labelled',
        desired_state: 'running',
        restarts_in_window: 0,
        restart_suspended: false,
        warnings: ["no DHCP lease on vNIC 'lan'"],
        last_error: null,
        create_problems: ["no DHCP lease on vNIC 'lan' within 30 s: no DHCP server answered"],
      },
    });
    act(() => f.emit('vplc:changed', { kind: 'changed', name: 'plc1', reason: 'created' }));
    await waitFor(() => expect(screen.getByRole('heading', { name: 'Created plc1 with problems' })).toBeTruthy());
    expect(screen.getByText(/Obtain DHCP leases/).className).toBe('step-failed');
  });
});
