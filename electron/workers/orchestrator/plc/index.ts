import type { OrchestratorContext } from '../context.js';
import type { PlcActions } from './actions.js';
import type { RuntimeSessions } from './sessions.js';
import type { PlcMonitorApi } from './types.js';
import { productionActions, productionSessions } from './wiring.js';

export type PlcSubsystem = {
  actions: PlcActions;
  monitor: PlcMonitorApi;
  sessions: RuntimeSessions;
  /** The vPLC was deleted: its runtime credentials go with it. Never rejects. */
  forgetVplc(name: string): Promise<void>;
};

/** Builds the PLC subsystem of an orchestrator (docs/plc.md). */
export function createPlcSubsystem(ctx: OrchestratorContext): PlcSubsystem {
  const sessions = productionSessions(ctx);
  const monitor: PlcMonitorApi = {
    view: () => ({ connection: 'not_connected', username: null, status: null, program_loaded: null, tasks: [], fault_since: null, realtime: null, checked_at: null, error: null, change_rule: 'container', change_rule_reason: 'no runtime credentials: a pending change applies while the vPLC is stopped or after a confirm' }),
    history: () => [],
    refresh: () => Promise.resolve(),
    lastStatus: () => null,
  };
  const actions = productionActions(ctx, sessions, monitor);
  const forgetVplc = (name: string): Promise<void> =>
    sessions.forget(name).then(
      (removed) => (removed ? ctx.log.info('runtime credentials removed with the vPLC', { vplc: name }) : undefined),
      (err: unknown) => ctx.log.warn('runtime credentials of a deleted vPLC could not be removed', { vplc: name, err: String(err) }),
    );
  return { actions, monitor, sessions, forgetVplc };
}
