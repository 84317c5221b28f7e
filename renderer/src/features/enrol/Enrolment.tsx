import { useEffect, useState, type FormEvent } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { Badge, ConfirmDialog, CopyButton, ErrorBox, Field, Loading } from '../../components/ui';
import { useApi, useApiEvent, useApp } from '../../store/context';
import { EnrolSteps, progressOf, type Progress } from './EnrolSteps';


function CertificateDetails({ cert }: { cert: NonNullable<Output<'certs:info'>> }) {
  return (
    <dl className="facts">
      <dt>Agent ID</dt>
      <dd className="mono">{cert.agentId}</dd>
      <dt>Subject</dt>
      <dd className="mono small">{cert.subject}</dd>
      <dt>Issuer</dt>
      <dd className="mono small">{cert.issuer}</dd>
      <dt>Valid</dt>
      <dd>
        {new Date(cert.notBefore).toLocaleString()} – {new Date(cert.notAfter).toLocaleString()}{' '}
        <Badge tone={cert.expiry.level === 'ok' ? 'ok' : cert.expiry.level === 'expired' ? 'bad' : 'warn'}>{cert.expiry.message ?? `${Math.floor(cert.expiry.daysLeft)} days left`}</Badge>
      </dd>
      <dt>SHA-256</dt>
      <dd className="mono small wrap">{cert.fingerprint256}</dd>
    </dl>
  );
}

type Current = NonNullable<Output<'certs:info'>>;

/**
 * Replacing a working identity is confirmed first; the agent refuses it without `replace: true` (a refusal naming that
 * field, e.g. after an enrolment from the CLI this page has not seen yet, opens the same question).
 */
function ReplaceDialog({ open, current, what, onReplace, onClose }: { open: boolean; current: Current | undefined; what: string; onReplace(): void; onClose(): void }) {
  if (!open) return null;
  const replace = (): void => {
    onClose();
    onReplace();
  };
  return (
    <ConfirmDialog title="Replace this PC’s identity?" confirmLabel="Replace" danger onConfirm={replace} onCancel={onClose}>
      <p>
        This PC already has a working certificate{current ? ` (agent ID ${current.agentId})` : ''}. {what} The cloud link switches to the new pair; the current one is kept until
        the new one has connected, then removed.
      </p>
    </ConfirmDialog>
  );
}

const refusedForReplace = (e: { field?: string }): boolean => e.field === 'replace';

/** The CA file the agent runs with, and whether a flag or variable sets it (then the form shows it read-only). */
type CaFileState = { value: string; via?: string };

function EnrolForm({ current }: { current: Current | undefined }) {
  const renewal = !!current;
  const api = useApi();
  const refreshCert = useApp((s) => s.refreshCert);
  const [url, setUrl] = useState('');
  const [urlError, setUrlError] = useState<string>();
  const [caFile, setCaFile] = useState('');
  const [running, setRunning] = useState<CaFileState>({ value: '' });
  const [caError, setCaError] = useState<string>();
  const [progress, setProgress] = useState<Progress>({ kind: 'idle' });
  const [id, setId] = useState<string>();
  const [result, setResult] = useState<Output<'certs:enroll'>>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    void api.call('settings:get', {}).then((r) => {
      if (!r.ok) return;
      setUrl((u) => u || r.value.settings.cloud.provisionUrl);
      const ca = r.value.effective.find((e) => e.key === 'cloud.caFile');
      const value = typeof ca?.value === 'string' ? ca.value : '';
      setRunning({ value, ...(ca && (ca.source === 'flag' || ca.source === 'env') && ca.via ? { via: ca.via } : {}) });
      setCaFile((c) => c || value);
    });
  }, [api]);
  useApiEvent('certs:progress', (p) => {
    if (p.id) setId(p.id);
    setProgress(progressOf(p.step));
  });
  const [confirming, setConfirming] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    let bad = false;
    try {
      const u = new URL(url);
      if (u.protocol !== 'https:') throw new Error('https');
      setUrlError(undefined);
    } catch {
      setUrlError('Give the provisioning address as https://host[:port].');
      bad = true;
    }
    if (caFile.trim() !== '' && !caFile.trim().startsWith('/')) {
      setCaError('Give the full path of the CA file on this PC, e.g. /etc/ssl/my-cloud-ca.pem.');
      bad = true;
    } else setCaError(undefined);
    if (bad) return;
    if (renewal) setConfirming(true);
    else void start(false);
  };
  const start = async (replace: boolean): Promise<void> => {
    setError(undefined);
    setResult(undefined);
    setId(undefined);
    setProgress({ kind: 'running', at: 'id' });
    // A flag or variable decides the CA file, and the one the agent runs with needs no sending.
    const ca = caFile.trim();
    const sendCa = running.via === undefined && ca !== '' && ca !== running.value ? { caFile: ca } : {};
    const r = await api.call('certs:enroll', { provisionUrl: url, ...sendCa, ...(replace ? { replace: true } : {}) });
    if (!r.ok && refusedForReplace(r.error)) {
      setProgress({ kind: 'idle' });
      setConfirming(true);
      return;
    }
    if (!r.ok) {
      // A refused input ran no step; otherwise the step in progress is the one that failed (progress events come first).
      setProgress((p) => (r.error.code === 'VALIDATION' ? { kind: 'idle' } : { kind: 'failed', at: p.kind === 'running' || p.kind === 'failed' ? p.at : 'id' }));
      if (r.error.field === 'caFile') setCaError(r.error.code === 'VALIDATION' ? r.error.message : 'The cloud’s certificate is not trusted with this CA file: see the error below.');
      setError(errorText(r.error));
      return;
    }
    setResult(r.value);
    setId(r.value.id);
    setProgress({ kind: 'done' });
    void refreshCert();
  };
  const busy = progress.kind === 'running';
  return (
    <section className="card" aria-labelledby="enrol-h">
      <h2 id="enrol-h">{renewal ? 'Renew by enrolling again' : 'Enrol this PC'}</h2>
      <p className="muted">
        {renewal
          ? 'A new key and certificate replace the current ones; the cloud link switches over without a restart. Link the new agent ID in the cloud console as before.'
          : 'The agent asks the cloud for an ID, creates its private key here (it never leaves this PC), and receives a certificate. Then you link the ID in the cloud console.'}
      </p>
      <form onSubmit={submit} noValidate>
        <Field label="Provisioning URL" htmlFor="provision-url" error={urlError} hint="Your cloud's provisioning address, from the cloud console.">
          <input id="provision-url" type="url" value={url} onChange={(e) => setUrl(e.target.value)} aria-invalid={!!urlError} disabled={busy} />
        </Field>
        <Field
          label="CA file (optional)"
          htmlFor="ca-file"
          error={caError}
          hint={running.via ? `Set by ${running.via}; read-only here.` : 'Only for a cloud whose certificate comes from a private CA: the PEM file of that CA on this PC. Once enrolment works it is saved in the settings.'}
        >
          <input id="ca-file" value={caFile} onChange={(e) => setCaFile(e.target.value)} aria-invalid={!!caError} readOnly={!!running.via} disabled={busy} spellCheck={false} placeholder="/etc/ssl/certs/my-cloud-ca.pem" />
        </Field>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Enrolling…' : renewal ? 'Renew' : 'Enrol'}
        </button>
      </form>
      <EnrolSteps progress={progress} />
      {id ? (
        <div className="agent-id" aria-live="polite">
          <p>Agent ID</p>
          <output className="id-big mono" aria-label="Agent ID">
            {id}
          </output>
          <CopyButton text={id} label="Copy ID" />
          <p className="muted">In the cloud console, open Orchestrators → Link orchestrator and enter this ID{result?.expiresAt ? ` before ${new Date(result.expiresAt).toLocaleString()}` : ''}.</p>
        </div>
      ) : null}
      {result?.caFile ? <p role="status">{result.caFile.message}</p> : null}
      {error ? <ErrorBox>{error}</ErrorBox> : null}
      <ReplaceDialog open={confirming} current={current} what="Enrolling again creates a new key and a new agent ID, which you link in the cloud console." onReplace={() => void start(true)} onClose={() => setConfirming(false)} />
    </section>
  );
}

