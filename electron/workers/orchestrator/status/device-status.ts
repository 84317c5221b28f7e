import type Docker from 'dockerode';
import type { VplcNetworkView, VplcStatus } from '../../../../shared/domain/vplc-status.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import { isOwn } from '../docker/labels.js';
import type { CrashGuard } from '../lifecycle/crash-guard.js';
import type { PlcMonitorApi } from '../plc/types.js';
import type { PersistedVnic } from '../store/schemas.js';
import { vplcHealth } from './health-facts.js';
import type { RuntimeAnswers } from './runtime-answers.js';
import { vnicModes, wifiNetworks } from '../wifi/modes.js';

export const RT_LIMITS_WARNING = 'real-time limits unavailable on this host';
export const UNKNOWN_DESIRED_WARNING = 'unknown to the desired state: adopted as it is; delete it or create it again to manage its spec';

export type NetworkView = VplcNetworkView;
export type DeviceStatus = VplcStatus;

const nul = (s: string | undefined | null): string | null => (s ? s : null);

/** Finds the vNIC a Docker network belongs to: by recorded name, else by parent (never by a name prefix). */
function vnicFor(vnics: PersistedVnic[], netName: string, parentOf: (net: string) => string | undefined): PersistedVnic | undefined {
  return vnics.find((v) => v.docker_network_name === netName) ?? vnics.find((v) => !v.docker_network_name && v.parent_interface === parentOf(netName));
}

export function networksView(info: Docker.ContainerInspectInfo, vnics: PersistedVnic[], parentOf: (net: string) => string | undefined): Record<string, NetworkView> {
  const out: Record<string, NetworkView> = {};
  for (const [net, ep] of Object.entries(info.NetworkSettings.Networks)) {
    if (net.endsWith('_internal')) continue;
    const v = vnicFor(vnics, net, parentOf);
    // Below API 1.44 Docker's record keeps the IP-derived MAC; report what is on the wire when we measured it.
    const mac = v?._wire_mac_address ?? nul(ep.MacAddress);
    if (v?.network_mode === 'dhcp') {
      out[net] = { ip_address: nul(v.dhcp_ip), mac_address: mac, gateway: v.dhcp_gateway ?? nul(ep.Gateway) };
    } else if (v?.network_mode === 'static' && v._network_method === 'macvlan' && !v.gateway) {
      // Docker records the network's first address as gateway, but the agent removes that route (docs/networking.md).
      out[net] = { ip_address: nul(ep.IPAddress), mac_address: mac, gateway: null };
    } else {
      out[net] = { ip_address: nul(ep.IPAddress), mac_address: mac, gateway: nul(ep.Gateway) };
    }
  }
  return out;
}

/** Why and until when the crash-loop guard holds a vPLC's automatic restarts, or null when it does not. */
export function restartSuspension(ctx: OrchestratorContext, guard: CrashGuard, name: string): { resumesAt: string; warning: string } | null {
  const at = guard.resumesAt(name);
  if (at === null) return null;
  const resumesAt = new Date(ctx.clock.now() + Math.max(0, at - ctx.clock.monotonic())).toISOString();
  const minutes = Math.round(ctx.settings.watchdog.windowMs / 60_000);
  return {
    resumesAt,
    warning: `restarts suspended: it stopped ${guard.count(name)} times within ${minutes} min; automatic restarts resume at ${resumesAt}, or start it now`,
  };
}

