import { refusal, type Refusal } from '../../../../shared/api/errors.js';
import type { SerialPortSpec } from '../../../../shared/domain/serial.js';
import type { Requester, VplcSpec } from '../../../../shared/domain/vplc.js';
import { KeyedLock } from '../../../lib/sync/keyed-lock.js';
import type { OrchestratorContext } from '../context.js';
import { candidatesOf, matchSerialDevice, type SerialCandidate } from './match.js';

/** The serial ports another vPLC has (in effect or pending an edit). */
export type ClaimedPorts = { vplc: string; ports: readonly SerialPortSpec[] };

/** How a refusal names a port's field: the cloud's wire names or the local API's spec names. */
export type PortFieldNames = { list: string; deviceId: string };
export const CLOUD_FIELDS: PortFieldNames = { list: 'serial_configs', deviceId: 'device_id' };
export const SPEC_FIELDS: PortFieldNames = { list: 'serialPorts', deviceId: 'deviceId' };

export type SerialRefusal = { field: string; text: string };

const label = (c: SerialCandidate): string => c.deviceId ?? c.path;

/** The node two port configs both select now, or their common raw id (a device that is unplugged now). */
function sameDevice(a: SerialPortSpec, b: SerialPortSpec, candidates: readonly SerialCandidate[]): string | null {
  const ma = matchSerialDevice(a.deviceId, candidates);
  const mb = matchSerialDevice(b.deviceId, candidates);
  if (ma.kind === 'one' && mb.kind === 'one' && ma.device.path === mb.device.path) return label(ma.device);
  return a.deviceId.trim() === b.deviceId.trim() ? a.deviceId.trim() : null;
}

/**
 * The first serial port of `ports` that may not be accepted (docs/serial.md "Serial ports of a vPLC"), or null:
 * - its `device_id` selects more than one device of the current list (ambiguous substring);
 * - its device is claimed by a port of another vPLC, unless both ports say `shared`.
 * A device that is not plugged now is accepted (the port starts `disconnected`). Pure.
 */
export function serialRefusal(
  ports: readonly SerialPortSpec[],
  others: readonly ClaimedPorts[],
  candidates: readonly SerialCandidate[],
  names: PortFieldNames,
): SerialRefusal | null {
  for (const [i, p] of ports.entries()) {
    const field = `${names.list}[${i}].${names.deviceId}`;
    const m = matchSerialDevice(p.deviceId, candidates);
    if (m.kind === 'ambiguous') {
      const list = m.candidates.map(label).join(', ');
      return { field, text: `'${p.deviceId}' matches ${m.candidates.length} devices: ${list}; give the full by-id path of one` };
    }
    for (const o of others) {
      for (const q of o.ports) {
        const device = sameDevice(p, q, candidates);
        if (device === null || (p.shared === true && q.shared === true)) continue;
        return { field, text: `device ${device} is already used by serial port '${q.name}' of vPLC ${o.vplc}; mark both ports shared to use it from both` };
      }
    }
  }
  return null;
}

/** The ports of every other live vPLC: those in effect and those an edit left pending. */
export function claimedByOthers(
  records: { names: () => string[]; get: (name: string) => { tombstone: boolean; spec?: { serialPorts?: SerialPortSpec[] }; pending_serial_ports?: SerialPortSpec[] } | undefined },
  self: string,
): ClaimedPorts[] {
  return records.names().flatMap((vplc) => {
    const r = vplc === self ? undefined : records.get(vplc);
    if (!r || r.tombstone) return [];
    const ports = [...(r.spec?.serialPorts ?? []), ...(r.pending_serial_ports ?? [])];
    return ports.length ? [{ vplc, ports }] : [];
  });
}

/**
 * A create's or an edit's serial ports against the devices plugged now and the ports of the other vPLCs; the refusal
 * names the field as the requester wrote it (`serial_configs[0].device_id` for the cloud, `serialPorts[0].deviceId` here).
 */
export function serialPortsRefusal(ctx: OrchestratorContext, spec: VplcSpec, requestedBy: Requester): Refusal | null {
  if (!spec.serialPorts?.length) return null;
  const others = claimedByOthers({ names: () => ctx.store.desiredNames(), get: (n) => ctx.store.getDesired(n) }, spec.name);
  const refused = serialRefusal(spec.serialPorts, others, candidatesOf(ctx.serial.current()), requestedBy === 'cloud' ? CLOUD_FIELDS : SPEC_FIELDS);
  return refused ? refusal('VALIDATION', `Validation error: ${refused.field}: ${refused.text}`, refused.field) : null;
}

/** One claim lock per store: claims are checked against that store's records. */
const claimLocks = new WeakMap<object, KeyedLock>();

/**
 * Runs `fn` alone among the serial claims of this orchestrator (docs/serial.md "Sharing a device"). A request that
 * claims devices checks them (`serialPortsRefusal`) and writes the record that makes its claim visible to the next
 * check inside one `fn`, so two requests arriving together cannot both pass the check for one device. Creates with
 * serial ports take it; an edit that changes ports must take it around its check and its record write too.
 */
export function withSerialClaims<T>(ctx: Pick<OrchestratorContext, 'store'>, fn: () => Promise<T>): Promise<T> {
  let lock = claimLocks.get(ctx.store);
  if (!lock) {
    lock = new KeyedLock();
    claimLocks.set(ctx.store, lock);
  }
  return lock.run('claims', fn);
}
