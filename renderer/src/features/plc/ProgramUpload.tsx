import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Envelope } from '../../../../shared/api/envelope';
import { PROGRAM_UPLOAD } from '../../../../shared/api/program-upload';
import type { CompileProgress } from '../../../../shared/domain/plc';
import { errorText } from '../../api/client';
import { ActionResult, Badge, ConfirmDialog, Field } from '../../components/ui';
import { useApi, useApiEvent } from '../../store/context';

type Source = { kind: 'file'; file: File } | { kind: 'path'; path: string };
type Stage = { step: 'uploading'; sent: number; total: number } | { step: 'compiling' };

const DONE = new Set(['SUCCESS', 'FAILED']);
const kb = (n: number): string => `${Math.ceil(n / 1_000)} kB`;

/** The end of a compile in words. */
function endText(p: CompileProgress): { ok: boolean; text: string } | null {
  if (p.state === 'SUCCESS') return { ok: true, text: 'The program compiled; the PLC runs it now.' };
  if (p.state === 'FAILED') return { ok: false, text: 'The compile FAILED: see the compiler’s log above.' };
  return p.error ? { ok: false, text: p.error } : null;
}

function CompileView({ p }: { p: CompileProgress }) {
  const failed = p.state === 'FAILED';
  return (
    <div className="compile" aria-live="polite">
      <p>
        Compile: <Badge tone={failed ? 'bad' : p.state === 'SUCCESS' ? 'ok' : 'busy'}>{p.state}</Badge>
        {p.exit_code !== null ? <span className="muted small"> exit code {p.exit_code}</span> : null}
      </p>
      {p.error ? <p className="state state-error">{p.error}</p> : null}
      {p.logs.length > 0 ? (
        <pre className="log" tabIndex={0} aria-label={failed ? "The compiler's log (failed)" : "The compiler's log"}>
          {p.logs.join('\n')}
        </pre>
      ) : null}
    </div>
  );
}

/**
 * Replaces the PLC program with a bundle (.zip from the editor) after a confirm (docs/plc.md "Program upload"): the
 * browser page sends the file; the desktop client names a file on this PC. Compile progress follows `plc:compile`.
 */