/** docs/protocol.md §4.5 answer, without the `action`/`correlation_id` the ack wrapper puts first. */
export async function deviceStatus(
  ctx: OrchestratorContext,
  guard: CrashGuard,
  deviceId: string,
  parentOf: (net: string) => string | undefined,
  busy: (name: string) => boolean = () => false,
  answers: RuntimeAnswers | null = null,
  plc: PlcMonitorApi | null = null,
): Promise<DeviceStatus> {
  if (!deviceId.trim()) return { status: 'error', error: 'Device ID must be a non-empty string' };
  const op = ctx.ops.get(deviceId);
  if (op) {
    const base = { device_id: deviceId, operation: op.operation, started_at: op.started_at, updated_at: op.updated_at };
    if (op.status === 'error') {
      return { status: 'error', ...base, error: op.error ?? 'unknown error', message: `Operation failed: ${op.error ?? 'unknown error'}` };
    }
    return {
      status: op.status,
      ...base,
      ...(op.step ? { step: op.step } : {}),
      message: `Container ${deviceId} is being ${op.status === 'creating' ? 'created' : 'deleted'}`,
      ...(op.pull_progress ? { pull_progress: op.pull_progress } : {}),
    };
  }
  const notFound: VplcStatus = { status: 'not_found', device_id: deviceId, message: `Container ${deviceId} does not exist` };
  let info: Docker.ContainerInspectInfo | null;
  try {
    info = await ctx.engine.resolveVplc(deviceId, ctx.store.installationId);
  } catch (err) {
    return { status: 'error', device_id: deviceId, error: `Failed to retrieve container status: ${dockerMessage(err)}` };
  }
  if (!info || !isOwn(info.Config.Labels, ctx.store.installationId, 'vplc')) return notFound;

  const desired = ctx.store.getDesired(deviceId);
  const state = info.State;
  const internalIp = ctx.store.getClient(deviceId)?.ip;
  const warnings = [...ctx.warnings.list(deviceId)];
  if (!desired?.spec) warnings.unshift(UNKNOWN_DESIRED_WARNING);
  if (desired?.degraded_ulimits) warnings.unshift(RT_LIMITS_WARNING);
  const startedMs = Date.parse(state.StartedAt);
  // Paused means down with no restart on its way: a running vPLC, or one being restarted right now, is only counted.
  const suspension = !state.Running && !busy(deviceId) ? restartSuspension(ctx, guard, deviceId) : null;
  if (suspension) warnings.unshift(suspension.warning);
  const wait = ctx.ops.runtimeWait(deviceId);
  const health = vplcHealth(ctx, deviceId, { state: state.Status, networks: info.NetworkSettings.Networks }, suspension?.warning ?? null, answers, plc);
  // The reasons travel to the cloud as warnings (docs/protocol.md §4.5 keeps its shape); the board's own stay first.
  for (const r of health.reasons) if (!warnings.includes(r)) warnings.push(r);
  const problems = ctx.ops.createProblems(deviceId);
  const serialPorts = ctx.serialPorts.view(deviceId);
  const dedicatedNic = ctx.dedicatedNics.view(deviceId);
  const vnics = ctx.store.getVnics(deviceId);
  return {
    status: 'success',
    device_id: deviceId,
    container_status: state.Status,
    is_running: state.Running,
    networks: { ...networksView(info, vnics, parentOf), ...wifiNetworks(vnics) },
    restart_count: info.RestartCount ?? 0,
    ...(internalIp ? { internal_ip: internalIp } : {}),
    ...(state.Running && Number.isFinite(startedMs) ? { uptime_seconds: Math.max(0, Math.floor((ctx.clock.now() - startedMs) / 1000)) } : {}),
    ...(!state.Running ? { exit_code: state.ExitCode } : {}),
    ...(state.Health ? { health_status: state.Health.Status } : {}),
    orchestrator_state: {
      managed: 'labelled',
      desired_state: desired?.desired_state ?? (state.Running ? 'running' : 'stopped'),
      restarts_in_window: guard.count(deviceId),
      restart_suspended: suspension !== null,
      ...(suspension ? { restarts_resume_at: suspension.resumesAt } : {}),
      ...(wait ? { starting: { step: wait.step, since: wait.since } } : {}),
      warnings,
      last_error: ctx.ops.lastError(deviceId),
      health: health.health,
      health_reasons: health.reasons,
      ...(problems ? { create_problems: problems } : {}),
    },
    // EXTEND (docs/plc.md): carries no secret, so the cloud's get_device_status has it too.
    ...(plc ? { plc: plc.view(deviceId) } : {}),
    // Only for a vPLC with serial ports (docs/protocol.md §4.5).
    ...(serialPorts ? { serial_ports: serialPorts } : {}),
    // EXTEND: only for a vPLC with a dedicated NIC (docs/host-nics.md).
    ...(dedicatedNic ? { dedicated_nic: dedicatedNic } : {}),
    ...(vnics.length ? { vnic_modes: vnicModes(vnics) } : {}),
  };
}
