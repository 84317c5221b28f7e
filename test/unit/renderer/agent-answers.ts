import type { VplcStatus } from '../../../shared/domain/vplc-status';
import type { PlcView } from '../../../shared/domain/plc';

type OrchestratorState = NonNullable<VplcStatus['orchestrator_state']>;

/**
 * A `vplc:status` answer for a managed vPLC with every field the orchestrator always sends on success
 * (electron/workers/orchestrator/status/device-status.ts); tests override what they are about.
 */
export function successStatus(over: Partial<Omit<VplcStatus, 'orchestrator_state'>> & { orchestrator_state?: Partial<OrchestratorState> } = {}): VplcStatus {
  const { orchestrator_state, ...rest } = over;
  return {
    status: 'success',
    device_id: 'plc1',
    container_status: 'running',
    is_running: true,
    networks: {},
    restart_count: 0,
    ...rest,
    orchestrator_state: {
      managed: 'labelled',
      desired_state: 'running',
      restarts_in_window: 0,
      restart_suspended: false,
      warnings: [],
      last_error: null,
      pending_changes: [],
      ...orchestrator_state,
    },
  };
}

/** A `plc` view (VplcStatus.plc) as the agent sends it for a vPLC with credentials and a running program; tests override. */
export function plcView(over: Partial<PlcView> = {}): PlcView {
  return {
    connection: 'connected',
    username: 'engineer',
    status: 'RUNNING',
    program_loaded: true,
    tasks: [],
    fault_since: null,
    realtime: true,
    checked_at: '2026-12-05T05:00:00.000Z',
    error: null,
    change_rule: 'plc-aware',
    change_rule_reason: 'held: the PLC program is running',
    ...over,
  };
}

/** The view without credentials: everything about the PLC is unknown. */
export const notConnected = (): PlcView =>
  plcView({ connection: 'not_connected', username: null, status: null, program_loaded: null, realtime: null, checked_at: null, change_rule: 'container', change_rule_reason: 'no runtime credentials: the container rule applies' });
