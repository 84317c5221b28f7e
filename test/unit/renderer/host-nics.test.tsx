// Dedicated NICs and WiFi vNICs in the UI (docs/host-nics.md): the create form's "Give this Ethernet port to the vPLC"
// (which ports, why the others cannot be given, the spec sent, the agent's refusal at the field), the WiFi parent's
// proxy-ARP explanation and its gateway rule, the edit form keeping the port, the detail's Network area per state, the
// list's marker and the Network page's "dedicated to".
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { DedicatedNicState, VnicModeView } from '../../../shared/domain/host-nic';
import { VplcSpec } from '../../../shared/domain/vplc';
import { dedicatedChoices, dedicatedWord } from '../../../renderer/src/features/hostnic/host-nic';
import { Network } from '../../../renderer/src/features/network/Network';
import { CreateVplc, fieldOfReason } from '../../../renderer/src/features/vplcs/CreateVplc';
import { EditVplc } from '../../../renderer/src/features/vplcs/EditVplc';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { VplcList } from '../../../renderer/src/features/vplcs/VplcList';
import { checkDraft, emptyDraft, emptyVnic, type HostInterface } from '../../../renderer/src/features/vplcs/draft';
import { draftOf, editedSpec } from '../../../renderer/src/features/vplcs/edit-draft';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';
import { listRow } from './serial-fixtures';

afterEach(cleanup);

const eth = (name: string, over: Partial<HostInterface> = {}): HostInterface => ({ name, mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [], gateway: null, is_uplink: false, policy_refusal: null, ...over });
const uplink = eth('eth0', { ipv4: [{ address: '192.168.10.5', prefix: 24, subnet: '192.168.10.0/24' }], gateway: '192.168.10.1', is_uplink: true });
const plant = eth('enp2s0', { ipv4: [{ address: '10.20.3.4', prefix: 16, subnet: '10.20.0.0/16' }] });
const fieldbus = eth('enp3s0', { mac: '02:00:00:00:00:03' });
const wifi = eth('wlx0a', { type: 'wifi', ipv4: [{ address: '192.168.50.7', prefix: 24, subnet: '192.168.50.0/24' }], gateway: null });
const taken = eth('enp4s0', { dedicated_to: 'plc9', policy_refusal: 'enp4s0 is dedicated to plc9' });
const bridge = eth('docker0', { policy_refusal: 'docker0 can never be a vNIC parent (it matches docker0)' });
const IFACES = [uplink, plant, fieldbus, wifi, taken, bridge];

const optionsOf = (select: HTMLElement): Array<{ text: string; disabled: boolean }> =>
  within(select)
    .getAllByRole('option')
    .map((o) => ({ text: o.textContent ?? '', disabled: (o as HTMLOptionElement).disabled }));

function createFake(ifaces = IFACES): FakeTransport {
  return new FakeTransport({
    'netmon:interfaces': () => ok(ifaces),
    'vplc:list': () => ok([]),
    'serial:devices': () => ok({ devices: [], ports: [] }),
    'vplc:create': () => ok({ operationId: 'op-1' }),
    'vplc:status': () => ok({ status: 'creating', device_id: 'plc1', operation: 'create', step: 'creating_container', message: 'Container plc1 is being created' }),
  });
}

async function openCreate(t: FakeTransport) {
  const r = renderWithApp(<CreateVplc />, t);
  const select = await screen.findByLabelText('Give this Ethernet port to the vPLC');
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
  return { ...r, select, vnic: screen.getByRole('group', { name: 'vNIC 1' }) };
}

