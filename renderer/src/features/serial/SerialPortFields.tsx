import type { SerialInventory } from '../../../../shared/domain/serial';
import { ErrorBox, Field } from '../../components/ui';
import { deviceDescription, matchDevice, nodesOf, usesOf, type HostSerialNode, type PortUse } from './devices';
import { COMMON_BAUD_RATES, newSerialPort, serialFieldId, type SerialPortDraft } from './serial-draft';

type FieldErrors = Record<string, string>;

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

const usedByText = (uses: readonly PortUse[]): string => (uses.length ? ` — used by ${[...new Set(uses.map((u) => u.vplc))].join(', ')}` : '');

/** What the form says under a typed device id: where it is now, or why it is not connected. */
function matchNote(deviceId: string, inv: SerialInventory | undefined): { tone: 'error' | 'info'; text: string } | null {
  if (!inv || !deviceId.trim()) return null;
  const m = matchDevice(deviceId, nodesOf(inv));
  if (m.kind === 'one') return { tone: 'info', text: `Plugged in now at ${m.node.path}.` };
  if (m.kind === 'ambiguous') return { tone: 'error', text: `'${deviceId.trim()}' matches ${m.nodes.length} devices (${m.nodes.map((n) => (n.deviceId ? basename(n.deviceId) : n.path)).join(', ')}); type more of its id.` };
  return { tone: 'info', text: 'No device matches this id now: the port stays disconnected until the device is plugged in.' };
}

