import { WorkerError } from '../../../lib/worker/host.js';
import type { OrchestratorContext } from '../context.js';
import type { PlcActionsApi, PlcMonitorApi } from './types.js';

export type PlcSubsystem = { actions: PlcActionsApi; monitor: PlcMonitorApi };

const notYet = (): never => {
  throw new WorkerError('UNAVAILABLE', 'PLC support is not built yet');
};

/** Builds the PLC subsystem of an orchestrator (docs/plc.md). */
export function createPlcSubsystem(_ctx: OrchestratorContext): PlcSubsystem {
  return {
    actions: {
      setCredentials: notYet,
      clearCredentials: notYet,
      createFirstUser: notYet,
      start: notYet,
      stop: notYet,
      upload: notYet,
      compileStatus: notYet,
      logs: notYet,
    },
    monitor: {
      view: () => ({ connection: 'not_connected', username: null, status: null, program_loaded: null, tasks: [], fault_since: null, realtime: null, checked_at: null, error: null, change_rule: 'container', change_rule_reason: 'no runtime credentials: a pending change applies while the vPLC is stopped or after a confirm' }),
      history: () => [],
      refresh: () => Promise.resolve(),
      lastStatus: () => null,
    },
  };
}