describe('the dedicated port choices', () => {
  it('offers only free wired ports and says why each other one cannot be given', () => {
    expect(dedicatedChoices(IFACES, ['enp2s0']).map((c) => [c.name, c.disabledWhy])).toEqual([
      ['eth0', 'this PC’s uplink (it carries the default route)'],
      ['enp2s0', 'a vNIC of this form sits on it'],
      ['enp3s0', null],
      ['wlx0a', 'WiFi: only a wired Ethernet port can be given to a vPLC'],
      ['enp4s0', 'already dedicated to plc9'],
      ['docker0', 'docker0 can never be a vNIC parent (it matches docker0)'],
    ]);
    expect(dedicatedChoices([plant], [])[0]?.disabledWhy).toBeNull();
  });

  it('checks the port in the draft like the select does, and leaves the spec without it when none is chosen', () => {
    const base = { ...emptyDraft(), name: 'plc1', vnics: [] };
    expect(checkDraft({ ...base, dedicatedInterface: 'enp3s0' }, IFACES, []).spec).toEqual({ name: 'plc1', runtimeVersion: 'latest', vnics: [], dedicatedInterface: 'enp3s0' });
    expect(checkDraft(base, IFACES, []).spec).toEqual({ name: 'plc1', runtimeVersion: 'latest', vnics: [] });
    expect(checkDraft({ ...base, dedicatedInterface: 'wlx0a' }, IFACES, []).errors).toEqual({ dedicatedInterface: 'wlx0a: WiFi: only a wired Ethernet port can be given to a vPLC; pick another port or none.' });
    expect(checkDraft({ ...base, dedicatedInterface: 'enp9s0' }, IFACES, []).errors).toEqual({ dedicatedInterface: 'enp9s0 is not on this PC any more; pick another port or none.' });
    const both = checkDraft({ ...base, vnics: [{ ...emptyVnic(), parentInterface: 'enp3s0' }], dedicatedInterface: 'enp3s0' }, IFACES, []);
    expect(both.spec).toBeUndefined();
    expect(both.errors['vnics.0.parentInterface']).toBe('enp3s0 is given whole to this vPLC; a vNIC cannot sit on it.');
    expect(both.errors['dedicatedInterface']).toBe('enp3s0: a vNIC of this form sits on it; pick another port or none.');
    expect(checkDraft({ ...base, vnics: [{ ...emptyVnic(), parentInterface: 'enp4s0' }] }, IFACES, []).errors).toEqual({ 'vnics.0.parentInterface': 'enp4s0 is dedicated to plc9; pick another interface.' });
  });
});

