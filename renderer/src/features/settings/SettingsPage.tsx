import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { Output } from '../../../../shared/api/contract';
import { errorText } from '../../api/client';
import { ErrorBox, Field, Loading } from '../../components/ui';
import { useApi } from '../../store/context';
import { PlantSafety } from './PlantSafety';

type Form = { cloudEnabled: boolean; cloudUrl: string; allowRemoteRemoval: boolean; autostart: boolean; quitOnClose: boolean; logLevel: 'debug' | 'info' | 'warn' | 'error'; runtimeRepo: string };
const IMAGE_RE = /^[a-z0-9]+([._-][a-z0-9]+)*(\.[a-z0-9-]+)*(:[0-9]+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

export function SettingsPage() {
  const api = useApi();
  const [loaded, setLoaded] = useState<Output<'settings:get'>>();
  const [loadError, setLoadError] = useState<string>();
  const [form, setForm] = useState<Form>();
  const [errors, setErrors] = useState<Partial<Record<keyof Form, string>>>({});
  const [saved, setSaved] = useState<string>();
  const [saveError, setSaveError] = useState<string>();
  const load = useCallback((): void => {
    void api.call('settings:get', {}).then((r) => {
      if (!r.ok) return setLoadError(errorText(r.error));
      const s = r.value.settings;
      setLoaded(r.value);
      setForm({ cloudEnabled: s.cloud.enabled, cloudUrl: s.cloud.url, allowRemoteRemoval: s.cloud.allowRemoteRemoval, autostart: s.desktop.autostart, quitOnClose: s.desktop.quitOnClose, logLevel: s.agent.logLevel, runtimeRepo: s.orchestrator.runtimeRepo });
    });
  }, [api]);
  useEffect(load, [load]);
  if (loadError) return <ErrorBox onRetry={load}>{loadError}</ErrorBox>;
  if (!form || !loaded) return <Loading what="settings" />;
  const set = <K extends keyof Form>(k: K, v: Form[K]): void => {
    setForm({ ...form, [k]: v });
    setSaved(undefined);
  };
  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    const errs: typeof errors = {};
    try {
      if (new URL(form.cloudUrl).protocol !== 'https:') throw new Error();
    } catch {
      errs.cloudUrl = 'Give the cloud address as https://host:port.';
    }
    if (!IMAGE_RE.test(form.runtimeRepo)) errs.runtimeRepo = 'An image repository such as ghcr.io/autonomy-logic/openplc-runtime (no tag).';
    setErrors(errs);
    if (Object.keys(errs).length) return;
    const r = await api.call('settings:set', {
      cloud: { enabled: form.cloudEnabled, url: form.cloudUrl, allowRemoteRemoval: form.allowRemoteRemoval },
      agent: { logLevel: form.logLevel },
      orchestrator: { runtimeRepo: form.runtimeRepo },
      desktop: { autostart: form.autostart, quitOnClose: form.quitOnClose },
    });
    if (!r.ok) return setSaveError(errorText(r.error));
    setSaveError(undefined);
    setSaved(r.value.restartNeeded ? 'Saved. Some changes take effect when the agent restarts (tray → Stop agent, then Start agent).' : 'Saved.');
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
          <label className="check">
            <input type="checkbox" checked={form.cloudEnabled} onChange={(e) => set('cloudEnabled', e.target.checked)} /> Link this PC to the cloud (off: local-only mode)
          </label>
          <Field label="Cloud URL" htmlFor="cloud-url" error={errors.cloudUrl}>
            <input id="cloud-url" type="url" value={form.cloudUrl} onChange={(e) => set('cloudUrl', e.target.value)} aria-invalid={!!errors.cloudUrl} />
          </Field>
          <label className="check">
            <input type="checkbox" checked={form.allowRemoteRemoval} onChange={(e) => set('allowRemoteRemoval', e.target.checked)} /> Allow the cloud to remove this orchestrator
          </label>
        </fieldset>
        <fieldset>
          <legend>Agent</legend>
          <Field label="Log level" htmlFor="log-level">
            <select id="log-level" value={form.logLevel} onChange={(e) => set('logLevel', e.target.value as Form['logLevel'])}>
              {(['debug', 'info', 'warn', 'error'] as const).map((l) => (
                <option key={l}>{l}</option>
              ))}
            </select>
          </Field>
          <Field label="Runtime image" htmlFor="runtime-repo" error={errors.runtimeRepo} hint="Used for new vPLCs; the version is chosen per vPLC.">
            <input id="runtime-repo" value={form.runtimeRepo} onChange={(e) => set('runtimeRepo', e.target.value)} aria-invalid={!!errors.runtimeRepo} spellCheck={false} />
          </Field>
        </fieldset>
        <fieldset>
          <legend>Desktop</legend>
          <label className="check">
            <input type="checkbox" checked={form.autostart} onChange={(e) => set('autostart', e.target.checked)} /> Open the app when I log in
          </label>
          <label className="check">
            <input type="checkbox" checked={form.quitOnClose} onChange={(e) => set('quitOnClose', e.target.checked)} /> Closing the window quits the app (vPLCs keep running either way)
          </label>
        </fieldset>
        {saveError ? <ErrorBox>{saveError}</ErrorBox> : null}
        {saved ? <p role="status">{saved}</p> : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={!loaded.writable}>
            Save
          </button>
        </div>
      </form>
      <PlantSafety settings={loaded.settings} />
    </div>
  );
}
