/** The production parts of the live variables: the maps in the state dir, the vPLCs of the store, the PLC's credentials. */
import type { OrchestratorContext } from '../context.js';
import type { PlcSubsystem } from '../plc/index.js';
import { LiveVars, type ForcedMarks } from './live-vars.js';
import { DebugMapStore } from './map-store.js';
import type { RuntimeDebugSessions } from './types.js';

export type { LiveVars };

export function liveVarsFor(ctx: OrchestratorContext, plc: PlcSubsystem, sessions: () => RuntimeDebugSessions, forced: ForcedMarks): LiveVars {
  const maps = new DebugMapStore(ctx.store.dir, { log: ctx.log, report: (p) => ctx.store.problems.push(p) });
  const live = new LiveVars({
    sessions,
    maps,
    exists: (n) => ctx.store.getDesired(n)?.tombstone === false,
    hasCredentials: (n) => plc.sessions.hasCredentials(n),
    now: () => ctx.clock.now(),
    log: ctx.log,
    forced,
    emit: (e) => ctx.emit(e),
  });
  // A bundle that compiled brings its variable map with it.
  plc.actions.onProgram((name, bundle) => live.programLoaded(name, bundle));
  live.start();
  return live;
}
