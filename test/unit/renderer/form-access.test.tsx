// Issue 21, form part: a failed create goes back to the form with the input kept; the uplink and refused parents are
// marked and explained; placeholders follow the chosen parent; the runtime's LAN addresses with copy buttons and the
// certificate explained; dates in the user's locale with relative times, on a fixed clock.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../../../renderer/src/features/dashboard/Dashboard';
import { CreateVplc } from '../../../renderer/src/features/vplcs/CreateVplc';
import { VplcDetail } from '../../../renderer/src/features/vplcs/VplcDetail';
import { checkDraft, type HostInterface } from '../../../renderer/src/features/vplcs/draft';
import { formatDateTime, relativeTime } from '../../../renderer/src/lib/time';
import { successStatus } from './agent-answers';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

const NOW = Date.parse('2026-12-04T10:00:00.000Z');
const day = 86_400_000;

let copied: string[];
beforeEach(() => {
  // Only Date is fixed: the components' polling timers and promises run as usual.
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  copied = [];
  Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText: (t: string) => (copied.push(t), Promise.resolve()) } });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const uplink: HostInterface = { name: 'eth0', mac: '02:00:00:00:00:01', type: 'ethernet', operstate: 'up', ipv4: [{ address: '192.168.10.5', prefix: 24, subnet: '192.168.10.0/24' }], gateway: '192.168.10.1', is_uplink: true, policy_refusal: null };
const plant: HostInterface = { name: 'enp2s0', mac: '02:00:00:00:00:02', type: 'ethernet', operstate: 'up', ipv4: [{ address: '10.20.3.4', prefix: 16, subnet: '10.20.0.0/16' }], gateway: null, is_uplink: false, policy_refusal: null };
const bridge: HostInterface = { name: 'docker0', mac: '02:00:00:00:00:03', type: 'ethernet', operstate: 'up', ipv4: [], gateway: null, is_uplink: false, policy_refusal: 'docker0 can never be a vNIC parent (it matches docker0)' };

describe('dates', () => {
  it('are in the given locale with a relative time', () => {
    expect(relativeTime(NOW + 29 * day + 3_600_000, NOW, 'en-US')).toBe('in 29 days');
    expect(relativeTime(NOW - 3 * 3_600_000, NOW, 'en-US')).toBe('3 hours ago');
    expect(relativeTime(NOW + day, NOW, 'en-US')).toBe('tomorrow');
    expect(relativeTime(NOW, NOW, 'en-US')).toBe('now');
    expect(relativeTime(NOW + 29 * day, NOW, 'de-DE')).toBe('in 29 Tagen');
    expect(formatDateTime('2026-12-04T18:23:00.000Z', 'en-US')).toMatch(/^Dec 4, 2026, \d{1,2}:23 [AP]M$/);
    expect(formatDateTime('2026-12-04T18:23:00.000Z', 'de-DE')).toMatch(/^04\.12\.2026, \d{2}:23$/);
    expect(relativeTime('not a date', NOW)).toBe('not a date');
  });
});

