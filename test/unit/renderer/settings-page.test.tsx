import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { SettingsPage } from '../../../renderer/src/features/settings/SettingsPage';
import { Settings } from '../../../shared/domain/settings';
import type { Transport } from '../../../renderer/src/api/transport';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const settings = Settings.parse({
  version: 1,
  cloud: { allowRemoteRemoval: false, serverPins: ['YCOvodIgQK1217wGftZXZHGhLIiexw/IrHnovdCqlBQ='] },
  orchestrator: { runCommandMaxPerDevice: 2, parentPolicy: { allow: ['enp1s0', 'lan*'], zones: { cell: ['enp1s0'], office: ['lan*'] } } },
});

type Effective = Array<{ key: string; value: string | number | boolean | null; source: 'default' | 'file' | 'env' | 'flag'; via?: string }>;

function fake(s = settings, effective: Effective = []): FakeTransport {
  return new FakeTransport({
    'settings:get': () => ok({ settings: s, writable: true, warnings: [], effective }),
    'settings:set': () => ok({ settings: s, restartNeeded: true, afterRestart: ['orchestrator.runtimeRepo'], overridden: [] }),
  });
}

/** The desktop app's transport: the same fake answers, reached through the preload bridge. */
function desktop(f: FakeTransport): Transport {
  return { kind: 'ipc', invoke: (c, i) => f.invoke(c, i), on: (n, l) => f.on(n, l), onState: (l) => f.onState(l) };
}

const plain = Settings.parse({ version: 1, orchestrator: { runtimeRepo: 'file/repo' } });
const flagged: Effective = [
  { key: 'cloud.url', value: 'https://flag.example:3001', source: 'flag', via: '--cloud-url' },
  { key: 'cloud.enabled', value: false, source: 'env', via: 'VPLC_NO_CLOUD=1' },
  { key: 'orchestrator.runtimeRepo', value: 'running/repo', source: 'file' },
  { key: 'agent.logLevel', value: 'info', source: 'default' },
];

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

  it('says whether the cloud may debug and force live variables, from the run_command allow-list', async () => {
    const line = async (runCommandAllowList: unknown): Promise<string> => {
      const view = renderWithApp(<SettingsPage />, fake(Settings.parse({ version: 1, orchestrator: runCommandAllowList === undefined ? {} : { runCommandAllowList } })));
      const safety = await screen.findByRole('region', { name: 'Plant safety' });
      const term = within(safety).getByText('Cloud live debugging and forcing (WebRTC console and run_command)');
      const text = term.nextElementSibling?.textContent ?? '';
      view.unmount();
      return text;
    };
    expect(await line(undefined)).toBe('Allowed (no run_command allow-list)');
    expect(await line([{ method: 'GET', pathPrefix: '/api/status' }, { pathPrefix: '/api/debugger' }])).toBe('Not allowed by the run_command allow-list (it has no entry for /api/debug)');
    expect(await line([{ method: 'GET', pathPrefix: '/api/status' }, { method: 'POST', pathPrefix: '/api/debug/' }])).toBe('Allowed by the run_command allow-list (/api/debug)');
    expect(await line([{ pathPrefix: '/' }])).toBe('Allowed by the run_command allow-list (/api/debug)');
    expect(await line([{ pathPrefix: '/api', ports: [8080] }])).toBe('Allowed by the run_command allow-list only on runtime port 8080 (not 8443)');
  });

  it('says whether the cloud console may open WebRTC sessions, and how many', async () => {
    const line = async (webrtc: Record<string, unknown>): Promise<string> => {
      const view = renderWithApp(<SettingsPage />, fake(Settings.parse({ version: 1, cloud: { webrtc } })));
      const safety = await screen.findByRole('region', { name: 'Plant safety' });
      const text = within(safety).getByText('Cloud console sessions (WebRTC)').nextElementSibling?.textContent ?? '';
      view.unmount();
      return text;
    };
    expect(await line({})).toBe('On, at most 32 at once');
    expect(await line({ maxSessions: 4 })).toBe('On, at most 4 at once');
    expect(await line({ enabled: false })).toBe('Off (cloud.webrtc.enabled is false): the console cannot open a session');
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

  it('shows what the agent runs with and where from; a flag- or variable-set field is read-only and never saved', async () => {
    const f = fake(plain, flagged);
    renderWithApp(<SettingsPage />, f);
    const url = (await screen.findByLabelText('Cloud URL')) as HTMLInputElement;
    expect(url.value).toBe('https://flag.example:3001');
    expect(url.readOnly).toBe(true);
    expect(screen.getByText(/^Set by --cloud-url; read-only here\. The settings file's value \(https:\/\/api\.autonomylogic\.com:3001\) applies once --cloud-url is no longer given\.$/)).toBeTruthy();
    const cloud = screen.getByLabelText('Link this PC to the cloud (off: local-only mode)') as HTMLInputElement;
    expect(cloud.checked).toBe(false);
    expect(cloud.disabled).toBe(true);
    expect(screen.getByText(/^Set by VPLC_NO_CLOUD=1; read-only here\./)).toBeTruthy();
    // Saved in the file but not what runs yet.
    expect(screen.getByText(/Saved as file\/repo; the agent runs with running\/repo until it restarts\./)).toBeTruthy();
    const table = screen.getByRole('table', { name: 'Effective settings' });
    const rows = within(table).getAllByRole('row').slice(1).map((r) => Array.from(r.children).map((c) => c.textContent));
    expect(rows).toEqual([
      ['Cloud URL', 'https://flag.example:3001', 'flag --cloud-url'],
      ['Cloud link', 'off', 'environment VPLC_NO_CLOUD=1'],
      ['Runtime image', 'running/repo', 'settings file'],
      ['Log level', 'info', 'default'],
    ]);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(f.callsTo('settings:set')).toHaveLength(1));
    const patch = f.callsTo('settings:set')[0] as { cloud: Record<string, unknown> };
    expect(patch.cloud).toEqual({ allowRemoteRemoval: true });
  });

  it('after a save in a browser names the values that wait for a restart and how to restart without a tray', async () => {
    renderWithApp(<SettingsPage />, fake(plain));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    const status = await screen.findByRole('status');
    expect(status.textContent).toBe('Saved to the settings file. Runtime image takes effect when the agent restarts: stop the agent where it runs (Ctrl+C in its terminal) and start it again, then open the UI address it prints.');
    expect(status.textContent).not.toContain('tray');
  });

  it('in the desktop app the advice is the app’s own restart, and the service’s when a service runs the agent', async () => {
    const f = fake(plain);
    const { unmount } = renderWithApp(<SettingsPage />, desktop(f) as FakeTransport);
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toContain('takes effect when the agent restarts: quit the app (tray → Quit) and open it again.');
    unmount();
    f.handle('agent:status', () => ok({ installationId: 'i', mode: 'service', cloud: 'offline', workers: [], warnings: [] }));
    renderWithApp(<SettingsPage />, desktop(f) as FakeTransport);
    await waitFor(() => expect(f.callsTo('agent:status').length).toBeGreaterThan(1));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('status')).textContent).toContain('restarts: restart the service: sudo systemctl restart vplc-orchestrator.');
  });
});
