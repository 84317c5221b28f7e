// Re-enrolling or importing over a working identity asks first, and only a confirmed request carries replace: true.
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Enrolment } from '../../../renderer/src/features/enrol/Enrolment';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const settings = { settings: { version: 1, cloud: { enabled: true, url: 'https://c.example:3001', provisionUrl: 'https://p.example', allowRemoteRemoval: true }, agent: { logLevel: 'info', uiPort: 48750, lockName: 'x' }, orchestrator: { runtimeRepo: 'r', helperImage: 'h', internalPool: '172.29.0.0/16', runCommandTimeoutMs: 60000 }, desktop: { autostart: false, quitOnClose: true } }, writable: true, warnings: [], effective: [] };
const certificate = { agentId: '07048933', subject: 'CN=07048933', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-12-01T00:00:00Z', fingerprint256: 'AA' };
const current = { ...certificate, expiry: { level: 'ok' as const, daysLeft: 300, message: null } };
const enrolled = { id: '07049000', expiresAt: null, certificate: { ...certificate, agentId: '07049000' } };
const refusal = { ok: false as const, error: { code: 'CONFLICT' as const, field: 'replace', message: 'this PC already has a working identity; send replace: true to replace it' } };

/** The page with the certificate loaded, as after the app's first refresh. */
async function show(f: FakeTransport): Promise<void> {
  const { store } = renderWithApp(<Enrolment />, f);
  await act(() => store.getState().refreshCert());
}

function fake(info: typeof current | null): FakeTransport {
  return new FakeTransport({
    'settings:get': () => ok(settings),
    'certs:info': () => ok(info),
    'certs:enroll': (input) => ((input as { replace?: boolean }).replace ? ok(enrolled) : refusal),
    'certs:import': (input) => ((input as { replace?: boolean }).replace ? ok(enrolled) : refusal),
  });
}

describe('replacing the identity', () => {
  it('asks before renewing, sends nothing on Cancel, and sends replace: true on Replace', async () => {
    const f = fake(current);
    await show(f);
    await screen.findByText('07048933');
    await waitFor(() => expect((screen.getByLabelText('Provisioning URL') as HTMLInputElement).value).toBe('https://p.example'));
    fireEvent.click(screen.getByRole('button', { name: 'Renew' }));
    const dialog = screen.getByRole('dialog', { name: 'Replace this PC’s identity?' });
    expect(dialog.textContent).toContain('agent ID 07048933');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    expect(f.callsTo('certs:enroll')).toEqual([]);

    fireEvent.click(screen.getByRole('button', { name: 'Renew' }));
    fireEvent.click(within(screen.getByRole('dialog')).getByRole('button', { name: 'Replace' }));
    await waitFor(() => expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example', replace: true }]));
    expect((await screen.findByLabelText('Agent ID')).textContent).toBe('07049000');
  });

  it('asks before an import over a working identity', async () => {
    const f = fake(current);
    await show(f);
    await screen.findByText('07048933');
    fireEvent.change(screen.getByLabelText('Key file'), { target: { value: '/k.pem' } });
    fireEvent.change(screen.getByLabelText('Certificate file'), { target: { value: '/c.pem' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Replace this PC’s identity?' })).getByRole('button', { name: 'Replace' }));
    expect(await screen.findByText('Imported: agent ID 07049000.')).toBeTruthy();
    expect(f.callsTo('certs:import')).toEqual([{ keyFile: '/k.pem', certFile: '/c.pem', replace: true }]);
  });

  it('asks when the agent refuses a first enrolment because an identity appeared meanwhile (e.g. from the CLI)', async () => {
    const f = fake(null);
    await show(f);
    await screen.findByText(/not enrolled yet/);
    await waitFor(() => expect((screen.getByLabelText('Provisioning URL') as HTMLInputElement).value).toBe('https://p.example'));
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    const dialog = await screen.findByRole('dialog', { name: 'Replace this PC’s identity?' });
    expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example' }]);
    fireEvent.click(within(dialog).getByRole('button', { name: 'Replace' }));
    await waitFor(() => expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example' }, { provisionUrl: 'https://p.example', replace: true }]));
  });
});
