import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsPage } from '../../../renderer/src/features/settings/SettingsPage';
import { Settings } from '../../../shared/domain/settings';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const settings = Settings.parse({
  version: 1,
  cloud: { allowRemoteRemoval: false, serverPins: ['YCOvodIgQK1217wGftZXZHGhLIiexw/IrHnovdCqlBQ='] },
  orchestrator: { runCommandMaxPerDevice: 2, parentPolicy: { allow: ['enp1s0', 'lan*'], zones: { cell: ['enp1s0'], office: ['lan*'] } } },
});

function fake(s = settings): FakeTransport {
  return new FakeTransport({
    'settings:get': () => ok({ settings: s, writable: true, warnings: [] }),
    'settings:set': () => ok({ settings: s, restartNeeded: true }),
  });
}

describe('the settings page', () => {
  it('shows the local parent policy, the cloud pin and the run_command limits read-only', async () => {
    renderWithApp(<SettingsPage />, fake());
    const safety = await screen.findByRole('region', { name: 'Plant safety' });
    expect(safety.textContent).toContain('enp1s0, lan*');
    expect(safety.textContent).toContain('lo, docker0, br-*, veth*, virbr*, wg*, tun*, tap*, MACVLAN child interfaces');
    expect(screen.getByRole('list', { name: 'Zones' }).textContent).toBe('cell: enp1s0office: lan*');
    expect(safety.textContent).toContain('1 SPKI pin: YCOvodIgQK1217wGftZXZHGhLIiexw/IrHnovdCqlBQ=');
    expect(safety.textContent).toContain('2 per vPLC, 16 in total');
    expect(safety.querySelector('input')).toBeNull();
  });

  it('names the default policy when no allow-list is set', async () => {
    renderWithApp(<SettingsPage />, fake(Settings.parse({ version: 1 })));
    expect((await screen.findByRole('region', { name: 'Plant safety' })).textContent).toContain('Physical Ethernet interfaces (default)');
  });

  it('shows and saves "Allow the cloud to remove this orchestrator", and refuses an http: cloud URL', async () => {
    const f = fake();
    renderWithApp(<SettingsPage />, f);
    const box = (await screen.findByLabelText('Allow the cloud to remove this orchestrator')) as HTMLInputElement;
    expect(box.checked).toBe(false);
    fireEvent.change(screen.getByLabelText('Cloud URL'), { target: { value: 'http://c.example:3001' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText('Give the cloud address as https://host:port.')).toBeTruthy();
    expect(f.callsTo('settings:set')).toEqual([]);
    fireEvent.change(screen.getByLabelText('Cloud URL'), { target: { value: 'https://c.example:3001' } });
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(f.callsTo('settings:set')).toHaveLength(1));
    expect(f.callsTo('settings:set')[0]).toMatchObject({ cloud: { url: 'https://c.example:3001', allowRemoteRemoval: true } });
  });
});
