import { useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import type { CallInput } from '../../api/client';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { ErrorBox, Field, Loading } from '../../components/ui';
import { useApi, useApp } from '../../store/context';
import { isOverridden, savedMessage, valueText, type EffectiveSetting } from './effective';
import { EffectiveSettings } from './EffectiveSettings';
import { PlantSafety } from './PlantSafety';

type Form = { cloudEnabled: boolean; cloudUrl: string; allowRemoteRemoval: boolean; autostart: boolean; quitOnClose: boolean; logLevel: 'debug' | 'info' | 'warn' | 'error'; runtimeRepo: string };
type AgentField = 'cloudEnabled' | 'cloudUrl' | 'allowRemoteRemoval' | 'logLevel' | 'runtimeRepo';
/** The settings-file key of each field the agent reads at start (desktop preferences apply at once). */
const KEY: Record<AgentField, string> = { cloudEnabled: 'cloud.enabled', cloudUrl: 'cloud.url', allowRemoteRemoval: 'cloud.allowRemoteRemoval', logLevel: 'agent.logLevel', runtimeRepo: 'orchestrator.runtimeRepo' };
const IMAGE_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
type Loaded = Output<'settings:get'>;

function fileForm(s: Loaded['settings']): Form {
  return { cloudEnabled: s.cloud.enabled, cloudUrl: s.cloud.url, allowRemoteRemoval: s.cloud.allowRemoteRemoval, autostart: s.desktop.autostart, quitOnClose: s.desktop.quitOnClose, logLevel: s.agent.logLevel, runtimeRepo: s.orchestrator.runtimeRepo };
}

/** The form starts from the file, except where a flag or variable decides: there it shows what the agent runs with. */
function initialForm(l: Loaded, eff: (f: AgentField) => EffectiveSetting | undefined): Form {
  const form = fileForm(l.settings);
  for (const f of Object.keys(KEY) as AgentField[]) {
    const e = eff(f);
    if (isOverridden(e) && e.value !== null) Object.assign(form, { [f]: e.value });
  }
  return form;
}

/** Where a field's value comes from, and when a saved value differs from what the agent runs with. */
function sourceNote(e: EffectiveSetting | undefined, fileValue: Form[AgentField]): string | undefined {
  if (!e) return undefined;
  if (isOverridden(e)) return `Set by ${e.via}; read-only here. The settings file's value (${valueText(fileValue)}) applies once ${e.via} is no longer given.`;
  if (e.value !== fileValue) return `Saved as ${valueText(fileValue)}; the agent runs with ${valueText(e.value)} until it restarts.`;
  return e.source === 'file' ? 'From the settings file.' : 'Default.';
}

function Check({ id, label, checked, readOnly, note, onChange }: { id: string; label: ReactNode; checked: boolean; readOnly?: boolean; note: string | undefined; onChange(v: boolean): void }) {
  return (
    <div className="field">
      <label className="check">
        <input id={id} type="checkbox" checked={checked} disabled={readOnly} onChange={(e) => onChange(e.target.checked)} aria-describedby={note ? `${id}-note` : undefined} /> {label}
      </label>
      {note ? (
        <p className="field-hint" id={`${id}-note`}>
          {note}
        </p>
      ) : null}
    </div>
  );
}

export function SettingsPage() {
  const api = useApi();
  const mode = useApp((s) => s.status.data?.mode);
  const refreshStatus = useApp((s) => s.refreshStatus);
  const [loaded, setLoaded] = useState<Loaded>();
  const [loadError, setLoadError] = useState<string>();
  const [form, setForm] = useState<Form>();
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [saved, setSaved] = useState<string>();
  const [saveError, setSaveError] = useState<string>();
  const load = useCallback((): void => {
    void api.call('settings:get', {}).then((r) => {
      if (!r.ok) return setLoadError(errorText(r.error));
      setLoaded(r.value);
      setForm(initialForm(r.value, (f) => r.value.effective.find((e) => e.key === KEY[f])));
    });
  }, [api]);
  useEffect(load, [load]);
  useEffect(() => {
    if (mode === undefined) void refreshStatus();
  }, [mode, refreshStatus]);
  if (loadError) return <ErrorBox onRetry={load}>{loadError}</ErrorBox>;
  if (!form || !loaded) return <Loading what="settings" />;
  const file = fileForm(loaded.settings);
  const eff = (f: AgentField): EffectiveSetting | undefined => loaded.effective.find((e) => e.key === KEY[f]);
  const locked = (f: AgentField): boolean => isOverridden(eff(f));
  const note = (f: AgentField): string | undefined => sourceNote(eff(f), file[f]);
  const set = <K extends keyof Form>(k: K, v: Form[K]): void => {
    setForm({ ...form, [k]: v });
    setSaved(undefined);
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const errs: typeof errors = {};
    if (!locked('cloudUrl')) {
      try {
        if (new URL(form.cloudUrl).protocol !== 'https:') throw new Error();
      } catch {
        errs.cloudUrl = 'Give the cloud address as https://host:port.';
      }
    }
    if (!locked('runtimeRepo') && !IMAGE_RE.test(form.runtimeRepo)) errs.runtimeRepo = 'An image repository such as ghcr.io/autonomy-logic/openplc-runtime (no tag).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    // Save writes the file only, and never a value a flag or variable decides.
    const patch: CallInput<'settings:set'> = {
      cloud: { ...(locked('cloudEnabled') ? {} : { enabled: form.cloudEnabled }), ...(locked('cloudUrl') ? {} : { url: form.cloudUrl }), allowRemoteRemoval: form.allowRemoteRemoval },
      ...(locked('logLevel') ? {} : { agent: { logLevel: form.logLevel } }),
      ...(locked('runtimeRepo') ? {} : { orchestrator: { runtimeRepo: form.runtimeRepo } }),
      desktop: { autostart: form.autostart, quitOnClose: form.quitOnClose },
    };
    const r = await api.call('settings:set', patch);
    if (!r.ok) return setSaveError(errorText(r.error));
    setSaveError(undefined);
    setLoaded({ ...loaded, settings: r.value.settings });
    setSaved(savedMessage(r.value, api.kind, mode ?? 'own'));
  };
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Settings</h1>
      </header>
      {!loaded.writable ? <ErrorBox>The settings file is read-only for this user; changes cannot be saved here.</ErrorBox> : null}
      {loaded.warnings.map((w) => (
        <p key={w} className="notice">
          {w}
        </p>
      ))}
      <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-label="Settings">
        <fieldset>
          <legend>Cloud</legend>
          <Check id="cloud-enabled" label="Link this PC to the cloud (off: local-only mode)" checked={form.cloudEnabled} readOnly={locked('cloudEnabled')} note={note('cloudEnabled')} onChange={(v) => set('cloudEnabled', v)} />
          <Field label="Cloud URL" htmlFor="cloud-url" error={errors.cloudUrl} hint={note('cloudUrl')}>
            <input id="cloud-url" type="url" value={form.cloudUrl} readOnly={locked('cloudUrl')} onChange={(e) => set('cloudUrl', e.target.value)} aria-invalid={!!errors.cloudUrl} />
          </Field>
          <Check id="allow-removal" label="Allow the cloud to remove this orchestrator" checked={form.allowRemoteRemoval} note={note('allowRemoteRemoval')} onChange={(v) => set('allowRemoteRemoval', v)} />
        </fieldset>
        <fieldset>
          <legend>Agent</legend>
          <Field label="Log level" htmlFor="log-level" hint={note('logLevel')}>
            <select id="log-level" value={form.logLevel} disabled={locked('logLevel')} onChange={(e) => set('logLevel', e.target.value as Form['logLevel'])}>
              {(['debug', 'info', 'warn', 'error'] as const).map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </Field>
          <Field label="Runtime image" htmlFor="runtime-repo" error={errors.runtimeRepo} hint={[note('runtimeRepo'), 'Used for new vPLCs; the version is chosen per vPLC.'].filter(Boolean).join(' ')}>
            <input id="runtime-repo" value={form.runtimeRepo} readOnly={locked('runtimeRepo')} onChange={(e) => set('runtimeRepo', e.target.value)} aria-invalid={!!errors.runtimeRepo} spellCheck={false} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Desktop</legend>
          <Check id="autostart" label="Open the app when I log in" checked={form.autostart} note={undefined} onChange={(v) => set('autostart', v)} />
          <Check id="quit-on-close" label="Closing the window quits the app (vPLCs keep running either way)" checked={form.quitOnClose} note={undefined} onChange={(v) => set('quitOnClose', v)} />
        </fieldset>
        {saveError ? <ErrorBox>{saveError}</ErrorBox> : null}
        {saved ? <p role="status">{saved}</p> : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!loaded.writable}>
            Save
          </button>
        </div>
      </form>
      <EffectiveSettings effective={loaded.effective} />
      <PlantSafety settings={loaded.settings} />
    </div>
  );
}
