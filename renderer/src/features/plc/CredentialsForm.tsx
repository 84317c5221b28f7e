import { useState, type FormEvent } from 'react';
import { RuntimeCredentialsInput } from '../../../../shared/domain/plc';
import { errorText } from '../../api/client';
import { ActionResult, Field, MarkedFieldsNote } from '../../components/ui';
import { useApi } from '../../store/context';

type Mode = 'set' | 'create';
type Errors = Partial<Record<'username' | 'password', string>>;

const TEXT: Record<Mode, { label: string; busy: string; submit: string }> = {
  set: { label: 'Runtime credentials', busy: 'Checking…', submit: 'Save credentials' },
  create: { label: "Create the runtime's first user", busy: 'Creating…', submit: 'Create user' },
};

/**
 * The runtime's user name and password for one vPLC (docs/plc.md "Credentials"), or the runtime's first user. The
 * password lives only in this form's state until it is sent, and is cleared whatever the answer.
 */
export function CredentialsForm({ name, mode, onDone }: { name: string; mode: Mode; onDone(outcome: { ok: boolean; text: string }): void }) {
  const api = useApi();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const id = (f: keyof Errors): string => `plc-${mode}-${f}`;

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setResult(null);
    const checked = RuntimeCredentialsInput.safeParse({ username, password });
    if (!checked.success) {
      const found: Errors = {};
      for (const i of checked.error.issues) {
        const f = i.path[0];
        if ((f === 'username' || f === 'password') && !found[f]) found[f] = i.message;
      }
      return setErrors(found);
    }
    setErrors({});
    setBusy(true);
    const input = { name, ...checked.data };
    const r = mode === 'set' ? await api.call('plc:set-credentials', input) : await api.call('plc:create-user', input);
    setBusy(false);
    setPassword('');
    if (!r.ok) {
      const f = r.error.field;
      if (f === 'username' || f === 'password') setErrors({ [f]: r.error.message });
      else setResult({ ok: false, text: errorText(r.error) });
      return;
    }
    setUsername('');
    // The card may swap this form out once the status changes, so it shows the outcome itself.
    onDone(
      r.value.outcome === 'verified'
        ? { ok: true, text: r.value.message }
        : { ok: true, text: `Saved but not checked: the runtime did not answer, so they are tried at its next answer. ${r.value.message}` },
    );
  };

  const input = (f: keyof Errors) => ({ id: id(f), 'aria-invalid': !!errors[f], ...(errors[f] ? { 'aria-describedby': `${id(f)}-error` } : {}) });
  return (
    <form onSubmit={(e) => void submit(e)} aria-label={TEXT[mode].label} noValidate>
      <div className="grid-2 tight">
        <Field label="User name" htmlFor={id('username')} error={errors.username}>
          <input {...input('username')} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" spellCheck={false} disabled={busy} />
        </Field>
        <Field label="Password" htmlFor={id('password')} error={errors.password}>
          <input {...input('password')} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete={mode === 'create' ? 'new-password' : 'off'} disabled={busy} />
        </Field>
      </div>
      <MarkedFieldsNote errors={errors} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? TEXT[mode].busy : TEXT[mode].submit}
        </button>
      </div>
      <ActionResult result={result} />
    </form>
  );
}