describe('the create form', () => {
  const fake = (): FakeTransport =>
    new FakeTransport({
      'netmon:interfaces': () => ok([uplink, plant, bridge]),
      'vplc:list': () => ok([]),
      'vplc:create': () => ok({ operationId: 'op-1' }),
      'vplc:status': () => ok({ status: 'error', device_id: 'plc1', operation: 'create', error: 'vnics[0].ip: IP 10.20.0.50 is already in use on enp2s0' }),
    });
  const options = async (): Promise<HTMLOptionElement[]> => {
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    await waitFor(() => expect(within(vnic).getAllByRole('option')).toHaveLength(4));
    return within(vnic).getAllByRole('option');
  };

  it('marks the uplink and explains it once chosen; a refused interface is listed, not selectable, with its reason', async () => {
    renderWithApp(<CreateVplc />, fake());
    const [, eth0, enp2s0, docker0] = await options();
    expect(eth0?.textContent).toBe('eth0 (192.168.10.5/24, up) — this PC’s uplink');
    expect(enp2s0?.textContent).toBe('enp2s0 (10.20.3.4/16, up)');
    expect(docker0?.textContent).toBe('docker0 (no IPv4, up) — not allowed');
    expect(docker0?.disabled).toBe(true);
    expect(eth0?.disabled).toBe(false);
    const why = screen.getByText('Why docker0 cannot be chosen');
    expect(why.closest('details')?.textContent).toContain('docker0 can never be a vNIC parent (it matches docker0)');
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'eth0' } });
    const note = screen.getByText(/eth0 carries this PC’s default route/);
    expect(note.textContent).toContain('this PC itself cannot reach the vPLC through eth0');
    expect(within(vnic).getByLabelText('Host interface').getAttribute('aria-describedby')).toBe(note.id);
  });

  it('takes its placeholders from the chosen parent’s subnet and says what an empty gateway means', async () => {
    renderWithApp(<CreateVplc />, fake());
    await options();
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp2s0' } });
    fireEvent.click(within(vnic).getByLabelText('Static'));
    expect(within(vnic).getByLabelText('IP address').getAttribute('placeholder')).toBe('10.20.0.50');
    expect(within(vnic).getByLabelText('Subnet').getAttribute('placeholder')).toBe('10.20.0.0/16');
    expect(within(vnic).getByLabelText('Gateway').getAttribute('placeholder')).toBe('none: the vNIC reaches its subnet only');
    expect(within(vnic).getByText('Empty: no default route; the vPLC reaches this subnet only.')).toBeTruthy();
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'eth0' } });
    fireEvent.change(within(vnic).getByLabelText('Subnet'), { target: { value: '' } });
    fireEvent.change(within(vnic).getByLabelText('Gateway'), { target: { value: '' } });
    expect(within(vnic).getByLabelText('Subnet').getAttribute('placeholder')).toBe('192.168.10.0/24');
    expect(within(vnic).getByLabelText('Gateway').getAttribute('placeholder')).toBe('192.168.10.1');
    expect(within(vnic).getByText('Empty: 192.168.10.1, the gateway of eth0, is used.')).toBeTruthy();
  });

  it('goes back to the form after a failed create with every input kept and the reason shown', async () => {
    const { transport } = renderWithApp(<CreateVplc />, fake());
    await options();
    const vnic = screen.getByRole('group', { name: 'vNIC 1' });
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'plc1' } });
    fireEvent.change(within(vnic).getByLabelText('Host interface'), { target: { value: 'enp2s0' } });
    fireEvent.click(within(vnic).getByLabelText('Static'));
    fireEvent.change(within(vnic).getByLabelText('IP address'), { target: { value: '10.20.0.50' } });
    fireEvent.change(within(vnic).getByLabelText('MAC address'), { target: { value: '02:42:0a:14:00:32' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    expect(await screen.findByText('vnics[0].ip: IP 10.20.0.50 is already in use on enp2s0')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Create another' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Back to the form' }));
    const again = screen.getByRole('group', { name: 'vNIC 1' });
    expect((screen.getByLabelText('Name') as HTMLInputElement).value).toBe('plc1');
    expect((within(again).getByLabelText('Host interface') as HTMLSelectElement).value).toBe('enp2s0');
    expect((within(again).getByLabelText('Static') as HTMLInputElement).checked).toBe(true);
    expect((within(again).getByLabelText('IP address') as HTMLInputElement).value).toBe('10.20.0.50');
    expect((within(again).getByLabelText('Subnet') as HTMLInputElement).value).toBe('10.20.0.0/16');
    expect((within(again).getByLabelText('MAC address') as HTMLInputElement).value).toBe('02:42:0a:14:00:32');
    // The reason names its field (vnics[0].ip): that field is marked with it, and the summary says it in words.
    expect(screen.getByText('plc1 was not created: IP 10.20.0.50 is already in use on enp2s0')).toBeTruthy();
    expect(within(again).getByLabelText('IP address').getAttribute('aria-invalid')).toBe('true');
    expect(within(again).getByText('IP 10.20.0.50 is already in use on enp2s0')).toBeTruthy();
    // Fixing the one field and submitting again sends the same spec with the new address.
    fireEvent.change(within(again).getByLabelText('IP address'), { target: { value: '10.20.0.51' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create vPLC' }));
    await waitFor(() => expect(transport.callsTo('vplc:create')).toHaveLength(2));
    expect(transport.callsTo('vplc:create')[1]).toMatchObject({ name: 'plc1', vnics: [{ parentInterface: 'enp2s0', mode: 'static', ip: '10.20.0.51', subnet: '10.20.0.0/16', mac: '02:42:0a:14:00:32' }] });
  });
});

