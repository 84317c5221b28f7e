import type { OrchestratorContext } from '../context.js';
import type { RuntimeAccess } from '../runtime-access.js';
import { Label, ownFilter } from '../docker/labels.js';
import type { PlcActions } from './actions.js';
import { PlcMonitor } from './monitor.js';
import type { RuntimeSessions } from './sessions.js';
import type { PlcSessions } from './types.js';
import { productionActions, productionSessions } from './wiring.js';

export type PlcSubsystem = {
  actions: PlcActions;
  monitor: PlcMonitor;
  sessions: RuntimeSessions;
  /** The vPLC was deleted: its runtime credentials and its PLC history go with it. Never rejects. */
  forgetVplc(name: string): Promise<void>;
};

export type PlcSubsystemOptions = {
  /** Test seam: the sessions the monitor polls through, instead of those built from the stored credentials. */
  sessions?: PlcSessions;
  /** Told when a poll got an answer from the vPLC's runtime (true) or could not reach it (false). */
  answered?: (name: string, answered: boolean) => void;
};

/** The monitor over the context: the managed vPLCs, the running ones (one Docker list per round), their policy. */
function monitorFor(ctx: OrchestratorContext, sessions: PlcSessions, answered?: (name: string, answered: boolean) => void): PlcMonitor {
  const { store } = ctx;
  return new PlcMonitor({
    sessions,
    clock: ctx.clock,
    pollMs: ctx.settings.plc.pollMs,
    faultRestartAfterMs: ctx.settings.plc.faultRestartAfterMs,
    names: () => store.desiredNames().filter((n) => store.getDesired(n)?.tombstone === false),
    listRunning: async () => {
      const list = await ctx.engine.docker.listContainers({ filters: ownFilter(store.installationId, 'vplc') });
      return list.flatMap((c) => {
        const name = c.Labels?.[Label.vplc];
        return c.State === 'running' && name ? [name] : [];
      });
    },
    realtime: (n) => {
      const d = store.getDesired(n);
      return d ? !(d.degraded_ulimits || ctx.hostFacts.rtLimitsRefused) : null;
    },
    policy: (n) => {
      const spec = store.getDesired(n)?.spec;
      return { changePolicy: spec?.changePolicy, plcAware: spec?.plcAwareChanges ?? true };
    },
    emit: ctx.emit,
    ...(answered ? { answered } : {}),
    log: ctx.log,
  });
}

/** Builds the PLC subsystem of an orchestrator (docs/plc.md). */
export function createPlcSubsystem(ctx: OrchestratorContext, access: RuntimeAccess, options: PlcSubsystemOptions = {}): PlcSubsystem {
  const sessions = productionSessions(ctx, access);
  const monitor = monitorFor(ctx, options.sessions ?? sessions, options.answered);
  const actions = productionActions(ctx, sessions, monitor);
  const forgetVplc = (name: string): Promise<void> => {
    monitor.forget(name);
    return sessions.forget(name).then(
      (removed) => (removed ? ctx.log.info('runtime credentials removed with the vPLC', { vplc: name }) : undefined),
      (err: unknown) => ctx.log.warn('runtime credentials of a deleted vPLC could not be removed', { vplc: name, err: String(err) }),
    );
  };
  return { actions, monitor, sessions, forgetVplc };
}
