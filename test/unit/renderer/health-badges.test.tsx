// What the list, the dashboard and a vPLC's page say about a vPLC: the agent's derived health (`degraded` with its
// reasons when a fact is missing), our word `stopped` for Docker's `exited`, and the wait for a starting runtime.
import { act, cleanup, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Dashboard } from '../../../renderer/src/features/dashboard/Dashboard';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { VplcList } from '../../../renderer/src/features/vplcs/VplcList';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const LEASE = "no DHCP lease on vNIC 'lan'";
const row = (name: string, over: object) => ({ name, state: 'running', running: true, desired_state: 'running', operation: null, internal_ip: null, restart_suspended: false, restarts_resume_at: null, reasons: [], ...over });
const list = [
  row('ok1', { health: 'running' }),
  row('lan1', { health: 'degraded', reasons: [LEASE] }),
  row('off1', { state: 'exited', running: false, desired_state: 'stopped', health: 'stopped' }),
  // An agent from before health: our word for Docker's state still.
  row('old1', { state: 'exited', running: false, desired_state: 'stopped' }),
];

const transport = () =>
  new FakeTransport({
    'vplc:list': () => ok(list),
    'metrics:history': () => ok({ cpu: [], memory: [] }),
    'metrics:vplc-history': () => ok({ cpu: [], memory: [] }),
  });

const badgeOf = (r: HTMLElement): string | null | undefined => r.querySelector('.badge')?.textContent;

describe('the vPLC list', () => {
  it('shows degraded with its reasons, running only when every fact is verified, and stopped for exited', async () => {
    const { store } = renderWithApp(<VplcList />, transport());
    await act(() => store.getState().refreshVplcs());
    const table = await screen.findByRole('table', { name: 'vPLCs' });
    const rowOf = (name: string): HTMLElement => within(table).getByRole('row', { name: new RegExp(`^${name}`) });
    expect(badgeOf(rowOf('ok1'))).toBe('running');
    expect(badgeOf(rowOf('lan1'))).toBe('degraded');
    expect(rowOf('lan1').textContent).toContain(LEASE);
    expect(badgeOf(rowOf('off1'))).toBe('stopped');
    expect(badgeOf(rowOf('old1'))).toBe('stopped');
    expect(table.textContent).not.toContain('exited');
  });
});

describe('the dashboard', () => {
  it('counts only verified vPLCs as running and lists the degraded ones with their reasons', async () => {
    const { store } = renderWithApp(<Dashboard />, transport());
    await act(() => store.getState().refreshVplcs());
    await waitFor(() => expect(screen.getByText(/running of 4/).textContent).toContain('1 running of 4 (1 degraded)'));
    expect(screen.getByRole('list', { name: 'Degraded vPLCs' }).textContent).toBe(`lan1: ${LEASE}`);
    expect(screen.getByRole('link', { name: /lan1/ }).querySelector('.badge')?.textContent).toBe('degraded');
    expect(screen.getByRole('link', { name: /off1/ }).querySelector('.badge')?.textContent).toBe('stopped');
  });
});

describe("a vPLC's page", () => {
  const detail = (status: object) =>
    new FakeTransport({
      'vplc:status': () => ok(status),
      'vplc:logs': () => ok([]),
      'metrics:history': () => ok({ cpu: [], memory: [] }),
      'journal:list': () => ok([]),
      'vplc:list': () => ok([]),
    });

  it('heads with degraded and lists the reasons among the warnings', async () => {
    renderWithApp(<VplcDetail name="plc1" />, detail(successStatus({ orchestrator_state: { health: 'degraded', health_reasons: [LEASE], warnings: [LEASE] } })));
    const heading = await screen.findByRole('heading', { level: 1 });
    await waitFor(() => expect(heading.querySelector('.badge')?.textContent).toBe('degraded'));
    expect(screen.getByRole('list', { name: 'Warnings' }).textContent).toContain(LEASE);
  });

  it('heads with stopped, not exited, for a stopped container', async () => {
    renderWithApp(<VplcDetail name="plc1" />, detail(successStatus({ container_status: 'exited', is_running: false, exit_code: 0, orchestrator_state: { desired_state: 'stopped' } })));
    const heading = await screen.findByRole('heading', { level: 1 });
    await waitFor(() => expect(heading.querySelector('.badge')?.textContent).toBe('stopped'));
  });

  it('says it waits for the runtime while a start waits', async () => {
    const status = successStatus({ orchestrator_state: { health: 'starting', starting: { step: 'waiting_for_runtime', since: '2026-12-05T01:02:03.000000' } } });
    renderWithApp(<VplcDetail name="plc1" />, detail(status));
    expect((await screen.findByText(/waiting for the runtime to answer/)).textContent).toContain(new Date('2026-12-05T01:02:03.000').toLocaleTimeString());
    expect(screen.getByRole('heading', { level: 1 }).querySelector('.badge')?.textContent).toBe('starting');
  });
});