describe('the vPLC detail', () => {
  const fake = (networks: Record<string, { ip_address: string | null; mac_address: string | null; gateway: string | null }>): FakeTransport =>
    new FakeTransport({
      'vplc:status': () => ok(successStatus({ networks, internal_ip: '172.29.0.10', uptime_seconds: 60 })),
      'vplc:logs': () => ok([]),
      'metrics:history': () => ok({ cpu: [], memory: [] }),
      'vplc:list': () => ok([]),
      'journal:list': () => ok([{ ts: '2026-12-01T10:00:00.000Z', vplc: 'plc1', action: 'restart', requestedBy: 'cloud', result: 'ok' }]),
    });

  it('lists the runtime’s LAN address with a copy button, opens the internal one from this PC, and explains the certificate', async () => {
    renderWithApp(<VplcDetail name="plc1" />, fake({ macvlan_enp2s0_10_20_0_0_16: { ip_address: '10.20.0.50', mac_address: '02:42:0a:14:00:32', gateway: null } }));
    const lan = await screen.findByRole('list', { name: 'Runtime addresses on the LAN' });
    expect(within(lan).getByText('https://10.20.0.50:8443/')).toBeTruthy();
    fireEvent.click(within(lan).getByRole('button', { name: 'Copy the runtime address 10.20.0.50' }));
    await waitFor(() => expect(copied).toEqual(['https://10.20.0.50:8443/']));
    expect(within(lan).getByRole('button', { name: 'Copy the runtime address 10.20.0.50' }).textContent).toBe('Copied');
    expect(screen.getByRole('link', { name: 'Open the runtime’s web UI' }).getAttribute('href')).toBe('https://172.29.0.10:8443/');
    expect(screen.getByText(/This PC cannot open a LAN address of its own vPLCs/)).toBeTruthy();
    expect(screen.getByText(/self-signed certificate, so the browser warns once for each address/)).toBeTruthy();
  });

  it('opens the LAN address when this PC can reach it (a WiFi vNIC is routed through this PC)', async () => {
    renderWithApp(<VplcDetail name="plc1" />, fake({ wifi_wlan0_lan: { ip_address: '192.168.1.80', mac_address: null, gateway: '192.168.1.1' } }));
    expect((await screen.findByRole('link', { name: 'Open the runtime’s web UI' })).getAttribute('href')).toBe('https://192.168.1.80:8443/');
    expect(screen.queryByText(/This PC cannot open a LAN address/)).toBeNull();
  });

  it('copies the internal IP, each IP and MAC, and dates the history in the user’s locale with a relative time', async () => {
    renderWithApp(<VplcDetail name="plc1" />, fake({ macvlan_enp2s0_10_20_0_0_16: { ip_address: '10.20.0.50', mac_address: '02:42:0a:14:00:32', gateway: null } }));
    const nets = await screen.findByRole('table', { name: 'Networks' });
    fireEvent.click(within(nets).getByRole('button', { name: 'Copy the IP on macvlan_enp2s0_10_20_0_0_16' }));
    fireEvent.click(within(nets).getByRole('button', { name: 'Copy the MAC on macvlan_enp2s0_10_20_0_0_16' }));
    fireEvent.click(screen.getByRole('button', { name: 'Copy the internal IP' }));
    await waitFor(() => expect(copied).toEqual(['10.20.0.50', '02:42:0a:14:00:32', '172.29.0.10']));
    const history = await screen.findByRole('table', { name: 'History' });
    const when = await within(history).findByText(/3 days ago/);
    expect(when.closest('time')?.getAttribute('dateTime')).toBe('2026-12-01T10:00:00.000Z');
    expect(when.closest('time')?.textContent).toBe(`${formatDateTime('2026-12-01T10:00:00.000Z')} (3 days ago)`);
  });
});

describe('the dashboard', () => {
  it('shows the certificate’s end date with the days left and copies the agent ID', async () => {
    const f = new FakeTransport({ 'metrics:history': () => ok({ cpu: [], memory: [] }) });
    const { store } = renderWithApp(<Dashboard />, f);
    const notAfter = new Date(NOW + 29 * day + 3_600_000).toISOString();
    act(() =>
      store.setState({
        status: { loading: false, data: { installationId: 'inst', mode: 'own', cloud: 'connected', workers: [], warnings: [] } },
        cert: { loading: false, data: { agentId: 'AGENT-42', subject: 's', issuer: 'i', notBefore: '2026-11-01T00:00:00.000Z', notAfter, fingerprint256: 'ff', expiry: { level: 'ok', daysLeft: 29.04, message: null } } },
      }),
    );
    expect((await screen.findByText(/in 29 days/)).closest('time')?.getAttribute('dateTime')).toBe(notAfter);
    fireEvent.click(screen.getByRole('button', { name: 'Copy the agent ID' }));
    await waitFor(() => expect(copied).toEqual(['AGENT-42']));
  });
});

describe('the draft check', () => {
  it('refuses a parent the policy refuses, with the policy’s reason, on the parent field', () => {
    const d = { name: 'plc1', runtimeVersion: 'latest', vnics: [{ parentInterface: 'docker0', mode: 'dhcp' as const, ip: '', subnet: '', gateway: '', mac: '', dns: '' }], serialPorts: [] };
    const { errors, spec } = checkDraft(d, [uplink, plant, bridge], []);
    expect(spec).toBeUndefined();
    expect(errors).toEqual({ 'vnics.0.parentInterface': 'docker0 can never be a vNIC parent (it matches docker0); pick another interface.' });
    expect(checkDraft({ ...d, vnics: [{ ...d.vnics[0]!, parentInterface: 'eth0' }] }, [uplink, plant, bridge], []).spec).toBeDefined();
  });
});