export function ProgramUpload({ name, onDone, connected = true }: { name: string; onDone(): void; connected?: boolean }) {
  const api = useApi();
  const browser = api.canUploadProgram;
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const [fileError, setFileError] = useState<string>();
  const [confirm, setConfirm] = useState<Source | null>(null);
  const [stage, setStage] = useState<Stage | null>(null);
  const [progress, setProgress] = useState<CompileProgress | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const running = stage !== null;
  // A long compile can outlast the browser transport's call deadline; the agent goes on, and its last `plc:compile`
  // event then ends the upload here.
  const outlived = useRef(false);

  useApiEvent('plc:compile', (p) => {
    if (p.name !== name || !running) return;
    setProgress(p);
    setStage((s) => (s?.step === 'uploading' ? { step: 'compiling' } : s));
    if (!outlived.current || !DONE.has(p.state)) return;
    outlived.current = false;
    setStage(null);
    setResult(endText(p));
    onDone();
  });

  // A compile already going on (started before this page opened, or from the cloud) is followed to its end like one
  // whose answer outlived the call; an old result is not shown again.
  useEffect(() => {
    if (!connected) return;
    let live = true;
    void api.call('plc:compile-status', { name }).then((r) => {
      if (!live || !r.ok || DONE.has(r.value.state) || r.value.state === 'IDLE') return;
      outlived.current = true;
      setProgress(r.value);
      setStage((s) => s ?? { step: 'compiling' });
    });
    return () => {
      live = false;
    };
  }, [api, name, connected]);

  const ask = (e: FormEvent): void => {
    e.preventDefault();
    setResult(null);
    if (browser) {
      if (!file) return setFileError('choose the program bundle (.zip)');
      if (!/\.zip$/i.test(file.name)) return setFileError('a program bundle is a .zip file from the editor');
      if (file.size > PROGRAM_UPLOAD.maxBytes) return setFileError('this file is far larger than a program bundle');
      setFileError(undefined);
      return setConfirm({ kind: 'file', file });
    }
    if (path.trim() === '') return setFileError('give the path of the program bundle (.zip)');
    setFileError(undefined);
    setConfirm({ kind: 'path', path: path.trim() });
  };

  const send = async (src: Source): Promise<void> => {
    setConfirm(null);
    setProgress(null);
    let r: Envelope<CompileProgress>;
    if (src.kind === 'file') {
      setStage({ step: 'uploading', sent: 0, total: src.file.size });
      r = await api.uploadProgram(src.file, {
        name,
        onProgress: (sent, total) => setStage((s) => (s?.step !== 'uploading' ? s : sent >= total ? { step: 'compiling' } : { step: 'uploading', sent, total })),
      });
    } else {
      setStage({ step: 'compiling' });
      r = await api.call('plc:upload', { name, path: src.path, confirm: true });
    }
    if (!r.ok && r.error.code === 'TIMEOUT') {
      outlived.current = true;
      return;
    }
    setStage(null);
    if (!r.ok) {
      if (r.error.field === 'path' || r.error.field === 'file') setFileError(r.error.message);
      else setResult({ ok: false, text: errorText(r.error) });
      return;
    }
    setProgress(r.value);
    setResult(endText(r.value));
    if (DONE.has(r.value.state)) onDone();
  };

  const inputId = browser ? 'plc-program-file' : 'plc-program-path';
  return (
    <form onSubmit={ask} aria-labelledby="plc-program-h" noValidate>
      <h3 id="plc-program-h">Program</h3>
      <Field
        label={browser ? 'Program bundle (.zip)' : 'Program bundle (.zip) on this PC'}
        htmlFor={inputId}
        error={fileError}
        hint={browser ? 'The .zip the editor exports. It is sent to the agent, which passes it to the runtime to compile.' : 'Absolute path of the .zip the editor exports; the agent reads it, so its user must be able to read it.'}
      >
        {browser ? (
          <input id={inputId} type="file" accept=".zip" disabled={running} aria-invalid={!!fileError} {...(fileError ? { 'aria-describedby': `${inputId}-error` } : {})} onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        ) : (
          <input id={inputId} value={path} disabled={running} aria-invalid={!!fileError} {...(fileError ? { 'aria-describedby': `${inputId}-error` } : {})} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/program.zip" spellCheck={false} autoComplete="off" />
        )}
      </Field>
      <div className="form-actions">
        {!connected && !running ? <span className="muted small">Needs the runtime to answer with the stored credentials.</span> : null}
        <button type="submit" disabled={running || !connected}>
          {running ? (stage.step === 'uploading' ? 'Uploading…' : 'Compiling…') : 'Upload program'}
        </button>
      </div>
      {stage?.step === 'uploading' ? (
        <p>
          <label htmlFor="plc-upload-progress">
            Uploading: {kb(stage.sent)} of {kb(stage.total)}
          </label>{' '}
          <progress id="plc-upload-progress" max={Math.max(1, stage.total)} value={stage.sent} />
        </p>
      ) : null}
      {stage?.step === 'compiling' && !progress ? <p role="status">Sent; waiting for the runtime to compile…</p> : null}
      {progress ? <CompileView p={progress} /> : null}
      <ActionResult result={result} />
      {confirm ? (
        <ConfirmDialog title="Replace the PLC program?" confirmLabel="Upload and compile" danger onConfirm={() => void send(confirm)} onCancel={() => setConfirm(null)}>
          <p>
            <strong>{name}</strong>: the PLC program is replaced by <span className="mono">{confirm.kind === 'file' ? confirm.file.name : confirm.path}</span> and compiled; the PLC restarts with it.
          </p>
        </ConfirmDialog>
      ) : null}
    </form>
  );
}
