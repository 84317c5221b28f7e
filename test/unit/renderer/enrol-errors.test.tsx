// Enrolment failures on the page: only the steps that ran are marked, the cause and fix are shown, and the CA file
// field is where the fix goes (sent to the agent, or read-only when a flag sets it).
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { Enrolment } from '../../../renderer/src/features/enrol/Enrolment';
import { Settings } from '../../../shared/domain/settings';
import { FakeTransport, ok } from './fake-transport';
import { renderWithApp } from './render';

afterEach(cleanup);

const settings = Settings.parse({ version: 1, cloud: { provisionUrl: 'https://p.example:8443' } });
type Effective = Array<{ key: string; value: string | null; source: 'default' | 'file' | 'env' | 'flag'; via?: string }>;
const certificate = { agentId: '07049000', subject: 'CN=07049000', issuer: 'CN=ca', notBefore: '2026-01-01T00:00:00Z', notAfter: '2027-12-01T00:00:00Z', fingerprint256: 'AA' };
const caMessage =
  'Enrolment stopped while asking the cloud for an agent ID: the certificate of p.example:8443 is signed by a CA this PC does not trust (UNABLE_TO_VERIFY_LEAF_SIGNATURE); set the CA file to the PEM of the CA that signed it (the CA file field here, or --ca-file / VPLC_CA_FILE for the agent).';

function fake(enrol: (input: unknown) => ReturnType<typeof ok> | { ok: false; error: { code: 'UNAVAILABLE' | 'VALIDATION'; message: string; field?: string } } | Promise<unknown>, effective: Effective = []): FakeTransport {
  return new FakeTransport({
    'settings:get': () => ok({ settings, writable: true, warnings: [], effective }),
    'certs:info': () => ok(null),
    'certs:enroll': enrol as never,
  });
}

const rows = (): Array<[string, string]> => screen.getAllByRole('listitem').map((li) => [li.className, li.textContent ?? '']);

async function enrol(f: FakeTransport): Promise<void> {
  renderWithApp(<Enrolment />, f);
  await waitFor(() => expect((screen.getByLabelText('Provisioning URL') as HTMLInputElement).value).toBe('https://p.example:8443'));
}

describe('enrolment errors', () => {
  it('a failure of the first step marks only that step, the others as not run, and puts the CA fix on the CA file field', async () => {
    const f = fake(() => ({ ok: false, error: { code: 'UNAVAILABLE', message: caMessage, field: 'caFile' } }));
    await enrol(f);
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    await screen.findByText(caMessage, { exact: false });
    expect(rows()).toEqual([
      ['step-failed', 'Ask the cloud for an agent ID (failed)'],
      ['step-todo', 'Generate the private key and certificate request on this PC (not run)'],
      ['step-todo', 'Receive the signed certificate (not run)'],
    ]);
    expect(screen.getByLabelText('CA file (optional)').getAttribute('aria-invalid')).toBe('true');
    expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example:8443' }]);
  });

  it('a failure after the request went to the cloud marks the first two steps done', async () => {
    let fail: (v: unknown) => void = () => undefined;
    const f = fake(() => new Promise((resolve) => (fail = resolve)));
    await enrol(f);
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    act(() => f.emit('certs:progress', { step: 'id', id: '07049000' }));
    act(() => f.emit('certs:progress', { step: 'key', id: '07049000' }));
    act(() => f.emit('certs:progress', { step: 'submit' }));
    act(() => fail({ ok: false, error: { code: 'UNAVAILABLE', message: 'Enrolment stopped while receiving the signed certificate: /orchestrators/enroll: HTTP 500' } }));
    await screen.findByText(/HTTP 500/);
    expect(rows().map(([c]) => c)).toEqual(['step-done', 'step-done', 'step-failed']);
  });

  it('sends the CA file the person gives and shows where the agent saved it', async () => {
    const f = fake(() => ok({ id: '07049000', expiresAt: null, certificate, caFile: { saved: true, message: 'Saved /etc/ca.pem as cloud.caFile in the settings file; the cloud link uses it after the agent restarts.' } }));
    await enrol(f);
    fireEvent.change(screen.getByLabelText('CA file (optional)'), { target: { value: 'ca.pem' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByText(/Give the full path of the CA file on this PC/)).toBeTruthy();
    expect(f.callsTo('certs:enroll')).toEqual([]);
    fireEvent.change(screen.getByLabelText('CA file (optional)'), { target: { value: '/etc/ca.pem' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect(await screen.findByText(/^Saved \/etc\/ca.pem as cloud.caFile/)).toBeTruthy();
    expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example:8443', caFile: '/etc/ca.pem' }]);
    expect(rows().map(([c]) => c)).toEqual(['step-done', 'step-done', 'step-done']);
  });

  it('a CA file the agent refuses runs no step and shows the reason on the field', async () => {
    const f = fake(() => ({ ok: false, error: { code: 'VALIDATION', message: 'caFile: /etc/x.pem holds no PEM certificate; give a PEM file with the CA certificate(s)', field: 'caFile' } }));
    await enrol(f);
    fireEvent.change(screen.getByLabelText('CA file (optional)'), { target: { value: '/etc/x.pem' } });
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    expect((await screen.findAllByText(/holds no PEM certificate/)).length).toBeGreaterThan(0);
    expect(screen.queryByRole('list', { name: 'Enrolment progress' })).toBeNull();
  });

  it('a CA file set by a flag is shown read-only and not sent', async () => {
    const f = fake(() => ok({ id: '07049000', expiresAt: null, certificate }), [{ key: 'cloud.caFile', value: '/etc/flag-ca.pem', source: 'flag', via: '--ca-file' }]);
    await enrol(f);
    const ca = (await screen.findByLabelText('CA file (optional)')) as HTMLInputElement;
    await waitFor(() => expect(ca.value).toBe('/etc/flag-ca.pem'));
    expect(ca.readOnly).toBe(true);
    expect(screen.getByText('Set by --ca-file; read-only here.')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Enrol' }));
    await waitFor(() => expect(f.callsTo('certs:enroll')).toEqual([{ provisionUrl: 'https://p.example:8443' }]));
  });
});
