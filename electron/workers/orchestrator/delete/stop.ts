import { performance } from 'node:perf_hooks';
import type { OrchestratorContext } from '../context.js';
import { dockerMessage } from '../docker/errors.js';
import type { StepActor } from '../exec/steps.js';
import { reprovision } from '../lifecycle/reprovision.js';

/** Exit status of a process ended by SIGKILL (128 + 9): what Docker's stop leaves when the timeout ran out. */
const KILLED_EXIT_CODE = 137;

/** How a stop ended: the container was not running, it shut down within the stop timeout, or Docker killed it. */
export type StopOutcome =
  | { kind: 'not-running' }
  | { kind: 'clean'; seconds: number; exitCode: number | null }
  | { kind: 'killed'; seconds: number; timeoutSec: number };

/** The words of the ack, the journal and the log (docs/lifecycle.md "Stops"). Pure. */
export function describeStop(o: StopOutcome): string {
  switch (o.kind) {
    case 'not-running':
      return 'was already stopped';
    case 'clean':
      return `stopped cleanly in ${o.seconds.toFixed(2)} s`;
    case 'killed':
      return `stopped by kill after ${o.timeoutSec} s (the runtime did not shut down in time)`;
  }
}

/** Classifies a finished stop from the exit code Docker recorded; only a SIGKILL exit counts as a kill. Pure. */
export function stopOutcome(wasRunning: boolean, exitCode: number | null, seconds: number, timeoutSec: number): StopOutcome {
  if (!wasRunning) return { kind: 'not-running' };
  if (exitCode === KILLED_EXIT_CODE) return { kind: 'killed', seconds, timeoutSec };
  return { kind: 'clean', seconds, exitCode };
}

/**
 * Stops a vPLC container, giving the runtime `stopTimeoutSec` (a setting) to shut down before Docker kills it; one
 * already stopped or gone counts as stopped. Every stop of a vPLC goes through here, so the log tells a clean stop
 * from a kill whoever asked for it.
 */
export async function stopContainer(ctx: OrchestratorContext, name: string, containerId: string, by: StepActor, reason: string): Promise<StopOutcome> {
  const timeoutSec = ctx.settings.stopTimeoutSec;
  // A dedicated NIC goes back first: a virtual one would die with the namespace (docs/host-nics.md "Dedicated NICs").
  await ctx.dedicatedNics.handBack(name, containerId);
  const before = await ctx.engine.inspectContainer(containerId);
  const started = performance.now();
  try {
    await ctx.exec.run({ kind: 'stop', container: containerId, vplc: name, timeoutSec, by, reason, tolerate: ['not-modified', 'not-found'] });
  } catch (err) {
    await restoreIfStillRunning(ctx, name, containerId);
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const after = before?.State.Running ? await ctx.engine.inspectContainer(containerId) : null;
  const outcome = stopOutcome(before?.State.Running === true, after?.State.ExitCode ?? null, seconds, timeoutSec);
  const about = { vplc: name, by, reason, seconds: Number(seconds.toFixed(2)), exitCode: after?.State.ExitCode ?? null };
  if (outcome.kind === 'killed') ctx.log.warn(`vPLC ${describeStop(outcome)}`, about);
  else if (outcome.kind === 'clean') ctx.log.info(`vPLC ${describeStop(outcome)}`, about);
  return outcome;
}

/**
 * A stop that failed with the container still running: what the caller took away before the stop (the dedicated NIC,
 * the WiFi bridges, the DHCP clients and helpers) is put back, as after a start, so the running PLC keeps its networks.
 * Best effort; the stop's own error is what the caller reports.
 */
async function restoreIfStillRunning(ctx: OrchestratorContext, name: string, containerId: string): Promise<void> {
  try {
    const info = await ctx.engine.inspectContainer(containerId);
    if (!info?.State.Running) return;
    ctx.log.warn('stop failed with the vPLC still running: its host NICs and helpers are put back', { vplc: name });
    await ctx.dedicatedNics.ensure(name);
    await reprovision(ctx, name);
  } catch (err) {
    ctx.log.warn('restoring a vPLC after a failed stop failed', { vplc: name, err: dockerMessage(err) });
  }
}

/** Stops and removes a vPLC container; one already gone counts as removed. */
export async function stopAndRemove(ctx: OrchestratorContext, name: string, containerId: string, by: StepActor, reason: string): Promise<StopOutcome> {
  const outcome = await stopContainer(ctx, name, containerId, by, reason);
  await ctx.exec.run({ kind: 'remove', container: containerId, vplc: name, by, reason, tolerate: ['not-found'] });
  return outcome;
}
