import type { SerialPortSpec } from '../../../../shared/domain/serial.js';
import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import type { DesiredRecord } from '../store/schemas.js';

/**
 * Serial ports that wait for a change window (docs/editing.md "Serial ports"). The desired record's spec holds the
 * ports in effect (the nodes made in the container follow them); ports an edit asked for while the window was closed
 * wait in `pending_serial_ports` until reconcile moves them into the spec. Pure.
 */

export function withSerialPorts(spec: VplcSpec, ports: readonly SerialPortSpec[]): VplcSpec {
  const { serialPorts: _old, ...rest } = spec;
  return ports.length ? { ...rest, serialPorts: [...ports] } : rest;
}

export const samePorts = (a: readonly SerialPortSpec[] = [], b: readonly SerialPortSpec[] = []): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The spec the user asked for: the stored one with any pending serial ports in place of those in effect. */
export function desiredSpec(record: Pick<DesiredRecord, 'spec' | 'pending_serial_ports'>): VplcSpec | undefined {
  if (!record.spec || record.pending_serial_ports === undefined) return record.spec;
  return withSerialPorts(record.spec, record.pending_serial_ports);
}

/**
 * The record storing `spec`: its serial ports go into effect now (`portsNow`), or they wait as pending while the
 * stored spec keeps the ports in effect. Ports equal to those in effect clear anything pending.
 */
export function storeWithPorts(record: DesiredRecord, spec: VplcSpec, portsNow: boolean): DesiredRecord {
  const { pending_serial_ports: _pending, ...rest } = record;
  const inEffect = record.spec?.serialPorts ?? [];
  const wanted = spec.serialPorts ?? [];
  if (portsNow || samePorts(inEffect, wanted)) return { ...rest, spec };
  return { ...rest, spec: withSerialPorts(spec, inEffect), pending_serial_ports: [...wanted] };
}

/** The record with its pending serial ports put into effect (reconcile, once the change window opens). */
export function promotePendingPorts(record: DesiredRecord): DesiredRecord {
  if (!record.spec || record.pending_serial_ports === undefined) return record;
  const { pending_serial_ports: pending, ...rest } = record;
  return { ...rest, spec: withSerialPorts(record.spec, pending) };
}
