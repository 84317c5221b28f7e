import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import { allowedSerialMajors } from '../serial/majors.js';
import { candidatesOf } from '../serial/match.js';
import { specHash } from './container-spec.js';

/** The device majors a container of `spec` gets now: what the vPLC's ports were created with plus what they match. */
export function serialMajorsFor(ctx: OrchestratorContext, name: string, spec: VplcSpec): number[] {
  const ports = spec.serialPorts ?? [];
  if (ports.length === 0) return [];
  return allowedSerialMajors(ports, ctx.store.getDesired(name)?.serial_majors ?? {}, candidatesOf(ctx.serial.current()));
}

/** The hash the vPLC's container should carry for its stored record; reconcile and edits compare against it. */
export function expectedSpecHash(ctx: OrchestratorContext, name: string): string | null {
  const d = ctx.store.getDesired(name);
  if (!d?.spec || !d.runtime_image) return null;
  const macs = Object.fromEntries(ctx.store.getVnics(name).map((v) => [v.name, v.mac_address]));
  return specHash(d.spec, d.runtime_image, !d.degraded_ulimits, macs, ctx.settings.caBundle?.sha256, serialMajorsFor(ctx, name, d.spec));
}