describe('the create form’s dedicated port', () => {
  it('lists every port with the unusable ones disabled with why, keeps the chosen one off the vNIC parents, and sends it in the spec', async () => {
    const t = createFake();
    const { select, vnic } = await openCreate(t);
    expect(screen.getByText(/raw-frame fieldbus such as EtherCAT/).textContent).toContain('The port leaves this PC while the vPLC runs');
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp2s0' } });
    expect(optionsOf(select)).toEqual([
      { text: 'None', disabled: false },
      { text: 'eth0 — this PC’s uplink (it carries the default route)', disabled: true },
      { text: 'enp2s0 — a vNIC of this form sits on it', disabled: true },
      { text: 'enp3s0 (up, 02:00:00:00:00:03)', disabled: false },
      { text: 'wlx0a — WiFi: only a wired Ethernet port can be given to a vPLC', disabled: true },
      { text: 'enp4s0 — already dedicated to plc9', disabled: true },
      { text: 'docker0 — docker0 can never be a vNIC parent (it matches docker0)', disabled: true },
    ]);
    fireEvent.change(select, { target: { value: 'enp3s0' } });
    // The vNIC's parent list: the chosen port and the one dedicated to plc9 are listed but cannot be picked.
    const parents = optionsOf(within(vnic).getByLabelText('Host interface'));
    expect(parents.find((o) => o.text.startsWith('enp3s0'))).toEqual({ text: 'enp3s0 (no IPv4, up) — given whole to this vPLC', disabled: true });
    expect(parents.find((o) => o.text.startsWith('enp4s0'))).toEqual({ text: 'enp4s0 (no IPv4, up) — dedicated to plc9', disabled: true });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByRole('heading', { name: 'Creating plc1' })).toBeTruthy();
    expect(t.callsTo('vplc:create')).toEqual([{ name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'vnic1', parentInterface: 'enp2s0', mode: 'dhcp', subnet: '10.20.0.0/16', dns: [] }], dedicatedInterface: 'enp3s0' }]);
  });

  it('shows the agent’s refusal of the port at the field, from the answer and from a create that failed validating it', async () => {
    const t = createFake();
    t.handle('vplc:create', () => ({ ok: false, error: { code: 'VALIDATION', message: "Validation error: dedicatedInterface: enp3s0 is already dedicated to container 'plc9'", field: 'dedicatedInterface' } }));
    const { select } = await openCreate(t);
    fireEvent.click(screen.getByRole('button', { name: 'Remove vNIC 1' }));
    fireEvent.change(select, { target: { value: 'enp3s0' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    await waitFor(() => expect(select.getAttribute('aria-invalid')).toBe('true'));
    expect(document.getElementById(select.getAttribute('aria-describedby') ?? '')?.textContent).toBe("enp3s0 is already dedicated to container 'plc9'");

    // The agent fails the create at validating_config in the protocol's words, with no field name: the port names it.
    const reason = "Interface 'enp3s0' not found on host. Available interfaces: [eth0, enp2s0]";
    expect(fieldOfReason(reason, 'enp3s0')).toEqual({ key: 'dedicatedInterface', message: reason });
    // The same words about a vNIC's parent are not the port's.
    expect(fieldOfReason("Interface 'enp9s0' not found on host. Available interfaces: [eth0]", 'enp3s0')).toBeNull();
    expect(fieldOfReason(reason)).toBeNull();
    t.handle('vplc:create', () => ok({ operationId: 'op-2' }));
    t.handle('vplc:status', () => ok({ status: 'error', device_id: 'plc1', operation: 'create', error: reason }));
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Back to the form' }));
    const again = await screen.findByLabelText('Give this Ethernet port to the vPLC');
    expect((again as HTMLSelectElement).value).toBe('enp3s0');
    expect(document.getElementById('dedicated-interface-error')?.textContent).toBe("Interface 'enp3s0' not found on host. Available interfaces: [eth0, enp2s0]");
  });
});

describe('a vNIC on a WiFi parent', () => {
  it('is offered, says it is routed with proxy ARP and why, and needs a gateway when static', async () => {
    const t = createFake();
    const { vnic } = await openCreate(t);
    const parent = within(vnic).getByLabelText('Host interface');
    expect(optionsOf(parent).find((o) => o.text.startsWith('wlx0a'))).toEqual({ text: 'wlx0a (192.168.50.7/24, up) — WiFi, proxy ARP', disabled: false });
    fireEvent.change(parent, { target: { value: 'wlx0a' } });
    const note = within(vnic).getByRole('note');
    expect(note.textContent).toContain('access points drop frames from MAC addresses they do not know');
    expect(note.textContent).toContain('proxy ARP');
    expect(parent.getAttribute('aria-describedby')).toBe(note.id);
    fireEvent.click(within(vnic).getByLabelText('Static'));
    expect(within(vnic).getByText('Required on WiFi: the vNIC’s traffic is routed through this PC to its gateway.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await within(vnic).findByText('A static vNIC on WiFi needs its gateway: wlx0a routes its traffic there.')).toBeTruthy();
    expect(t.callsTo('vplc:create')).toEqual([]);
    fireEvent.change(within(vnic).getByLabelText('Gateway'), { target: { value: '192.168.50.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByRole('heading', { name: 'Creating plc1' })).toBeTruthy();
    expect(t.callsTo('vplc:create')).toEqual([{ name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'vnic1', parentInterface: 'wlx0a', mode: 'static', ip: '192.168.50.200', subnet: '192.168.50.0/24', gateway: '192.168.50.1', dns: [] }] }]);
  });

  it('needs no gateway on a wired parent, nor with DHCP on WiFi', () => {
    const draft = (parentInterface: string, mode: 'dhcp' | 'static') => ({ ...emptyDraft(), name: 'plc1', vnics: [{ ...emptyVnic(), parentInterface, mode, ip: mode === 'static' ? '10.20.0.50' : '', subnet: parentInterface === 'wlx0a' ? '192.168.50.0/24' : '10.20.0.0/16' }] });
    expect(checkDraft(draft('enp2s0', 'static'), IFACES, []).errors).toEqual({});
    expect(checkDraft(draft('wlx0a', 'dhcp'), IFACES, []).errors).toEqual({});
  });
});

describe('the edit form’s dedicated port', () => {
  const iface = eth('enp1s0', { ipv4: [{ address: '192.168.20.5', prefix: 24, subnet: '192.168.20.0/24' }], gateway: '192.168.20.1' });
  const own = eth('enp3s0', { dedicated_to: 'plc1', policy_refusal: 'enp3s0 is dedicated to plc1' });
  const stored = VplcSpec.parse({ name: 'plc1', runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: 'enp1s0', mode: 'static', ip: '192.168.20.50', subnet: '192.168.20.0/24', gateway: '192.168.20.1', dns: [], mac: '02:5a:00:00:00:01' }], dedicatedInterface: 'enp3s0' });

  it('keeps the stored port (and every other field the form does not edit) in the edited spec and refuses a vNIC on it', () => {
    const { edit, prefilled } = draftOf(stored, [iface, own]);
    const next = { ...edit, draft: { ...edit.draft, runtimeVersion: '4.0.1' } };
    expect(editedSpec(stored, next, [iface, own], prefilled).spec?.dedicatedInterface).toBe('enp3s0');
    const policies = { ...stored, plcAwareChanges: false, changePolicy: 'immediate' as const, dependsOn: ['db1'], autoUpdate: true, quotas: { cpus: 1 } };
    const cleared = { ...draftOf(policies, [iface, own]).edit, cpus: '' };
    expect(editedSpec(policies, cleared, [iface, own], prefilled).spec).toEqual({ ...policies, quotas: undefined });
    const onIt = { ...edit, draft: { ...edit.draft, vnics: [{ ...edit.draft.vnics[0]!, parentInterface: 'enp3s0' }] } };
    expect(editedSpec(stored, onIt, [iface, { ...own, dedicated_to: undefined, policy_refusal: null }], prefilled).errors).toEqual({ 'vnics.0.parentInterface': 'enp3s0 is given whole to this vPLC; a vNIC cannot sit on it.' });
  });

  it('shows the port read-only, says an edit cannot change it, and sends it unchanged', async () => {
    const t = new FakeTransport({
      'netmon:interfaces': () => ok([iface, own]),
      'vplc:list': () => ok([]),
      'serial:devices': () => ok({ devices: [], ports: [] }),
      'vplc:spec': () => ok({ spec: stored, pending: [] }),
      'vplc:edit': () => ok({ diff: ['runtimeVersion: latest → 4.0.1'], applies: 'change-window', path: 'recreate', message: 'Saved; applies in the change window' }),
    });
    renderWithApp(<EditVplc name="plc1" />, t);
    const group = await screen.findByRole('group', { name: 'Dedicated Ethernet port' });
    expect(group.textContent).toContain('enp3s0 is given to this vPLC.');
    expect(group.textContent).toContain('An edit cannot change the dedicated port');
    expect(within(group).queryByRole('combobox')).toBeNull();
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    expect(optionsOf(within(vnic).getByLabelText('Host interface')).find((o) => o.text.startsWith('enp3s0'))?.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Runtime version'), { target: { value: '4.0.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Review changes' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Save' }));
    await waitFor(() => expect(t.callsTo('vplc:edit')).toHaveLength(1));
    expect(t.callsTo('vplc:edit')[0]).toMatchObject({ name: 'plc1', spec: { runtimeVersion: '4.0.1', dedicatedInterface: 'enp3s0' } });
  });
});

