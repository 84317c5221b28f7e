import type { HostInterfaceView } from '../../../../shared/domain/host';
import { Field } from '../../components/ui';
import { dedicatedChoices } from './host-nic';

const WHY =
  'For a raw-frame fieldbus such as EtherCAT, whose master needs the network card itself. The port leaves this PC while the vPLC runs (it comes back when the vPLC stops or is deleted), so nothing else on this PC can use it meanwhile.';

/**
 * "Give this Ethernet port to the vPLC" in the create form (docs/host-nics.md): every host interface, the ones that
 * cannot be given (WiFi, already dedicated, the uplink, a parent of one of the form's vNICs, refused by the parent
 * policy) listed but disabled with the reason. The agent's refusal of the field shows at the field.
 */
export function DedicatedNicField({ value, ifaces, vnicParents, error, onChange }: { value: string; ifaces: readonly HostInterfaceView[]; vnicParents: readonly string[]; error: string | undefined; onChange(name: string): void }) {
  const choices = dedicatedChoices(ifaces, vnicParents);
  const disabled = choices.filter((c) => c.disabledWhy);
  return (
    <fieldset className="dedicated-nic">
      <legend>Dedicated Ethernet port</legend>
      <Field label="Give this Ethernet port to the vPLC" htmlFor="dedicated-interface" error={error} hint={WHY}>
        <select id="dedicated-interface" value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={!!error} {...(error ? { 'aria-describedby': 'dedicated-interface-error' } : {})}>
          <option value="">None</option>
          {choices.map((c) => (
            // An unusable port stays listed with its reason, so the user sees why it is not offered.
            <option key={c.name} value={c.name} disabled={!!c.disabledWhy && c.name !== value}>
              {c.label}
            </option>
          ))}
        </select>
      </Field>
      {disabled.length > 0 && choices.length === disabled.length ? <p className="muted small">No port of this PC can be given to a vPLC now.</p> : null}
    </fieldset>
  );
}

/** The edit form's view of the dedicated port: shown, not editable (an edit cannot move a port in or out). */
export function DedicatedNicReadOnly({ value, error }: { value: string | undefined; error?: string | undefined }) {
  return (
    <fieldset className="dedicated-nic">
      <legend>Dedicated Ethernet port</legend>
      <p id="dedicated-interface-ro">
        {value ? (
          <>
            <span className="mono">{value}</span> is given to this vPLC.
          </>
        ) : (
          'None.'
        )}{' '}
        <span className="muted small">An edit cannot change the dedicated port: to give another port, or none, delete the vPLC and create it again.</span>
      </p>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </fieldset>
  );
}
