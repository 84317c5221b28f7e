import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { CreateProgress, pullText, type CreateProgressState } from '../../../renderer/src/features/vplcs/CreateProgress';
import { CreateVplc } from '../../../renderer/src/features/vplcs/CreateVplc';
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
});