const nic = (state: DedicatedNicState['state'], detail: string | null = null): DedicatedNicState => ({ host_interface: 'enp3s0', state, detail, since: '2026-12-05T08:00:00.000Z' });
const MODES: VnicModeView[] = [
  { name: 'lan', parent_interface: 'enp2s0', method: 'macvlan', reason: 'enp2s0 is wired: MACVLAN' },
  { name: 'air', parent_interface: 'wlx0a', method: 'proxy_arp', reason: 'parent wlx0a is WiFi: access points drop frames from unknown MACs', veth_host: 'veth-0123456789' },
];

describe('the host NICs on the vPLC’s page', () => {
  const detail = (over: Parameters<typeof successStatus>[0]) =>
    new FakeTransport({ 'vplc:status': () => ok(successStatus(over)), 'journal:list': () => ok([]), 'vplc:logs': () => ok([]), 'metrics:vplc-history': () => ok({ cpu: [], memory: [] }) });

  it('lists each vNIC’s mode with its reason', async () => {
    renderWithApp(<VplcDetail name="plc1" />, detail({ vnic_modes: MODES }));
    const table = await screen.findByRole('table', { name: 'vNIC modes of plc1' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell').map((c) => c.textContent))).toEqual([
      ['enp2s0', 'MACVLAN', 'enp2s0 is wired: MACVLAN'],
      ['wlx0a', 'WiFi proxy ARPveth-0123456789', 'parent wlx0a is WiFi: access points drop frames from unknown MACs'],
    ]);
    expect(screen.queryByRole('heading', { name: /Dedicated port/ })).toBeNull();
  });

  const cases: Array<[DedicatedNicState, boolean, string, string]> = [
    [nic('in_container'), true, 'inside the vPLC', 'badge badge-ok'],
    [nic('on_host'), false, 'back on the host (vPLC stopped)', 'badge badge-idle'],
    [nic('on_host'), true, 'on the host (waiting to move into the vPLC)', 'badge badge-warn'],
    [nic('moving'), true, 'moving into the vPLC…', 'badge badge-busy'],
    [nic('returning'), true, 'returning to the host…', 'badge badge-busy'],
    [nic('missing'), true, 'missing: neither on the host nor in the vPLC', 'badge badge-bad'],
    [nic('error', 'ip link set enp3s0 netns 4242: RTNETLINK answers: Operation not permitted'), true, 'error: ip link set enp3s0 netns 4242: RTNETLINK answers: Operation not permitted', 'badge badge-bad'],
  ];
  it.each(cases)('shows the dedicated port %# in plain words with since', async (state, running, words, badge) => {
    renderWithApp(<VplcDetail name="plc1" />, detail({ dedicated_nic: state, is_running: running, container_status: running ? 'running' : 'exited' }));
    const card = await screen.findByRole('group', { name: 'Dedicated port enp3s0' });
    expect(within(card).getByText(words).className).toBe(badge);
    expect(within(card).getByText(/2026/).closest('time')?.getAttribute('dateTime')).toBe('2026-12-05T08:00:00.000Z');
  });

  it('words every state', () => {
    for (const s of ['in_container', 'on_host', 'moving', 'returning', 'missing', 'error'] as const) expect(dedicatedWord(nic(s), true).text).not.toBe('');
    expect(dedicatedWord(nic('missing', 'not in /sys/class/net'), true).text).toBe('missing: neither on the host nor in the vPLC (not in /sys/class/net)');
    expect(dedicatedWord(nic('error'), true).text).toBe('error: the move failed');
  });
});

