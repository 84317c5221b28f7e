import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import type { DesiredRecord } from '../store/schemas.js';
import { allowedSerialMajors } from '../serial/majors.js';
import { candidatesOf } from '../serial/match.js';
import { specHash } from './container-spec.js';

/** The device majors a container of `spec` gets now: what its ports' devices were learned with plus what they match. */
export function serialMajorsFor(ctx: OrchestratorContext, learned: DesiredRecord['serial_majors'], spec: VplcSpec): number[] {
  const ports = spec.serialPorts ?? [];
  if (ports.length === 0) return [];
  return allowedSerialMajors(ports, learned ?? {}, candidatesOf(ctx.serial.current()));
}

/** The hash a container made from `record` would carry (the record need not be stored yet). */
export function specHashOf(ctx: OrchestratorContext, name: string, record: DesiredRecord | undefined): string | null {
  if (!record?.spec || !record.runtime_image) return null;
  const macs = Object.fromEntries(ctx.store.getVnics(name).map((v) => [v.name, v.mac_address]));
  return specHash(record.spec, record.runtime_image, !record.degraded_ulimits, macs, ctx.settings.caBundle?.sha256, serialMajorsFor(ctx, record.serial_majors, record.spec));
}

/** The hash the vPLC's container should carry for its stored record; reconcile and edits compare against it. */
export function expectedSpecHash(ctx: OrchestratorContext, name: string): string | null {
  return specHashOf(ctx, name, ctx.store.getDesired(name));
}
