import type { VplcStatus } from '../../../shared/domain/vplc-status';

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