describe('the vPLC list and the Network page', () => {
  it('marks a vPLC with a dedicated port and where the port is; none for the others', async () => {
    const rows = [{ ...listRow('fb1'), dedicated_nic: nic('in_container') }, { ...listRow('fb2'), running: false, state: 'exited', dedicated_nic: nic('on_host') }, listRow('plain')];
    const t = new FakeTransport({ 'vplc:list': () => ok(rows), 'metrics:vplc-history': () => ok({ cpu: [], memory: [] }) });
    const { store } = renderWithApp(<VplcList />, t);
    await act(() => store.getState().refreshVplcs());
    const table = await screen.findByRole('table', { name: 'vPLCs' });
    const head = (name: string): HTMLElement => within(table).getByRole('rowheader', { name: new RegExp(`^${name}`) });
    expect(within(head('fb1')).getByText('NIC enp3s0: inside').className).toBe('badge badge-ok');
    expect(within(head('fb1')).getByTitle('Dedicated NIC enp3s0: inside the vPLC')).toBeTruthy();
    expect(within(head('fb2')).getByTitle('Dedicated NIC enp3s0: back on the host (vPLC stopped)').textContent).toContain('NIC enp3s0: on host');
    expect(head('plain').querySelector('.badge')).toBeNull();
  });

  it('says which vPLC a host interface is dedicated to, and which vNICs are routed with proxy ARP', async () => {
    const vnics = [
      { vplc: 'plc1', vnic: 'air', parent: 'wlx0a', mode: 'static' as const, mac: '02:5a:00:00:00:01', ip: '192.168.50.80', state: 'attached' as const, editable: false },
      { vplc: 'plc1', vnic: 'lan', parent: 'enp2s0', mode: 'dhcp' as const, mac: '02:5a:00:00:00:02', state: 'attached' as const, editable: false },
    ];
    const t = new FakeTransport({ 'netmon:interfaces': () => ok([plant, taken, wifi]), 'network:timeline': () => ok([]), 'network:vnics': () => ok(vnics) });
    const { store } = renderWithApp(<Network />, t);
    await act(() => store.getState().refreshInterfaces());
    const table = await screen.findByRole('table', { name: 'Host interfaces' });
    const row = within(table).getByRole('row', { name: /^enp4s0/ });
    expect(within(row).getByText(/dedicated to/).textContent).toBe('dedicated to plc9');
    expect(within(row).getByRole('link', { name: 'plc9' }).getAttribute('href')).toBe('#/vplcs/plc9');
    expect(within(table).getByRole('row', { name: /^enp2s0/ }).textContent).not.toContain('dedicated');
    // A vNIC on a WiFi parent is marked as proxy ARP; one on a wired parent is not.
    const vnicTable = await screen.findByRole('table', { name: 'vNICs' });
    expect(within(vnicTable).getByRole('row', { name: /air/ }).textContent).toContain('wlx0aWiFi proxy ARP');
    expect(within(vnicTable).getByRole('row', { name: /lan/ }).textContent).not.toContain('proxy ARP');
  });
});
