import { cleanup, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Network } from '../../../renderer/src/features/network/Network';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

describe('the Networks page', () => {
  it('keeps a detached vNIC listed as detached, with why and a link to edit it', async () => {
    const why = "Static IP 192.168.10.50 of vNIC 'lan' is outside the new subnet 192.168.20.0/24; edit the vNIC";
    const t = new FakeTransport({
      'netmon:interfaces': () => ok([]),
      'network:timeline': () => ok([]),
      'network:vnics': () =>
        ok([
          { vplc: 'plc1', vnic: 'lan', parent: 'enp1s0', mode: 'static', mac: '02:5a:00:00:00:01', ip: '192.168.10.50', network: 'macvlan_enp1s0_192.168.10.0_24', state: 'detached', reason: why, editable: true },
          { vplc: 'plc2', vnic: 'vnic1', parent: 'enp2s0', mode: 'dhcp', mac: '02:5a:00:00:00:02', state: 'attached', editable: false },
        ]),
    });
    renderWithApp(<Network />, t);
    const table = await screen.findByRole('table', { name: 'vNICs' });
    const [detached, attached] = within(table).getAllByRole('row').slice(1);
    expect(within(detached!).getByText('detached')).toBeTruthy();
    expect(within(detached!).getByText(why, { exact: false })).toBeTruthy();
    expect(within(detached!).getByRole('link', { name: 'Edit the vNIC' }).getAttribute('href')).toBe('#/vplcs/plc1/edit');
    expect(within(attached!).getByText('attached')).toBeTruthy();
    expect(within(attached!).getByText('DHCP')).toBeTruthy();
    expect(within(attached!).queryByRole('link', { name: 'Edit the vNIC' })).toBeNull();
  });
});
