import { useEffect, useRef, useState, type FormEvent } from 'react';
import { errorText } from '../../api/client';
import { ErrorBox, Field, Loading, MarkedFieldsNote } from '../../components/ui';
import { CreateProgress, type CreateProgressState } from './CreateProgress';
import { useApi, useApp } from '../../store/context';
import { checkDraft, emptyDraft, emptyVnic, ifaceLabel, ifaceNote, placeholders, randomMac, suggestIp, withParent, type Draft, type FieldErrors, type HostInterface, type VnicDraft } from './draft';
import { RefusedParents } from './RefusedParents';
import { useRuntimeImages } from '../images/useRuntimeImages';
import { portUses } from '../serial/devices';
import { SerialPortsSection } from '../serial/SerialPortFields';
import { useSerialInventory } from '../serial/useSerialInventory';
import { formField } from './edit-draft';
import { DedicatedNicField } from '../hostnic/DedicatedNicField';
import { wifiParentNote } from '../hostnic/host-nic';

type Progress = CreateProgressState;

/** `dedicated`: the port this form gives whole to the vPLC; it cannot also be a vNIC's parent. */
export function VnicFields({ i, v, ifaces, dedicated, errors, onChange, onRemove }: { i: number; v: VnicDraft; ifaces: HostInterface[]; dedicated?: string | undefined; errors: FieldErrors; onChange(v: VnicDraft): void; onRemove?: () => void }) {
  const id = (f: string): string => `vnic-${i}-${f}`;
  const err = (f: string): string | undefined => errors[`vnics.${i}.${f}`];
  const chosen = ifaces.find((x) => x.name === v.parentInterface);
  const note = ifaceNote(chosen);
  const wifiNote = wifiParentNote(chosen);
  const ph = placeholders(v, chosen);
  const gatewayHint = v.gateway.trim()
    ? undefined
    : chosen?.type === 'wifi'
      ? `Required on WiFi: the vNIC’s traffic is routed through this PC to its gateway.`
      : chosen?.gateway
        ? `Empty: ${chosen.gateway}, the gateway of ${chosen.name}, is used.`
        : 'Empty: no default route; the vPLC reaches this subnet only.';
  const describedBy = [note ? `${id('parentInterface')}-note` : '', wifiNote ? `${id('parentInterface')}-wifi` : ''].filter(Boolean).join(' ');
  const unusable = (x: HostInterface): boolean => !!x.policy_refusal || !!x.dedicated_to || (!!dedicated && x.name === dedicated);
  const input = (f: keyof VnicDraft, extra: { placeholder?: string; hint?: string; label: string }) => (
    <Field label={extra.label} htmlFor={id(f)} error={err(f)} {...(extra.hint ? { hint: extra.hint } : {})}>
      <input
        id={id(f)}
        value={v[f]}
        onChange={(e) => onChange({ ...v, [f]: e.target.value })}
        aria-invalid={!!err(f)}
        {...(err(f) ? { 'aria-describedby': `${id(f)}-error` } : {})}
        placeholder={extra.placeholder}
        spellCheck={false}
      />
    </Field>
  );
  return (
    <fieldset className="vnic">
      <legend>vNIC {i + 1}</legend>
      <Field label="Host interface" htmlFor={id('parentInterface')} error={err('parentInterface')} hint="The LAN port of this PC the vPLC appears on.">
        <select
          id={id('parentInterface')}
          value={v.parentInterface}
          onChange={(e) => onChange(withParent(v, ifaces.find((x) => x.name === e.target.value)))}
          aria-invalid={!!err('parentInterface')}
          {...(describedBy ? { 'aria-describedby': describedBy } : {})}
        >
          <option value="">Choose…</option>
          {ifaces.map((x) => (
            // A refused interface stays listed (with its reason below the list) but cannot be picked.
            <option key={x.name} value={x.name} disabled={unusable(x) && x.name !== v.parentInterface}>
              {`${ifaceLabel(x)}${dedicated && x.name === dedicated ? ' — given whole to this vPLC' : ''}`}
            </option>
          ))}
        </select>
      </Field>
      {note && !err('parentInterface') ? (
        <p id={`${id('parentInterface')}-note`} className={note.tone === 'error' ? 'field-error iface-note' : 'notice iface-note'}>
          {note.text}
        </p>
      ) : null}
      {wifiNote && !err('parentInterface') ? (
        <p id={`${id('parentInterface')}-wifi`} className="notice iface-note" role="note">
          {wifiNote}
        </p>
      ) : null}
      <div className="radio-row" role="radiogroup" aria-label={`Addressing of vNIC ${i + 1}`}>
        {(['dhcp', 'static'] as const).map((m) => (
          <label key={m}>
            <input type="radio" name={id('mode')} value={m} checked={v.mode === m} onChange={() => onChange({ ...v, mode: m, ip: m === 'static' && !v.ip ? suggestIp(v) : v.ip })} /> {m === 'dhcp' ? 'DHCP' : 'Static'}
          </label>
        ))}
      </div>
      <div className="grid-2 tight">
        {v.mode === 'static' ? input('ip', { label: 'IP address', placeholder: ph.ip }) : null}
        {input('subnet', { label: 'Subnet', placeholder: ph.subnet, hint: v.mode === 'dhcp' ? 'Optional with DHCP.' : 'Prefilled from the interface.' })}
        {input('gateway', { label: 'Gateway', placeholder: ph.gateway, ...(v.mode === 'static' && gatewayHint ? { hint: gatewayHint } : {}) })}
        {input('dns', { label: 'DNS servers', placeholder: ph.dns, hint: 'Optional, separated by commas.' })}
        <div className="with-button">
          {input('mac', { label: 'MAC address', placeholder: 'generated when empty' })}
          <button type="button" onClick={() => onChange({ ...v, mac: randomMac() })}>
            Generate
          </button>
        </div>
      </div>
      {onRemove ? (
        <button type="button" className="link danger-text" onClick={onRemove}>
          Remove vNIC {i + 1}
        </button>
      ) : null}
    </fieldset>
  );
}

