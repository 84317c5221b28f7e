import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { LiveVariable } from '../../../../shared/debug/live';
import { encodeValue, ValueError } from '../../../../shared/debug/values';
import { errorText } from '../../api/client';
import { Field } from '../../components/ui';
import { useApi } from '../../store/context';

/** How to write a value of each type (the agent checks it again against the same rules). */
export function valueHint(type: string): string {
  const t = type.toUpperCase();
  if (t === 'BOOL') return 'TRUE or FALSE';
  if (t === 'REAL' || t === 'LREAL') return 'a number, e.g. 1.5 or -2e3';
  if (t === 'TIME') return 'a duration, e.g. T#500ms or T#1h30m';
  if (t === 'DATE') return 'a date, e.g. D#2024-01-31';
  if (t === 'TOD' || t === 'TIME_OF_DAY') return 'a time of day, e.g. TOD#12:30:00';
  if (t === 'DT' || t === 'DATE_AND_TIME') return 'a date and time, e.g. DT#2024-01-31-12:30:00';
  if (t === 'STRING') return 'the text';
  return 'a whole number (decimal, 16#FF or 2#1010)';
}

function initialText(v: LiveVariable['value']): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  return String(v);
}

/** The value's check before it leaves the UI: null when it fits, else the reason. */
export function checkValue(v: LiveVariable, size: number, text: string): string | null {
  if (text.trim() === '' && v.type.toUpperCase() !== 'STRING') return 'give the value to force';
  try {
    encodeValue(v.type, size, text, true);
    return null;
  } catch (err) {
    return err instanceof ValueError ? err.message : String(err);
  }
}

/**
 * Forcing a variable after a confirmation: the value is checked here, then by the agent; the PLC program then sees the
 * forced value instead of its own until it is released.
 */
export function ForceDialog({ name, variable, size, onDone, onCancel }: { name: string; variable: LiveVariable; size: number; onDone(text: string): void; onCancel(): void }) {
  const api = useApi();
  const [text, setText] = useState(initialText(variable.value));
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const problem = checkValue(variable, size, text);
    if (problem) return setError(problem);
    setBusy(true);
    const r = await api.call('plc:live-set', { name, path: variable.path, force: true, value: text, confirm: true });
    setBusy(false);
    if (!r.ok) return setError(errorText(r.error));
    onDone(r.value.message);
  };

  return (
    <div className="modal-backdrop" onKeyDown={(e) => e.key === 'Escape' && onCancel()}>
      <form role="dialog" aria-modal="true" aria-labelledby="force-title" className="modal" onSubmit={(e) => void submit(e)} noValidate>
        <h2 id="force-title">Force {variable.path}?</h2>
        <div className="modal-body">
          <p>
            <strong>{name}</strong>: the PLC program reads the forced value instead of its own, and outputs it drives follow it, until you release the variable.
          </p>
          <Field label={`Value (${variable.type})`} htmlFor="force-value" error={error} hint={valueHint(variable.type)}>
            <input id="force-value" ref={input} value={text} onChange={(e) => (setText(e.target.value), setError(undefined))} aria-invalid={!!error} aria-describedby={error ? 'force-value-error' : undefined} />
          </Field>
        </div>
        <div className="modal-actions">
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
          <button type="submit" className="danger" disabled={busy}>
            {busy ? 'Forcing…' : 'Force'}
          </button>
        </div>
      </form>
    </div>
  );
}
