import type { SerialPortSpec } from '../../../../shared/domain/serial.js';
import type { VplcSpec } from '../../../../shared/domain/vplc.js';
import type { OrchestratorContext } from '../context.js';
import { learnInEffect } from '../serial/majors.js';
import { candidatesOf } from '../serial/match.js';
import { samePorts, storeWithPorts } from './serial-ports.js';

/**
 * Stores an accepted edit; call it inside the vPLC's queue (`ctx.exec.serial`). The record is rewritten from its value
 * at the time of the write, and only in the fields an edit owns (the spec, pending serial ports, `depends_on`,
 * `auto_update`), so a stop, a container id or a certificate pin recorded while the edit waited or checked the host
 * stays. When the serial ports in effect change, `data/serial_configs.json` follows. False: the vPLC is gone or being
 * deleted, nothing was stored.
 */
export async function saveEdit(ctx: OrchestratorContext, name: string, spec: VplcSpec, portsNow: boolean): Promise<boolean> {
  const out: { found: boolean; ports: SerialPortSpec[] | null } = { found: false, ports: null };
  const candidates = candidatesOf(ctx.serial.current());
  await ctx.store.updateDesired(name, (cur) => {
    if (!cur.spec || cur.tombstone) return null;
    out.found = true;
    const next = storeWithPorts(cur, spec, portsNow);
    const ports = next.spec?.serialPorts ?? [];
    const moved = !samePorts(cur.spec.serialPorts, ports);
    if (moved) out.ports = ports;
    return {
      ...next,
      depends_on: spec.dependsOn ?? [],
      auto_update: spec.autoUpdate ?? false,
      ...(moved && cur.serial_majors ? { serial_majors: learnInEffect(cur.serial_majors, ports, candidates) } : {}),
      updated_at: new Date().toISOString(),
    };
  });
  if (out.ports) await ctx.serialConfigs.put(name, out.ports);
  return out.found;
}