/**
 * A create that failed on one field says so as `vnics[0].ip: …` or `serialPorts[0].deviceId: …` (the API's field
 * path): that field of the form is marked with the reason, keyed like the form's own checks (`vnics.0.ip`).
 */
export function fieldOfReason(reason: string, dedicatedInterface?: string): { key: string; message: string } | null {
  const m = /^(?:Validation error: )?((?:name|runtimeVersion|dedicatedInterface|(?:vnics|serialPorts)\[\d+\]\.[A-Za-z]+|serial_configs\[\d+\]\.[a-z_]+)): (.+)$/s.exec(reason);
  if (m?.[1] && m[2]) return { key: formField(m[1]), message: m[2] };
  // A create that failed validating its dedicated port says so in the protocol's words, without a field name
  // (`Interface 'enp4s0' not found on host. …`; docs/host-nics.md "Checks at create"): the port names the field.
  const port = /^Interface '([^']+)' /.exec(reason)?.[1];
  if (port !== undefined && port === dedicatedInterface?.trim()) return { key: 'dedicatedInterface', message: reason };
  return null;
}

export function CreateVplc() {
  const api = useApi();
  const interfaces = useApp((s) => s.interfaces);
  const vplcs = useApp((s) => s.vplcs);
  const refreshInterfaces = useApp((s) => s.refreshInterfaces);
  const refreshVplcs = useApp((s) => s.refreshVplcs);
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [formError, setFormError] = useState<string>();
  const [submitting, setSubmitting] = useState(false);
  const [progress, setProgress] = useState<Progress>();
  const firstError = useRef<string | null>(null);
  const ifaces = interfaces.data ?? [];
  const runtimeImages = useRuntimeImages();
  const localTags = [...new Set((runtimeImages.images ?? []).map((i) => i.tag))];
  const serial = useSerialInventory();

  useEffect(() => void refreshInterfaces(), [refreshInterfaces]);
  useEffect(() => {
    if (!firstError.current) return;
    document.getElementById(firstError.current)?.focus();
    firstError.current = null;
  }, [errors]);

  // Follows the creation: status polls plus vplc:changed events (the agent reports each step).
  useEffect(() => {
    if (!progress || progress.done || progress.error) return;
    const name = progress.name;
    let live = true;
    const poll = (): void =>
      void api.call('vplc:status', { name }).then((r) => {
        if (!live || !r.ok) return;
        const s = r.value;
        if (s.status === 'creating') setProgress((p) => p && { ...p, step: s.step ?? p.step, ...(s.pull_progress ? { pull: s.pull_progress } : {}) });
        else if (s.status === 'success') {
          setProgress((p) => p && { ...p, done: true, problems: s.orchestrator_state?.create_problems ?? [] });
          void refreshVplcs();
        } else if (s.status === 'error') setProgress((p) => p && { ...p, error: s.error ?? s.message ?? 'creation failed' });
      });
    const off = api.on('vplc:changed', (e) => {
      if (e.name === name) poll();
    });
    poll();
    const t = setInterval(poll, 1_000);
    return () => {
      live = false;
      off();
      clearInterval(t);
    };
  }, [api, progress, refreshVplcs]);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setFormError(undefined);
    const checked = checkDraft(draft, ifaces, (vplcs.data ?? []).map((v) => v.name));
    setErrors(checked.errors);
    if (!checked.spec) {
      const first = Object.keys(checked.errors)[0] ?? '';
      firstError.current = first === 'name' ? 'vplc-name' : first === 'runtimeVersion' ? 'runtime-version' : first === 'dedicatedInterface' ? 'dedicated-interface' : first.replace(/^vnics\.(\d+)\.(.+)$/, 'vnic-$1-$2').replace(/^serialPorts\.(\d+)\.(.+)$/, 'serial-$1-$2');
      return;
    }
    setSubmitting(true);
    const r = await api.call('vplc:create', checked.spec);
    setSubmitting(false);
    if (!r.ok) {
      if (r.error.field) setErrors({ [formField(r.error.field)]: r.error.message.replace(/^Validation error: /, '').replace(`${r.error.field}: `, '') });
      setFormError(errorText(r.error));
      return;
    }
    setProgress({ name: checked.spec.name, step: 'validating_config', done: false, dhcp: checked.spec.vnics?.some((v) => v.mode === 'dhcp') ?? false });
  };

  const setVnic = (i: number, v: VnicDraft): void => setDraft((d) => ({ ...d, vnics: d.vnics.map((x, j) => (j === i ? v : x)) }));
  if (progress) {
    return (
      <div className="page">
        <header className="page-head">
          <h1 tabIndex={-1}>Create vPLC</h1>
        </header>
        <CreateProgress p={progress} />
        {progress.error ? (
          <button
            type="button"
            className="primary"
            onClick={() => {
              // Back to the form as the user left it, the agent's reason on top: fix one field, submit again.
              const reason = progress.error ?? 'creation failed';
              const onField = fieldOfReason(reason, draft.dedicatedInterface);
              if (onField) setErrors({ [onField.key]: onField.message });
              setFormError(`${progress.name} was not created: ${onField ? onField.message : reason}`);
              setProgress(undefined);
              void refreshVplcs();
            }}
          >
            Back to the form
          </button>
        ) : null}
        {progress.done ? (
          <button
            type="button"
            onClick={() => {
              setProgress(undefined);
              setDraft(emptyDraft());
            }}
          >
            Create another
          </button>
        ) : null}
      </div>
    );
  }
  return (
    <div className="page">
      <header className="page-head">
        <h1 tabIndex={-1}>Create vPLC</h1>
      </header>
      <form className="card" onSubmit={(e) => void submit(e)} noValidate aria-label="Create vPLC">
        <div className="grid-2 tight">
          <Field label="Name" htmlFor="vplc-name" error={errors['name']} hint="Letters, digits, '_', '.', '-'; also the container's name.">
            <input id="vplc-name" value={draft.name} onChange={(e) => setDraft({ ...draft, name: e.target.value })} aria-invalid={!!errors['name']} autoComplete="off" spellCheck={false} />
          </Field>
          <Field label="Runtime version" htmlFor="runtime-version" error={errors['runtimeVersion']} hint={localTags.length ? `Image tag of the OpenPLC runtime; on this PC: ${localTags.join(', ')}.` : 'Image tag of the OpenPLC runtime.'}>
            <input id="runtime-version" list="runtime-tags" value={draft.runtimeVersion} onChange={(e) => setDraft({ ...draft, runtimeVersion: e.target.value })} aria-invalid={!!errors['runtimeVersion']} spellCheck={false} />
          </Field>
          <datalist id="runtime-tags">
            {localTags.map((t) => (
              <option key={t} value={t} />
            ))}
          </datalist>
        </div>
        {interfaces.loading && !interfaces.data ? <Loading what="host interfaces" /> : null}
        {interfaces.error ? <ErrorBox onRetry={() => void refreshInterfaces()}>Host interfaces are not available: {interfaces.error}</ErrorBox> : null}
        {interfaces.data && ifaces.length === 0 ? <ErrorBox>No Ethernet or WiFi interface is up on this PC; a vPLC can still run without vNICs, reachable from this PC only.</ErrorBox> : null}
        <RefusedParents ifaces={ifaces} />
        {draft.vnics.map((v, i) => (
          <VnicFields key={i} i={i} v={v} ifaces={ifaces} dedicated={draft.dedicatedInterface} errors={errors} onChange={(nv) => setVnic(i, nv)} onRemove={() => setDraft((d) => ({ ...d, vnics: d.vnics.filter((_, j) => j !== i) }))} />
        ))}
        <button type="button" onClick={() => setDraft((d) => ({ ...d, vnics: [...d.vnics, emptyVnic()] }))} disabled={draft.vnics.length >= 8}>
          Add vNIC
        </button>
        {interfaces.data ? (
          <DedicatedNicField value={draft.dedicatedInterface ?? ''} ifaces={ifaces} vnicParents={draft.vnics.map((v) => v.parentInterface).filter(Boolean)} error={errors['dedicatedInterface']} onChange={(dedicatedInterface) => setDraft((d) => ({ ...d, dedicatedInterface }))} />
        ) : null}
        <SerialPortsSection ports={draft.serialPorts} inv={serial.inventory} invError={serial.error} others={portUses(vplcs.data ?? [])} errors={errors} onChange={(serialPorts) => setDraft((d) => ({ ...d, serialPorts }))} />
        {formError ? <ErrorBox>{formError}</ErrorBox> : null}
        <MarkedFieldsNote errors={errors} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={submitting}>
            {submitting ? 'Creating…' : 'Create vPLC'}
          </button>
        </div>
      </form>
    </div>
  );
}
