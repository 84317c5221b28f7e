import { WorkerError } from '../../../lib/worker/host.js';
import type { OrchestratorContext } from '../context.js';
import { Label, ownFilter } from '../docker/labels.js';
import { PlcMonitor } from './monitor.js';
import type { PlcActionsApi, PlcSessions } from './types.js';

export type PlcSubsystem = { actions: PlcActionsApi; monitor: PlcMonitor };

/** Test seams: a PlcSessions to use instead of the one built from the stored credentials. */
export type PlcSubsystemOptions = { sessions?: PlcSessions };

const notYet = (): never => {
  throw new WorkerError('UNAVAILABLE', 'PLC support is not built yet');
};

/** Until the credential store exists: no vPLC has credentials. */
const noSessions: PlcSessions = { hasCredentials: () => false, username: () => null, session: () => null, onCredentialsChanged: () => undefined };

/** The monitor over the context: the managed vPLCs, the running ones (one Docker list per round), their policy. */
function monitorFor(ctx: OrchestratorContext, sessions: PlcSessions): PlcMonitor {
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
    log: ctx.log,
  });
}

/** Builds the PLC subsystem of an orchestrator (docs/plc.md). */
export function createPlcSubsystem(ctx: OrchestratorContext, options: PlcSubsystemOptions = {}): PlcSubsystem {
  const sessions = options.sessions ?? noSessions;
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
    monitor: monitorFor(ctx, sessions),
  };
}
