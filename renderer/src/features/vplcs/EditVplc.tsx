import { useEffect, useState, type FormEvent } from 'react';
import type { Output } from '../../../../shared/api/contract';
import type { VplcSpec } from '../../../../shared/domain/vplc';
import { errorText } from '../../api/client';
import { ConfirmDialog, ErrorBox, Field, Loading, MarkedFieldsNote } from '../../components/ui';
import { useApi, useApp } from '../../store/context';
import { routeHash } from '../../store/route';
import { VnicFields } from './CreateVplc';
import type { FieldErrors, VnicDraft } from './draft';
import { portUses } from '../serial/devices';
import { SerialPortsSection } from '../serial/SerialPortFields';
import { useSerialInventory } from '../serial/useSerialInventory';
import { DedicatedNicReadOnly } from '../hostnic/DedicatedNicField';
import { diffLines, draftOf, editedSpec, formField, type EditDraft, type Prefilled } from './edit-draft';

type Loaded = { stored: VplcSpec; pending: string[]; edit: EditDraft; prefilled: Prefilled };
type Stage = { kind: 'form' } | { kind: 'review'; spec: VplcSpec; diff: string[] } | { kind: 'saved'; result: Output<'vplc:edit'> };

/** Edit a vPLC: the stored spec in the create form's fields plus quotas, the diff shown before saving, then when it applies. */
export function EditVplc({ name }: { name: string }) {
  const api = useApi();
  const interfaces = useApp((s) => s.interfaces);
  const refreshInterfaces = useApp((s) => s.refreshInterfaces);
  const [loaded, setLoaded] = useState<Loaded>();
  const [loadError, setLoadError] = useState<string>();
  const [edit, setEdit] = useState<EditDraft>();
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [stage, setStage] = useState<Stage>({ kind: 'form' });
  const [busy, setBusy] = useState(false);
  const [confirmApply, setConfirmApply] = useState(false);
  const [applied, setApplied] = useState<{ ok: boolean; text: string }>();
  const ifaces = interfaces.data;
  const vplcs = useApp((s) => s.vplcs);
  const serial = useSerialInventory();

  useEffect(() => void refreshInterfaces(), [refreshInterfaces]);
  useEffect(() => {
    if (!ifaces || loaded) return;
    // A refresh of the interfaces while the spec is on its way asks again: only the last answer fills the form, so an
    // earlier one cannot show the form and a later one then overwrite what the user typed in it.
    let current = true;
    void api.call('vplc:spec', { name }).then((r) => {
      if (!current) return;
      if (!r.ok) return setLoadError(errorText(r.error));
      const d = draftOf(r.value.spec, ifaces);
      setLoaded({ stored: r.value.spec, pending: r.value.pending, ...d });
      setEdit(d.edit);
    });
    return () => {
      current = false;
    };
  }, [api, name, ifaces, loaded]);

  if (loadError) return <ErrorBox>{`The stored spec of ${name} could not be read: ${loadError}`}</ErrorBox>;
  if (!loaded || !edit || !ifaces) return <Loading what={`the spec of ${name}`} />;

  const review = (e: FormEvent): void => {
    e.preventDefault();
    setFormError(undefined);
    const r = editedSpec(loaded.stored, edit, ifaces, loaded.prefilled);
    setErrors(r.errors);
    if (r.spec) setStage({ kind: 'review', spec: r.spec, diff: diffLines(loaded.stored, r.spec) });
  };
  const save = async (spec: VplcSpec): Promise<void> => {
    setBusy(true);
    const r = await api.call('vplc:edit', { name, spec });
    setBusy(false);
    if (r.ok) return setStage({ kind: 'saved', result: r.value });
    if (r.error.field) setErrors({ [formField(r.error.field)]: r.error.message.replace(/^Validation error: /, '').replace(`${r.error.field}: `, '') });
    setFormError(errorText(r.error));
    setStage({ kind: 'form' });
  };
  const apply = async (): Promise<void> => {
    setConfirmApply(false);
    setBusy(true);
    const r = await api.call('vplc:apply', { name, confirm: true });
    setBusy(false);
    setApplied(r.ok ? { ok: true, text: r.value.message } : { ok: false, text: errorText(r.error) });
  };
  const setVnic = (i: number, v: VnicDraft): void => setEdit({ ...edit, draft: { ...edit.draft, vnics: edit.draft.vnics.map((x, j) => (j === i ? v : x)) } });

  return (
    <div className="page">
      <header className="page-head">
        <div>
          <a href={routeHash('vplc', name)}>← {name}</a>
          <h1 tabIndex={-1}>Edit {name}</h1>
        </div>
      </header>
      {loaded.pending.length ? (
        <p className="notice" role="status">
          Pending already: {loaded.pending.join('; ')}
        </p>
      ) : null}
      {stage.kind === 'form' ? (
        <form className="card" onSubmit={review} noValidate aria-label={`Edit ${name}`}>
          <div className="grid-2 tight">
            <Field label="Runtime version" htmlFor="runtime-version" error={errors['runtimeVersion']} hint="Image tag of the OpenPLC runtime; a change recreates the container.">
              <input id="runtime-version" value={edit.draft.runtimeVersion} onChange={(e) => setEdit({ ...edit, draft: { ...edit.draft, runtimeVersion: e.target.value } })} aria-invalid={!!errors['runtimeVersion']} spellCheck={false} />
            </Field>
            <Field label="CPU share" htmlFor="quota-cpus" error={errors['quotas.cpus']} hint="Empty: unlimited.">
              <input id="quota-cpus" inputMode="decimal" value={edit.cpus} onChange={(e) => setEdit({ ...edit, cpus: e.target.value })} aria-invalid={!!errors['quotas.cpus']} />
            </Field>
            <Field label="Memory (MB)" htmlFor="quota-memory" error={errors['quotas.memoryMb']} hint="Empty: unlimited.">
              <input id="quota-memory" inputMode="numeric" value={edit.memoryMb} onChange={(e) => setEdit({ ...edit, memoryMb: e.target.value })} aria-invalid={!!errors['quotas.memoryMb']} />
            </Field>
          </div>
          {edit.draft.vnics.map((v, i) => (
            <VnicFields key={i} i={i} v={v} ifaces={ifaces} dedicated={loaded.stored.dedicatedInterface} errors={errors} onChange={(nv) => setVnic(i, nv)} />
          ))}
          <DedicatedNicReadOnly value={loaded.stored.dedicatedInterface} error={errors['dedicatedInterface']} />
          <SerialPortsSection
            editing
            ports={edit.draft.serialPorts}
            inv={serial.inventory}
            invError={serial.error}
            others={portUses((vplcs.data ?? []).filter((v) => v.name !== name))}
            errors={errors}
            onChange={(serialPorts) => setEdit({ ...edit, draft: { ...edit.draft, serialPorts } })}
          />
          {formError ? <ErrorBox>{formError}</ErrorBox> : null}
          <MarkedFieldsNote errors={errors} />
          <div className="form-actions">
            <button type="submit" className="primary">
              Review changes
            </button>
          </div>
        </form>
      ) : null}
      {stage.kind === 'review' ? (
        <section className="card" aria-labelledby="diff-h">
          <h2 id="diff-h">Changes to save</h2>
          {stage.diff.length ? (
            <ul className="diff" aria-label="Changes">
              {stage.diff.map((d) => (
                <li key={d} className="mono">
                  {d}
                </li>
              ))}
            </ul>
          ) : (
            <p>Nothing changed.</p>
          )}
          {stage.diff.some((d) => d.startsWith('serialPorts')) ? (
            <p className="notice" role="note">
              If {name} is running, the serial port change waits for its change window: it is saved as pending until you apply it or {name} stops.
            </p>
          ) : null}
          <div className="form-actions">
            <button type="button" onClick={() => setStage({ kind: 'form' })} disabled={busy}>
              Back to the form
            </button>
            <button type="button" className="primary" onClick={() => void save(stage.spec)} disabled={busy || stage.diff.length === 0}>
              {busy ? 'Saving…' : 'Save'}
            </button>
          </div>
        </section>
      ) : null}
      {stage.kind === 'saved' ? (
        <section className="card" aria-labelledby="saved-h">
          <h2 id="saved-h">{stage.result.applies === 'change-window' ? 'Pending change' : stage.result.applies === 'now' ? 'Applied' : 'Nothing to change'}</h2>
          <p role="status">{stage.result.message}</p>
          <ul className="diff" aria-label="Saved changes">
            {stage.result.diff.map((d) => (
              <li key={d} className="mono">
                {d}
              </li>
            ))}
          </ul>
          {applied ? <p className={applied.ok ? 'notice' : 'state state-error'} role={applied.ok ? 'status' : 'alert'}>{applied.text}</p> : null}
          <div className="form-actions">
            <a href={routeHash('vplc', name)}>Back to {name}</a>
            {stage.result.applies === 'change-window' && !applied?.ok ? (
              <button type="button" className="primary" onClick={() => setConfirmApply(true)} disabled={busy}>
                Apply now
              </button>
            ) : null}
          </div>
        </section>
      ) : null}
      {confirmApply ? (
        <ConfirmDialog title="Apply the change now?" confirmLabel="Apply now" danger onConfirm={() => void apply()} onCancel={() => setConfirmApply(false)}>
          <p>
            <strong>{name}</strong> is recreated from its new spec: the PLC stops for a few seconds and restarts with the same MACs.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
