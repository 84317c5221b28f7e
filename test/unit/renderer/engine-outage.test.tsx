// What an engineer sees of the engine-outage work: a suspended vPLC says so with the resume time and offers Start now;
// the live-restore warning offers its one-click fix only after a confirmation, and only where the agent may write.
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { LiveRestoreFix } from '../../../renderer/src/features/dashboard/LiveRestoreFix';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

describe('a vPLC whose restarts are suspended', () => {
  const resumeAt = '2026-12-04T10:15:00.000Z';
  const status = successStatus({
    container_status: 'exited',
    is_running: false,
    exit_code: 1,
    orchestrator_state: { desired_state: 'running', restarts_in_window: 5, restart_suspended: true, restarts_resume_at: resumeAt, warnings: [`restarts suspended: it stopped 5 times within 10 min; automatic restarts resume at ${resumeAt}, or start it now`] },
  });

  it('is shown as suspended, says when restarts resume, and Start now starts it', async () => {
    const f = new FakeTransport({
      'vplc:status': () => ok(status),
      'vplc:logs': () => ok([]),
      'metrics:history': () => ok({ cpu: [], memory: [] }),
      'journal:list': () => ok([]),
      'vplc:list': () => ok([]),
      'vplc:start': () => ok({ status: 'success', device_id: 'plc1', container_status: 'running', message: 'Container plc1 started' }),
    });
    renderWithApp(<VplcDetail name="plc1" />, f);
    const heading = await screen.findByRole('heading', { level: 1 });
    await waitFor(() => expect(heading.textContent).toContain('suspended'));
    const alert = screen.getAllByRole('alert').find((a) => a.textContent?.includes('Automatic restarts are suspended'));
    expect(alert?.textContent).toContain('stopped 5 times');
    expect(alert?.textContent).toContain(`They resume at ${new Date(resumeAt).toLocaleTimeString()}`);
    fireEvent.click(screen.getByRole('button', { name: 'Start now' }));
    await waitFor(() => expect(f.callsTo('vplc:start')).toEqual([{ name: 'plc1' }]));
  });
});

describe('the live-restore fix', () => {
  const view = (writable: boolean) => ({ enabled: false, file: '/etc/docker/daemon.json', writable, fix: 'Set "live-restore": true in /etc/docker/daemon.json …' });

  it('changes the file only after a confirmation, and tells the engineer to reload', async () => {
    const f = new FakeTransport({
      'engine:live-restore': () => ok(view(true)),
      'engine:enable-live-restore': () => ok({ changed: true, file: '/etc/docker/daemon.json', next: 'Reload the engine to apply it: sudo systemctl reload docker' }),
    });
    renderWithApp(<LiveRestoreFix />, f);
    fireEvent.click(await screen.findByRole('button', { name: 'Turn on live-restore in /etc/docker/daemon.json' }));
    const dialog = screen.getByRole('dialog', { name: 'Turn on Docker live-restore?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(f.callsTo('engine:enable-live-restore')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Turn on live-restore in /etc/docker/daemon.json' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Change the file' }));
    // The command alone is on the card from the start; the result line is what says the change was made.
    expect(await screen.findByText(/^Reload the engine to apply it/)).toBeTruthy();
    expect(f.callsTo('engine:enable-live-restore')).toEqual([{ confirm: true }]);
    expect(screen.queryByRole('button', { name: /Turn on live-restore/ })).toBeNull();
  });

  it('shows only the command where the agent may not write the file', async () => {
    const f = new FakeTransport({ 'engine:live-restore': () => ok(view(false)) });
    renderWithApp(<LiveRestoreFix />, f);
    expect(await screen.findByText('sudo systemctl reload docker')).toBeTruthy();
    expect(screen.queryByRole('button', { name: /Turn on live-restore/ })).toBeNull();
  });
});