export function SerialPortFields({ i, port, inv, others, errors, onChange, onRemove }: { i: number; port: SerialPortDraft; inv: SerialInventory | undefined; others: readonly PortUse[]; errors: FieldErrors; onChange(p: SerialPortDraft): void; onRemove(): void }) {
  const id = (f: keyof SerialPortDraft): string => serialFieldId(i, f);
  const err = (f: keyof SerialPortDraft): string | undefined => errors[`serialPorts.${i}.${f}`];
  const nodes = inv ? nodesOf(inv) : [];
  const usesOfNode = (n: HostSerialNode): PortUse[] => usesOf(n, others, nodes);
  const picked = nodes.find((n) => n.deviceId === port.deviceId.trim() || (n.deviceId === null && n.path === port.deviceId.trim()));
  const pickedUses = picked ? usesOfNode(picked) : [];
  const note = err('deviceId') ? null : matchNote(port.deviceId, inv);
  const text = (f: 'name' | 'containerPath' | 'baudRate', label: string, o: { hint?: string; placeholder?: string; list?: string; inputMode?: 'numeric' } = {}) => (
    <Field label={label} htmlFor={id(f)} error={err(f)} {...(o.hint ? { hint: o.hint } : {})}>
      <input
        id={id(f)}
        value={port[f]}
        onChange={(e) => onChange({ ...port, [f]: e.target.value })}
        aria-invalid={!!err(f)}
        {...(err(f) ? { 'aria-describedby': `${id(f)}-error` } : {})}
        {...(o.placeholder ? { placeholder: o.placeholder } : {})}
        {...(o.list ? { list: o.list } : {})}
        {...(o.inputMode ? { inputMode: o.inputMode } : {})}
        spellCheck={false}
        autoComplete="off"
      />
    </Field>
  );
  return (
    <fieldset className="serial-port">
      <legend>Serial port {i + 1}</legend>
      <Field label="Device" htmlFor={`serial-${i}-picker`} hint="The host's USB serial adapters by their stable id, and its built-in UARTs.">
        <select id={`serial-${i}-picker`} value={picked ? (picked.deviceId ?? picked.path) : ''} onChange={(e) => e.target.value && onChange({ ...port, deviceId: e.target.value })}>
          <option value="">{picked || !port.deviceId.trim() ? 'Choose a device…' : 'Not plugged in now (typed below)'}</option>
          {inv && inv.devices.length ? (
            <optgroup label="USB serial adapters">
              {inv.devices.map((d) => (
                <option key={d.device_id} value={d.device_id}>
                  {`${basename(d.device_id)} — ${deviceDescription(d)}, now ${d.path}${usedByText(usesOfNode({ path: d.path, deviceId: d.device_id }))}`}
                </option>
              ))}
            </optgroup>
          ) : null}
          {inv && inv.ports.length ? (
            <optgroup label="Built-in UARTs">
              {inv.ports.map((p) => (
                <option key={p.path} value={p.path}>
                  {`Built-in UART ${p.path}${usedByText(usesOfNode({ path: p.path, deviceId: null }))}`}
                </option>
              ))}
            </optgroup>
          ) : null}
        </select>
      </Field>
      {inv && nodes.length === 0 ? <p className="muted small">No serial device is plugged into this PC now; type the device's by-id path below to configure it ahead.</p> : null}
      {pickedUses.length ? (
        <p className="notice small" role="note">
          {`Used by ${pickedUses.map((u) => `${u.vplc} (port ${u.name})`).join(', ')}: the agent accepts a second vPLC on one device only when both ports are shared.`}
        </p>
      ) : null}
      <Field label="Device id" htmlFor={id('deviceId')} error={err('deviceId')} hint="The by-id path the Device list fills in; it can be typed for a device that is unplugged now.">
        <input id={id('deviceId')} value={port.deviceId} onChange={(e) => onChange({ ...port, deviceId: e.target.value })} aria-invalid={!!err('deviceId')} {...(note ? { 'aria-describedby': `${id('deviceId')}-note` } : err('deviceId') ? { 'aria-describedby': `${id('deviceId')}-error` } : {})} spellCheck={false} autoComplete="off" />
      </Field>
      {note ? (
        <p id={`${id('deviceId')}-note`} className={note.tone === 'error' ? 'field-error iface-note' : 'field-hint iface-note'}>
          {note.text}
        </p>
      ) : null}
      <div className="grid-2 tight">
        {text('name', 'Port name', { hint: 'Its label, unique in this vPLC.' })}
        {text('containerPath', 'Container path', { hint: 'Where the PLC program opens the port.', placeholder: '/dev/ttyRTU0' })}
        {text('baudRate', 'Baud rate', { hint: 'Optional, for reference: the PLC program sets the rate.', placeholder: 'not set', list: 'serial-baud-rates', inputMode: 'numeric' })}
      </div>
      <label className="check">
        <input type="checkbox" checked={port.shared} onChange={(e) => onChange({ ...port, shared: e.target.checked })} /> Shared with other vPLCs
      </label>
      <button type="button" className="link danger-text" onClick={onRemove}>
        Remove serial port {i + 1}
      </button>
    </fieldset>
  );
}

/**
 * The form's "Serial ports" section (create and edit): the ports, each with its device picked from the live list,
 * and the button that adds one. `others` are the ports of the other vPLCs (for "used by").
 */
export function SerialPortsSection({ ports, inv, invError, others, errors, onChange, editing }: { ports: SerialPortDraft[]; inv: SerialInventory | undefined; invError: string | undefined; others: readonly PortUse[]; errors: FieldErrors; onChange(ports: SerialPortDraft[]): void; editing?: boolean }) {
  return (
    <section className="serial-ports" aria-labelledby="serial-ports-h">
      <h2 id="serial-ports-h">Serial ports</h2>
      {invError ? <ErrorBox>The host's serial devices are not available: {invError}</ErrorBox> : null}
      {ports.length === 0 ? <p className="muted small">{editing ? 'None configured on this vPLC.' : 'None: add one to pass a host serial device (RS-485/RS-232 adapter, built-in UART) into the vPLC.'}</p> : null}
      {editing ? <p className="muted small">A serial port change on a running vPLC waits for its change window: it is saved as pending and applied when you apply it or the vPLC stops.</p> : null}
      {ports.map((p, i) => (
        <SerialPortFields key={i} i={i} port={p} inv={inv} others={others} errors={errors} onChange={(np) => onChange(ports.map((x, j) => (j === i ? np : x)))} onRemove={() => onChange(ports.filter((_, j) => j !== i))} />
      ))}
      <datalist id="serial-baud-rates">
        {COMMON_BAUD_RATES.map((b) => (
          <option key={b} value={b} />
        ))}
      </datalist>
      <button type="button" onClick={() => onChange([...ports, newSerialPort(ports)])} disabled={ports.length >= 16}>
        Add serial port
      </button>
    </section>
  );
}
