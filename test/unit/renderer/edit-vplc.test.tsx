import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { EditVplc } from '../../../renderer/src/features/vplcs/EditVplc';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { diffLines, draftOf, editedSpec } from '../../../renderer/src/features/vplcs/edit-draft';
import { parseRoute, routeHash } from '../../../renderer/src/store/route';
import { VplcSpec } from '../../../shared/domain/vplc';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

// The parent moved to 192.168.20.0/24; the stored vNIC still has its old address and no subnet of its own.
const iface = { name: 'enp1s0', mac: '02:00:00:00:00:01', type: 'ethernet' as const, operstate: 'up', ipv4: [{ address: '192.168.20.5', prefix: 24, subnet: '192.168.20.0/24' }], gateway: '192.168.20.1' };
const stored = VplcSpec.parse({ name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: 'enp1s0', mode: 'static', ip: '192.168.10.50', dns: [], mac: '02:5a:00:00:00:01' }] });

function fake(spec: VplcSpec = stored): FakeTransport {
  return new FakeTransport({
    'netmon:interfaces': () => ok([iface]),
    'vplc:list': () => ok([]),
    'vplc:spec': () => ok({ spec, pending: [] }),
  });
}

describe('edit draft', () => {
  it('keeps vNIC names, MACs and leaves out the subnet and gateway it only prefilled', () => {
    const { edit, prefilled } = draftOf(stored, [iface]);
    expect(edit.draft.vnics[0]).toMatchObject({ subnet: '192.168.20.0/24', gateway: '192.168.20.1', mac: '02:5a:00:00:00:01', ip: '192.168.10.50' });
    const next = { ...edit, draft: { ...edit.draft, vnics: [{ ...edit.draft.vnics[0]!, ip: '192.168.20.50' }] } };
    const r = editedSpec(stored, next, [iface], prefilled);
    expect(r.spec?.vnics).toEqual([{ name: 'lan', parentInterface: 'enp1s0', mode: 'static', ip: '192.168.20.50', dns: [], mac: '02:5a:00:00:00:01' }]);
    expect(diffLines(stored, r.spec!)).toEqual(['vnics[0].ip: 192.168.10.50 → 192.168.20.50']);
  });

  it('checks quotas', () => {
    const { edit, prefilled } = draftOf(stored, [iface]);
    expect(editedSpec(stored, { ...edit, draft: { ...edit.draft, vnics: [{ ...edit.draft.vnics[0]!, ip: '192.168.20.50' }] }, cpus: '-1', memoryMb: '8' }, [iface], prefilled).errors).toEqual({
      'quotas.cpus': 'A CPU share is a number above 0, for example 0.5 or 2.',
      'quotas.memoryMb': 'Memory is a whole number of MB, at least 32.',
    });
  });

  it('has a route of its own', () => {
    expect(routeHash('edit', 'plc1')).toBe('#/vplcs/plc1/edit');
    expect(parseRoute('#/vplcs/plc1/edit')).toEqual({ page: 'edit', selected: 'plc1' });
    expect(parseRoute('#/vplcs/plc1/other')).toEqual({ page: 'dashboard', selected: null });
  });
});

