import type { DedicatedNicState, VnicModeView } from '../../../../shared/domain/host-nic.js';
import type { OrchestratorContext } from '../context.js';
import { demuxLogs } from '../docker/engine.js';
import { isOwn, Label, ownFilter } from '../docker/labels.js';
import type { CrashGuard } from '../lifecycle/crash-guard.js';
import type { UsageRings } from '../metrics/ring.js';
import type { VplcHealth } from '../../../../shared/domain/vplc-status.js';
import { restartSuspension } from './device-status.js';
import { vplcHealth } from './health-facts.js';
import type { PlcConnection, PlcStatusWord, PlcView } from '../../../../shared/domain/plc.js';
import type { PlcMonitorApi } from '../plc/types.js';
import type { SerialPortState } from '../../../../shared/domain/serial.js';
import type { RuntimeAnswers } from './runtime-answers.js';
import { vnicModes } from '../wifi/modes.js';

export type VplcSummary = {
  name: string;
  state: string;
  running: boolean;
  desired_state: string | null;
  operation: string | null;
  internal_ip: string | null;
  /** Automatic restarts held by the crash-loop guard, and when they resume (ISO), for a vPLC that is down. */
  restart_suspended: boolean;
  restarts_resume_at: string | null;
  /** Derived from verified facts; `reasons` say why it is not `running`. */
  health: VplcHealth;
  reasons: string[];
  /** The PLC's status word and the session's state (docs/plc.md); null / `not_connected` without credentials. */
  plc_status: PlcStatusWord | null;
  plc_connection: PlcConnection;
  /** Each configured serial port with its device and live status; empty without ports. */
  serial_ports: Array<Pick<SerialPortState, 'name' | 'device_id' | 'container_path' | 'status' | 'current_host_path'>>;
  /** The host NIC given to the vPLC and where it is (docs/host-nics.md); null without one. */
  dedicated_nic: DedicatedNicState | null;
  /** How each vNIC reaches the LAN and why (docs/host-nics.md). */
  vnic_modes: VnicModeView[];
};

/** Every vPLC this installation knows of: in Docker, in the desired state, or both. */
export async function listVplcs(
  ctx: OrchestratorContext,
  guard: CrashGuard,
  busy: (name: string) => boolean,
  answers: RuntimeAnswers | null = null,
  plc: PlcMonitorApi | null = null,
): Promise<VplcSummary[]> {
  const containers = await ctx.engine.docker.listContainers({ all: true, filters: ownFilter(ctx.store.installationId, 'vplc') });
  const names = new Set([...ctx.store.desiredNames(), ...containers.map((c) => c.Labels?.[Label.vplc] ?? '')].filter(Boolean));
  return [...names].sort().map((name) => {
    const c = containers.find((x) => x.Labels?.[Label.vplc] === name);
    const suspension = c && c.State !== 'running' && !busy(name) ? restartSuspension(ctx, guard, name) : null;
    const health = vplcHealth(ctx, name, c ? { state: c.State, networks: c.NetworkSettings?.Networks ?? {} } : null, suspension?.warning ?? null, answers, plc);
    const view = plc?.view(name);
    return {
      name,
      state: c?.State ?? 'missing',
      running: c?.State === 'running',
      desired_state: ctx.store.getDesired(name)?.desired_state ?? null,
      operation: ctx.ops.get(name)?.status ?? (ctx.ops.runtimeWait(name) ? 'starting' : null),
      internal_ip: ctx.store.getClient(name)?.ip ?? null,
      restart_suspended: suspension !== null,
      restarts_resume_at: suspension?.resumesAt ?? null,
      health: health.health,
      reasons: health.reasons,
      plc_status: view?.status ?? null,
      plc_connection: view?.connection ?? 'not_connected',
      serial_ports: (ctx.serialPorts.view(name) ?? []).map((p) => ({ name: p.name, device_id: p.device_id, container_path: p.container_path, status: p.status, current_host_path: p.current_host_path })),
      dedicated_nic: ctx.dedicatedNics.view(name) ?? null,
      vnic_modes: vnicModes(ctx.store.getVnics(name)),
    };
  });
}

/** The last lines of a managed vPLC's container log (stdout and stderr). */
export async function logTail(ctx: OrchestratorContext, name: string, tail: number): Promise<string[]> {
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId);
  if (!info || !isOwn(info.Config.Labels, ctx.store.installationId, 'vplc')) throw new Error(`Device not found: ${name}`);
  const raw = (await ctx.engine.docker.getContainer(info.Id).logs({ stdout: true, stderr: true, tail, follow: false })) as unknown as Buffer;
  const { stdout, stderr } = demuxLogs(raw);
  return `${stdout}${stderr}`.split('\n').filter((l) => l.length > 0).slice(-tail);
}

export type VplcMetrics = { name: string; state: string; running: boolean; health: VplcHealth; cpuPercent: number | null; memoryBytes: number | null; restartsInWindow: number; plc: PlcView | null };

/** The metrics endpoint's per-vPLC figures: the listed state with the latest usage samples kept in memory. */
export function vplcMetrics(list: VplcSummary[], rings: UsageRings, guard: CrashGuard, nowMs: number, plc: PlcMonitorApi | null = null): VplcMetrics[] {
  const now = Math.floor(nowMs / 1000);
  return list.map((v) => {
    const cpu = rings.query({ device: v.name }, 'cpu', now - 120, now).at(-1)?.cpu;
    const mem = rings.query({ device: v.name }, 'memory', now - 120, now).at(-1)?.memory;
    return { name: v.name, state: v.state, running: v.running, health: v.health, cpuPercent: cpu ?? null, memoryBytes: mem === undefined ? null : Math.round(mem * 1024 * 1024), restartsInWindow: guard.count(v.name), plc: plc?.view(v.name) ?? null };
  });
}
