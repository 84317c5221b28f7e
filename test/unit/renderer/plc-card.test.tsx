// The PLC inside a vPLC on its page and in the list: the state badge in words, the credentials form (the password never
// kept), the runtime's first user only on request, PLC start/stop behind a confirm, the scan-cycle table and charts,
// the real-time note, a fault with its start, and the change rule's reason next to pending changes.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PlcConnection, PlcStatusWord } from '../../../shared/domain/plc';
import { PlcCard } from '../../../renderer/src/features/plc/PlcCard';
import { formatMicros, plcBadge } from '../../../renderer/src/features/plc/words';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { VplcList } from '../../../renderer/src/features/vplcs/VplcList';
import { notConnected, plcView, successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const stat = (min: number, avg: number, max: number) => ({ min, avg, max });
const task = { name: 'main', scan_time: stat(12, 15.5, 48), cycle_time: stat(9_800, 10_000, 10_400), cycle_latency: stat(3, 210, 2_350), overruns: 2, scan_count: 1234 };
const point = (timestamp: number, v: number) => ({ timestamp, task: 'main', scan_avg: v, scan_max: v * 2, cycle_avg: 10_000, latency_avg: v * 100, latency_max: v * 300, overruns: 0 });

const card = (over: Record<string, (input: unknown) => ReturnType<typeof ok>> = {}) =>
  new FakeTransport({ 'plc:history': () => ok([]), 'plc:logs': () => ok([]), ...over });

describe('the PLC badge', () => {
  it('says each state in words', () => {
    const cases: Array<[PlcConnection, PlcStatusWord | null, string]> = [
      ['connected', 'RUNNING', 'RUNNING'],
      ['connected', 'STOPPED', 'STOPPED'],
      ['connected', 'EMPTY', 'no program'],
      ['connected', 'ERROR', 'PLC fault'],
      ['not_connected', null, 'not connected'],
      ['auth_failed', 'RUNNING', 'login refused'],
      ['unreachable', null, 'no answer'],
    ];
    for (const [c, s, text] of cases) expect(plcBadge(c, s).text, `${c}/${s}`).toBe(text);
    expect(plcBadge('connected', 'RUNNING', '2026-12-05T05:00:00.000Z').text).toBe('PLC fault');
  });

  it('shows the PLC state next to the health in the vPLC list', async () => {
    const row = (name: string, over: object) => ({ name, state: 'running', running: true, desired_state: 'running', operation: null, internal_ip: null, restart_suspended: false, restarts_resume_at: null, reasons: [], health: 'running', ...over });
    const f = new FakeTransport({
      'vplc:list': () =>
        ok([
          row('a', { plc_connection: 'connected', plc_status: 'RUNNING' }),
          row('b', { plc_connection: 'connected', plc_status: 'EMPTY' }),
          row('c', { plc_connection: 'connected', plc_status: 'ERROR' }),
          row('d', {}),
          row('e', { plc_connection: 'auth_failed', plc_status: null }),
        ]),
      'metrics:history': () => ok({ cpu: [], memory: [] }),
    });
    const { store } = renderWithApp(<VplcList />, f);
    await act(() => store.getState().refreshVplcs());
    const table = await screen.findByRole('table', { name: 'vPLCs' });
    const badges = (name: string): string[] => [...within(table).getByRole('row', { name: new RegExp(`^${name}`) }).querySelectorAll('.badge')].map((b) => b.textContent ?? '');
    expect(badges('a')).toEqual(['running', 'RUNNING']);
    expect(badges('b')).toEqual(['running', 'no program']);
    expect(badges('c')).toEqual(['running', 'PLC fault']);
    expect(badges('d')).toEqual(['running', 'not connected']);
    expect(badges('e')).toEqual(['running', 'login refused']);
  });
});

describe('without credentials', () => {
  it('says not connected and why, checks the fields, sends them once and clears the password', async () => {
    const onChanged = vi.fn();
    const f = card({ 'plc:set-credentials': () => ok({ outcome: 'verified', message: 'The runtime accepted these credentials.' }) });
    renderWithApp(<PlcCard name="plc1" plc={notConnected()} onChanged={onChanged} />, f);
    expect(screen.getByRole('heading', { name: /PLC/ }).textContent).toContain('not connected');
    expect(screen.getByText(/need this runtime's user name and password/).textContent).toMatch(/PLC state.*scan-cycle.*starting and stopping.*uploading a program/);

    const form = screen.getByRole('form', { name: 'Runtime credentials' });
    fireEvent.click(within(form).getByRole('button', { name: 'Save credentials' }));
    expect(within(form).getByLabelText('User name').getAttribute('aria-invalid')).toBe('true');
    expect(form.querySelector('#plc-set-username-error')?.textContent).toBe('give the runtime user name');
    expect(form.querySelector('#plc-set-password-error')?.textContent).toBe('give the runtime password');
    expect(within(form).getByText('Check the 2 fields marked above.')).toBeTruthy();
    expect(f.callsTo('plc:set-credentials')).toEqual([]);

    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: ' engineer ' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 's3cret!' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save credentials' }));
    await waitFor(() => expect(f.callsTo('plc:set-credentials')).toEqual([{ name: 'plc1', username: 'engineer', password: 's3cret!' }]));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('The runtime accepted these credentials.'));
    expect((within(form).getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect((within(form).getByLabelText('Password') as HTMLInputElement).type).toBe('password');
    expect(document.body.innerHTML).not.toContain('s3cret!');
    expect(onChanged).toHaveBeenCalledTimes(1);
    expect(document.activeElement).toBe(screen.getByRole('heading', { name: /PLC/ }));
    expect(f.callsTo('plc:create-user')).toEqual([]);
  });

  it("puts the agent's refusal under the field it names and still clears the password", async () => {
    const f = card({ 'plc:set-credentials': () => ({ ok: false, error: { code: 'VALIDATION', message: 'the runtime refused this user name or password', field: 'password' } }) });
    renderWithApp(<PlcCard name="plc1" plc={notConnected()} onChanged={() => undefined} />, f);
    const form = screen.getByRole('form', { name: 'Runtime credentials' });
    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: 'engineer' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'wrong' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save credentials' }));
    await waitFor(() => expect(form.querySelector('#plc-set-password-error')?.textContent).toBe('the runtime refused this user name or password'));
    expect(within(form).getByLabelText('Password').getAttribute('aria-describedby')).toBe('plc-set-password-error');
    expect((within(form).getByLabelText('Password') as HTMLInputElement).value).toBe('');
    expect((within(form).getByLabelText('User name') as HTMLInputElement).value).toBe('engineer');
  });

  it('says so when the credentials were saved but the runtime could not check them', async () => {
    const f = card({ 'plc:set-credentials': () => ok({ outcome: 'saved_unverified', message: 'The runtime did not answer.' }) });
    renderWithApp(<PlcCard name="plc1" plc={notConnected()} onChanged={() => undefined} />, f);
    const form = screen.getByRole('form', { name: 'Runtime credentials' });
    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: 'engineer' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'pw' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save credentials' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toMatch(/^Saved but not checked: .*The runtime did not answer\.$/));
  });

  it("creates the runtime's first user only after the user asks for it, explaining it works once", async () => {
    const f = card({ 'plc:create-user': () => ok({ outcome: 'verified', message: 'Created the runtime user engineer.' }) });
    renderWithApp(<PlcCard name="plc1" plc={notConnected()} onChanged={() => undefined} />, f);
    expect(screen.queryByRole('form', { name: "Create the runtime's first user" })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: /create its first user/ }));
    const form = screen.getByRole('form', { name: "Create the runtime's first user" });
    expect(screen.getByText(/accepts this only once/)).toBeTruthy();
    fireEvent.change(within(form).getByLabelText('User name'), { target: { value: 'engineer' } });
    fireEvent.change(within(form).getByLabelText('Password'), { target: { value: 'first-pw' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Create user' }));
    await waitFor(() => expect(f.callsTo('plc:create-user')).toEqual([{ name: 'plc1', username: 'engineer', password: 'first-pw' }]));
    expect(f.callsTo('plc:set-credentials')).toEqual([]);
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('Created the runtime user engineer.'));
    expect((within(form).getByLabelText('Password') as HTMLInputElement).value).toBe('');
  });
});

describe('with credentials', () => {
  it('stops the PLC program only after a confirm (cancel sends nothing) and shows the runtime’s answer', async () => {
    const onChanged = vi.fn();
    const f = card({ 'plc:stop': () => ok({ ok: true, answer: 'STOP:OK', message: 'The PLC program stopped.', status: 'STOPPED' }) });
    renderWithApp(<PlcCard name="plc1" plc={plcView()} onChanged={onChanged} />, f);
    expect((screen.getByRole('button', { name: 'Start PLC' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Stop PLC' }));
    const dialog = screen.getByRole('dialog', { name: 'Stop the PLC program?' });
    expect(dialog.textContent).toContain('the container keeps running');
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Cancel' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(f.callsTo('plc:stop')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Stop PLC' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Stop PLC' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toBe('The PLC program stopped. (the runtime answered STOP:OK)'));
    expect(f.callsTo('plc:stop')).toEqual([{ name: 'plc1', confirm: true }]);
    expect(f.callsTo('plc:start')).toEqual([]);
    expect(onChanged).toHaveBeenCalled();
  });

  it('starts a stopped PLC after a confirm and shows a refusal as an alert', async () => {
    const f = card({ 'plc:start': () => ok({ ok: false, answer: 'START:ERROR', message: 'The runtime could not start the program.', status: 'STOPPED' }) });
    renderWithApp(<PlcCard name="plc1" plc={plcView({ status: 'STOPPED' })} onChanged={() => undefined} />, f);
    expect((screen.getByRole('button', { name: 'Stop PLC' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Start PLC' }));
    fireEvent.keyDown(screen.getByRole('dialog', { name: 'Start the PLC program?' }), { key: 'Escape' });
    expect(f.callsTo('plc:start')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Start PLC' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Start PLC' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('The runtime could not start the program. (the runtime answered START:ERROR)'));
  });

  it('forgets the credentials only after a confirm', async () => {
    const f = card({ 'plc:clear-credentials': () => ok(null) });
    renderWithApp(<PlcCard name="plc1" plc={plcView()} onChanged={() => undefined} />, f);
    fireEvent.click(screen.getByRole('button', { name: 'Forget credentials' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Forget the runtime credentials?' })).getByRole('button', { name: 'Cancel' }));
    expect(f.callsTo('plc:clear-credentials')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Forget credentials' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Forget' }));
    await waitFor(() => expect(f.callsTo('plc:clear-credentials')).toEqual([{ name: 'plc1', confirm: true }]));
  });

  it('tables each task with units and its overruns, and notes missing real-time scheduling only when the host refused it', () => {
    const { unmount } = renderWithApp(<PlcCard name="plc1" plc={plcView({ tasks: [task], realtime: true })} onChanged={() => undefined} />, card());
    const table = screen.getByRole('table', { name: /Scan cycle per task/ });
    const cells = [...within(table).getByRole('row', { name: /main/ }).querySelectorAll('th, td')].map((c) => c.textContent);
    expect(cells).toEqual(['main', '12 µs / 16 µs / 48 µs', '9.80 ms / 10.0 ms / 10.4 ms', '3.0 µs / 210 µs / 2.35 ms', '2', '1234']);
    expect(screen.queryByText(/no real-time scheduling/i)).toBeNull();
    unmount();
    // Unknown is not a refusal: no note.
    const unknown = renderWithApp(<PlcCard name="plc1" plc={plcView({ tasks: [task], realtime: null })} onChanged={() => undefined} />, card());
    expect(screen.getByRole('table', { name: /Scan cycle per task/ })).toBeTruthy();
    expect(screen.queryByText(/no real-time scheduling/i)).toBeNull();
    unknown.unmount();
    renderWithApp(<PlcCard name="plc1" plc={plcView({ tasks: [task], realtime: false })} onChanged={() => undefined} />, card());
    expect(screen.getByText('No real-time scheduling on this host: expect millisecond jitter.')).toBeTruthy();
  });

  it('formats microseconds with their unit', () => {
    expect([formatMicros(0.5), formatMicros(15.5), formatMicros(999), formatMicros(1_000), formatMicros(12_345), formatMicros(250_000)]).toEqual(['0.5 µs', '16 µs', '999 µs', '1.00 ms', '12.3 ms', '250 ms']);
  });

  it('charts the scan-cycle history over the chosen window', async () => {
    const f = card({ 'plc:history': (input) => ok((input as { seconds: number }).seconds === 3_600 ? [point(1000, 10), point(1005, 12), point(1010, 20)] : [point(1000, 10)]) });
    renderWithApp(<PlcCard name="plc1" plc={plcView()} onChanged={() => undefined} />, f);
    const scan = await screen.findByRole('img', { name: 'Scan time, avg of plc1' });
    await waitFor(() => expect(scan.getAttribute('data-points')).toBe('3'));
    expect(screen.getByRole('img', { name: 'Cycle latency, max of plc1' }).querySelector('title')?.textContent).toMatch(/^Cycle latency, max of plc1: 6.0 ms now, 3 samples/);
    expect(screen.getByRole('img', { name: 'Scan time, max of plc1' }).querySelector('title')?.textContent).toMatch(/40.0 µs now/);
    fireEvent.click(within(screen.getByRole('group', { name: 'Scan cycle history range' })).getByRole('button', { name: '48 h' }));
    await waitFor(() => expect(screen.getByRole('img', { name: 'Scan time, avg of plc1' }).getAttribute('data-points')).toBe('1'));
    expect(f.callsTo('plc:history')).toContainEqual({ name: 'plc1', seconds: 172_800 });
  });

  it('shows a PLC fault with its start time even while the container runs', () => {
    renderWithApp(<PlcCard name="plc1" plc={plcView({ status: 'ERROR', fault_since: '2026-12-05T04:59:00.000Z' })} onChanged={() => undefined} />, card());
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toMatch(/^PLC fault since /);
    expect(alert.querySelector('time')?.getAttribute('dateTime')).toBe('2026-12-05T04:59:00.000Z');
    expect(screen.getByRole('heading', { name: /PLC/ }).querySelector('.badge')?.textContent).toBe('PLC fault');
  });

  it('names why the connection failed and asks for new credentials after a refused login', () => {
    renderWithApp(<PlcCard name="plc1" plc={plcView({ connection: 'auth_failed', status: null, error: 'the runtime answered 401' })} onChanged={() => undefined} />, card());
    expect(screen.getByText(/refused the stored credentials: give new ones \(the runtime answered 401\)/)).toBeTruthy();
    expect(screen.getByRole('form', { name: 'Runtime credentials' })).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Start PLC' }) as HTMLButtonElement).disabled).toBe(true);
    expect((screen.getByRole('button', { name: 'Upload program' }) as HTMLButtonElement).disabled).toBe(true);
    expect(screen.getByText('Needs the runtime to answer with the stored credentials.')).toBeTruthy();
  });
});

describe("the vPLC's page", () => {
  const page = (status: object) =>
    new FakeTransport({
      'vplc:status': () => ok(status),
      'vplc:logs': () => ok([]),
      'metrics:history': () => ok({ cpu: [], memory: [] }),
      'journal:list': () => ok([]),
      'vplc:list': () => ok([]),
      'plc:history': () => ok([]),
      'plc:logs': () => ok([]),
    });

  it('shows the PLC card and the change rule that holds a pending change', async () => {
    renderWithApp(<VplcDetail name="plc1" />, page(successStatus({ plc: plcView(), orchestrator_state: { pending_changes: ['vNIC lan: new IP 198.18.0.9'] } })));
    const pending = await screen.findByRole('region', { name: 'Pending changes' });
    expect(within(pending).getByRole('note').textContent).toBe('held: the PLC program is running');
    expect(screen.getByRole('region', { name: /^PLC/ }).querySelector('h2 .badge')?.textContent).toBe('RUNNING');
  });
});
