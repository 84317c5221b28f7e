/** The production parts of the PLC sessions and actions: the credentials file in the state dir, Docker for presence. */
import { WorkerError } from '../../../lib/worker/host.js';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import type { RuntimeAccess } from '../runtime-access.js';
import { RUNTIME_HTTPS_PORT } from '../runtime/types.js';
import { PlcActions, type VplcPresence } from './actions.js';
import { DEFAULT_CLIENT_OPTIONS } from './client.js';
import { CredentialsStore } from './credentials-store.js';
import { RuntimeSessions } from './sessions.js';
import type { PlcMonitorApi } from './types.js';

/** `access` is the orchestrator's own (the run_command proxy's): one view of the vPLCs' addresses and certificate pins. */
export function productionSessions(ctx: OrchestratorContext, access: RuntimeAccess): RuntimeSessions {
  const store = CredentialsStore.open(ctx.store.dir, { log: ctx.log, report: (p) => ctx.store.problems.push(p) });
  return new RuntimeSessions({
    store,
    pins: access.pins,
    clock: ctx.clock,
    clientOptions: { ...DEFAULT_CLIENT_OPTIONS, tlsSessions: access.tlsSessions },
    endpoint: (name) => ({
      resolve: async (refresh) => {
        const t = await access.target(name, refresh);
        return t ? { host: t.internalIp, port: RUNTIME_HTTPS_PORT } : null;
      },
    }),
  });
}

async function presence(ctx: OrchestratorContext, name: string): Promise<VplcPresence> {
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId).catch((err: unknown) => {
    throw new WorkerError('UNAVAILABLE', `Docker did not answer: ${dockerMessage(err)}`);
  });
  if (!info) return 'missing';
  return info.State.Running ? 'running' : 'stopped';
}

export function productionActions(ctx: OrchestratorContext, sessions: RuntimeSessions, monitor: PlcMonitorApi): PlcActions {
  return new PlcActions({ sessions, monitor, presence: (name) => presence(ctx, name), log: ctx.log, shutdown: ctx.shutdown });
}