function ImportForm({ current }: { current: Current | undefined }) {
  const api = useApi();
  const refreshCert = useApp((s) => s.refreshCert);
  const [keyFile, setKeyFile] = useState('');
  const [certFile, setCertFile] = useState('');
  const [errors, setErrors] = useState<{ keyFile?: string; certFile?: string; form?: string }>({});
  const [done, setDone] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!keyFile.startsWith('/')) errs.keyFile = 'Give the full path of the key file on this PC, e.g. /home/me/client.key.';
    if (!certFile.startsWith('/')) errs.certFile = 'Give the full path of the certificate file on this PC.';
    setErrors(errs);
    setDone(undefined);
    if (Object.keys(errs).length) return;
    if (current) setConfirming(true);
    else void run(false);
  };
  const run = async (replace: boolean): Promise<void> => {
    const r = await api.call('certs:import', replace ? { keyFile, certFile, replace: true } : { keyFile, certFile });
    if (!r.ok && refusedForReplace(r.error)) return setConfirming(true);
    if (!r.ok) return setErrors({ form: errorText(r.error) });
    setDone(r.value.id);
    void refreshCert();
  };
  return (
    <section className="card" aria-labelledby="import-h">
      <h2 id="import-h">Import an existing key and certificate</h2>
      <p className="muted">The agent reads the files itself and keeps them in its mTLS directory; the key is never shown here.</p>
      <form onSubmit={submit} noValidate>
        <Field label="Key file" htmlFor="key-file" error={errors.keyFile}>
          <input id="key-file" value={keyFile} onChange={(e) => setKeyFile(e.target.value)} aria-invalid={!!errors.keyFile} spellCheck={false} />
        </Field>
        <Field label="Certificate file" htmlFor="cert-file" error={errors.certFile}>
          <input id="cert-file" value={certFile} onChange={(e) => setCertFile(e.target.value)} aria-invalid={!!errors.certFile} spellCheck={false} />
        </Field>
        <button type="submit">Import</button>
      </form>
      {errors.form ? <ErrorBox>{errors.form}</ErrorBox> : null}
      {done ? <p role="status">Imported: agent ID {done}.</p> : null}
      <ReplaceDialog open={confirming} current={current} what="The imported key and certificate become this PC’s identity." onReplace={() => void run(true)} onClose={() => setConfirming(false)} />
    </section>
  );
}

export function Enrolment() {
  const cert = useApp((s) => s.cert);
  const refreshCert = useApp((s) => s.refreshCert);

  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Enrolment</h1>
      </header>
      <section className="card" aria-labelledby="cert-h">
        <h2 id="cert-h">Current certificate</h2>
        {cert.loading && cert.data === undefined ? <Loading what="the certificate" /> : null}
        {cert.error ? <ErrorBox onRetry={() => void refreshCert()}>{cert.error}</ErrorBox> : null}
        {cert.data ? <CertificateDetails cert={cert.data} /> : cert.data === null ? <p className="muted">This PC is not enrolled yet: it runs vPLCs locally, without the cloud.</p> : null}
      </section>
      <div className="grid-2">
        <EnrolForm current={cert.data ?? undefined} />
        <ImportForm current={cert.data ?? undefined} />
      </div>
    </div>
  );
}
