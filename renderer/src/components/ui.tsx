import { useEffect, useRef, useState, type ReactNode } from 'react';

export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'bad' | 'idle' | 'busy'; children: ReactNode }) {
  return <span className={`badge badge-${tone}`}>{children}</span>;
}

export const stateTone = (state: string): 'ok' | 'warn' | 'bad' | 'idle' | 'busy' => {
  if (['running', 'connected', 'healthy', 'success'].includes(state)) return 'ok';
  if (['creating', 'deleting', 'restarting', 'connecting', 'starting'].includes(state)) return 'busy';
  if (['error', 'dead', 'crashed', 'paused', 'unhealthy', 'failed', 'suspended', 'missing'].includes(state)) return 'bad';
  if (['exited', 'stopped', 'offline', 'created', 'degraded'].includes(state)) return 'warn';
  return 'idle';
};

export function Loading({ what }: { what: string }) {
  return (
    <p className="state state-loading" role="status">
      Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="state state-empty">{children}</div>;
}

export function ErrorBox({ children, onRetry }: { children: ReactNode; onRetry?: () => void }) {
  return (
    <div className="state state-error" role="alert">
      <span>{children}</span>
      {onRetry ? (
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      ) : null}
    </div>
  );
}

/** A modal confirmation: focus starts on Cancel (the safe choice), Escape cancels. */
export function ConfirmDialog({ title, children, confirmLabel = 'Confirm', danger, onConfirm, onCancel }: { title: string; children: ReactNode; confirmLabel?: string; danger?: boolean; onConfirm(): void; onCancel(): void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => cancelRef.current?.focus(), []);
  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <div role="dialog" aria-modal="true" aria-labelledby="confirm-title" className="modal">
        <h2 id="confirm-title">{title}</h2>
        <div className="modal-body">{children}</div>
        <div className="modal-actions">
          <button type="button" ref={cancelRef} onClick={onCancel}>
            Cancel
          </button>
          <button type="button" className={danger ? 'danger' : 'primary'} onClick={onConfirm}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [done, setDone] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = (): void => {
    const clip = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clip) return setDone('failed');
    clip.writeText(text).then(
      () => setDone('copied'),
      () => setDone('failed'),
    );
  };
  return (
    <button type="button" onClick={copy}>
      {done === 'copied' ? 'Copied' : done === 'failed' ? 'Select and copy by hand' : label}
    </button>
  );
}

export function Field({ label, error, hint, children, htmlFor }: { label: string; error?: string | undefined; hint?: string; children: ReactNode; htmlFor: string }) {
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={htmlFor}>{label}</label>
      {children}
      {error ? (
        <p className="field-error" id={`${htmlFor}-error`} role="alert">
          {error}
        </p>
      ) : hint ? (
        <p className="field-hint">{hint}</p>
      ) : null}
    </div>
  );
}

export function formatDuration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${Math.floor(seconds)} s`;
}

/** A data table with its column headings; the rows are the children (each starts with a `th scope="row"`). */
export function Table({ label, columns, children }: { label: string; columns: string[]; children: ReactNode }) {
  return (
    <table className="table" aria-label={label}>
      <thead>
        <tr>
          {columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{children}</tbody>
    </table>
  );
}

/** The outcome of an action the user just took: a polite status when it worked, an alert when it did not. */
export function ActionResult({ result }: { result: { ok: boolean; text: string } | null }) {
  if (!result) return null;
  return (
    <p className={result.ok ? 'notice' : 'state state-error'} role={result.ok ? 'status' : 'alert'}>
      {result.text}
    </p>
  );
}

/** Under a form: how many fields the checks marked, so a user who scrolled down knows to look up. */
export function MarkedFieldsNote({ errors }: { errors: Record<string, string | undefined> }) {
  const n = Object.keys(errors).length;
  if (n === 0) return null;
  return (
    <p className="field-error" role="alert">
      Check the {n === 1 ? 'field' : `${n} fields`} marked above.
    </p>
  );
}
