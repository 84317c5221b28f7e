import { randomUUID } from 'node:crypto';
import type { OrchestratorContext } from '../context.js';
import { finishAfterStart, runCreate, type RuntimeProbe } from '../create/pipeline.js';
import { runDelete } from '../delete/pipeline.js';
import type { AdoptResult } from './adopt.js';

/** Runs work in a vPLC's executor queue and keeps track of it (the orchestrator's close() waits for it). */
export type QueuedRunner = (name: string, fn: () => Promise<void>) => void;

/** Operations a previous agent left unfinished (see adoptExisting); each runs in its vPLC's queue and shows in status. */
export function resumeInterrupted(ctx: OrchestratorContext, a: AdoptResult, run: QueuedRunner, probe: RuntimeProbe): void {
  for (const r of a.resumeCreates) {
    if (!ctx.ops.begin(r.name, 'create')) continue;
    ctx.ops.setStep(r.name, 'waiting_for_runtime');
    const ip = ctx.store.getClient(r.name)?.ip ?? '';
    run(r.name, () => finishAfterStart(ctx, r.name, r.containerId, ip, probe, () => Promise.resolve()));
  }
  for (const name of a.resumeFromSpec) {
    const spec = ctx.store.getDesired(name)?.spec;
    if (!spec || !ctx.ops.begin(name, 'create')) continue;
    ctx.log.info('resuming an interrupted create from the stored spec', { vplc: name });
    run(name, () => runCreate(ctx, spec, randomUUID(), 'agent', probe));
  }
  for (const name of a.resumeDeletes) {
    if (ctx.ops.begin(name, 'delete')) run(name, () => runDelete(ctx, name, 'agent'));
  }
}