describe('the edit form', () => {
  it('prefills from the stored spec, shows the diff before saving, then that it applied on the same container', async () => {
    const t = fake();
    t.handle('vplc:edit', () => ok({ diff: ['vnics[0].ip: 192.168.10.50 → 192.168.20.50'], applies: 'now', path: 'same-container', message: 'Applied to plc1 on the same container (vNIC lan re-attached)' }));
    renderWithApp(<EditVplc name="plc1" />, t);
    const vnic = await screen.findByRole('group', { name: 'vNIC 1' });
    const ip = within(vnic).getByLabelText('IP address') as HTMLInputElement;
    expect(ip.value).toBe('192.168.10.50');
    expect((within(vnic).getByLabelText('MAC address') as HTMLInputElement).value).toBe('02:5a:00:00:00:01');
    fireEvent.change(ip, { target: { value: '192.168.20.50' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    const changes = await screen.findByRole('list', { name: 'Changes' });
    expect(within(changes).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['vnics[0].ip: 192.168.10.50 → 192.168.20.50']);
    expect(t.callsTo('vplc:edit')).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { name: 'Applied' })).toBeTruthy();
    expect(screen.getByText('Applied to plc1 on the same container (vNIC lan re-attached)')).toBeTruthy();
    expect(t.callsTo('vplc:edit')).toEqual([{ name: 'plc1', spec: { ...stored, vnics: [{ ...stored.vnics[0], ip: '192.168.20.50' }] } }]);
    expect(screen.queryByRole('button', { name: 'Apply now' })).toBeNull();
  });

  it('refuses to review a stored address left outside the parent’s new subnet until it is edited', async () => {
    const t = fake();
    renderWithApp(<EditVplc name="plc1" />, t);
    fireEvent.change(await screen.findByLabelText('CPU share'), { target: { value: '0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    expect(await screen.findByText('192.168.10.50 is not a usable host address in 192.168.20.0/24.')).toBeTruthy();
    expect(screen.queryByRole('list', { name: 'Changes' })).toBeNull();
  });

  it('shows a quota edit as pending and applies it only after confirmation', async () => {
    const t = fake(VplcSpec.parse({ ...stored, vnics: [{ ...stored.vnics[0], ip: '192.168.20.50' }] }));
    t.handle('vplc:edit', () => ok({ diff: ['quotas.cpus: (none) → 0.5'], applies: 'change-window', path: 'recreate', message: 'Saved as a pending change of plc1' }));
    t.handle('vplc:apply', () => ok({ message: 'Applying the pending changes of plc1' }));
    renderWithApp(<EditVplc name="plc1" />, t);
    fireEvent.change(await screen.findByLabelText('CPU share'), { target: { value: '0.5' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    expect(await screen.findByText('quotas.cpus: (none) → 0.5')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByRole('heading', { name: 'Pending change' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Apply now' }));
    expect(t.callsTo('vplc:apply')).toEqual([]);
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Apply now' }));
    expect(await screen.findByText('Applying the pending changes of plc1')).toBeTruthy();
    expect(t.callsTo('vplc:apply')).toEqual([{ name: 'plc1', confirm: true }]);
  });

  it('fills the form from the last spec answer only when the interfaces refresh while the spec is on its way', async () => {
    const stored50 = VplcSpec.parse({ ...stored, vnics: [{ ...stored.vnics[0], ip: '192.168.20.50' }] });
    const answers: Array<() => void> = [];
    const t = fake();
    t.handle('vplc:spec', () => new Promise((resolve) => answers.push(() => resolve(ok({ spec: stored50, pending: [] })))));
    const { store } = renderWithApp(<EditVplc name="plc1" />, t);
    await waitFor(() => expect(answers).toHaveLength(1));
    // The interfaces change (a netmon event, the link reopening) before the first spec answer is in: the form asks again.
    await act(() => store.getState().refreshInterfaces());
    await waitFor(() => expect(answers).toHaveLength(2));
    // The older answer does not fill the form: had it, the later one would overwrite what the user typed meanwhile.
    await act(async () => answers[0]!());
    expect(screen.queryByLabelText('CPU share')).toBeNull();
    await act(async () => answers[1]!());
    fireEvent.change(screen.getByLabelText('CPU share'), { target: { value: '1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    const changes = await screen.findByRole('list', { name: 'Changes' });
    expect(within(changes).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['quotas.cpus: (none) → 1']);
  });

  it('puts the agent’s refusal on its field and goes back to the form with the input kept', async () => {
    const t = fake();
    t.handle('vplc:edit', () => ({ ok: false, error: { code: 'CONFLICT', message: 'vnics[0].ip: 192.168.20.50 is already used on the LAN by 02:99:00:00:00:01', field: 'vnics[0].ip' } }));
    renderWithApp(<EditVplc name="plc1" />, t);
    const vnic = await screen.findByRole('group', { name: 'vNIC 1' });
    fireEvent.change(within(vnic).getByLabelText('IP address'), { target: { value: '192.168.20.50' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect(await screen.findByText('192.168.20.50 is already used on the LAN by 02:99:00:00:00:01')).toBeTruthy();
    expect((within(screen.getByRole('group', { name: 'vNIC 1' })).getByLabelText('IP address') as HTMLInputElement).value).toBe('192.168.20.50');
  });
});

describe('the vPLC detail', () => {
  it('links the detached-vNIC warning and the Edit button to the edit page', async () => {
    const warning = "Static IP 192.168.10.50 of vNIC 'lan' is outside the new subnet 192.168.20.0/24; edit the vNIC";
    const t = new FakeTransport({ 'vplc:status': () => ok(successStatus({ orchestrator_state: { warnings: [warning] } })), 'vplc:history': () => ok([]), 'journal:list': () => ok([]), 'vplc:logs': () => ok([]), 'metrics:history': () => ok({ cpu: [], memory: [] }) });
    const { store } = renderWithApp(<VplcDetail name="plc1" />, t);
    const link = await screen.findByRole('link', { name: 'Edit the vNIC' });
    expect(link.getAttribute('href')).toBe('#/vplcs/plc1/edit');
    await waitFor(() => expect((screen.getByRole('button', { name: 'Edit' }) as HTMLButtonElement).disabled).toBe(false));
    fireEvent.click(screen.getByRole('button', { name: 'Edit' }));
    expect(store.getState()).toMatchObject({ page: 'edit', selected: 'plc1' });
  });
});
