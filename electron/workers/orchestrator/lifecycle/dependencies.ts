import { sleep } from '../../../lib/time/clock.js';
import type { OrchestratorContext } from '../context.js';
import type { RuntimeProbe } from '../create/pipeline.js';

const WARNING_KEY = 'depends-on';
const POLL_MS = 2_000;

/**
 * Orders vPLCs so each comes after the vPLCs it depends on (only dependencies inside `names` count). Members of a
 * cycle cannot be ordered: they are returned in `cyclic` and placed last, in input order.
 */
export function dependencyOrder(names: string[], dependsOn: (name: string) => string[]): { order: string[]; cyclic: string[] } {
  const inSet = new Set(names);
  const state = new Map<string, 'visiting' | 'done'>();
  const order: string[] = [];
  const cyclic = new Set<string>();
  const visit = (n: string, path: string[]): boolean => {
    const s = state.get(n);
    if (s === 'done') return true;
    if (s === 'visiting') {
      for (const m of path.slice(path.indexOf(n))) cyclic.add(m);
      return false;
    }
    state.set(n, 'visiting');
    let ok = true;
    for (const d of dependsOn(n)) if (inSet.has(d) && !visit(d, [...path, n])) ok = false;
    state.set(n, 'done');
    if (ok && !cyclic.has(n)) order.push(n);
    return ok;
  };
  for (const n of names) visit(n, []);
  const rest = names.filter((n) => !order.includes(n));
  for (const n of rest) cyclic.add(n);
  return { order: [...order, ...rest], cyclic: names.filter((n) => cyclic.has(n)) };
}

/** Healthy = running and, when the image declares a Docker health check, `healthy`; otherwise the runtime API answers. */
export async function isHealthy(ctx: OrchestratorContext, name: string, probe: RuntimeProbe): Promise<boolean> {
  const info = await ctx.engine.resolveVplc(name, ctx.store.installationId).catch(() => null);
  if (!info?.State.Running) return false;
  if (info.State.Health) return info.State.Health.Status === 'healthy';
  const ip = ctx.store.getClient(name)?.ip;
  return ip ? probe(name, ip).catch(() => false) : false;
}

/**
 * Waits until every dependency of `name` is healthy, showing what it waits for in the vPLC's warnings. Resolves
 * false (and leaves a warning) when `timeoutMs` passes first: a dependent is never started without its dependencies.
 * A zero timeout checks once.
 */
export async function awaitDependencies(
  ctx: OrchestratorContext,
  name: string,
  probe: RuntimeProbe,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<boolean> {
  const deps = ctx.store.getDesired(name)?.spec?.dependsOn ?? [];
  if (deps.length === 0) return true;
  const deadline = ctx.clock.monotonic() + timeoutMs;
  for (;;) {
    const waiting: string[] = [];
    for (const d of deps) if (!(await isHealthy(ctx, d, probe))) waiting.push(d);
    if (waiting.length === 0) {
      ctx.warnings.clear(name, WARNING_KEY);
      return true;
    }
    if (timeoutMs > 0 && (ctx.clock.monotonic() >= deadline || signal.aborted)) {
      ctx.warnings.set(name, WARNING_KEY, `not started: ${waiting.join(', ')} not healthy after ${Math.round(timeoutMs / 1000)} s (depends_on)`);
      return false;
    }
    ctx.warnings.set(name, WARNING_KEY, `waiting for ${waiting.join(', ')} to be healthy before starting (depends_on)`);
    if (timeoutMs === 0 || signal.aborted) return false;
    await sleep(POLL_MS, signal).catch(() => undefined);
  }
}

/** The cycle a new vPLC's `depends_on` would close through the stored specs (`[name, …, name]`), or null. */
export function dependencyCycle(name: string, deps: string[], dependsOn: (name: string) => string[]): string[] | null {
  const seen = new Set<string>();
  const walk = (n: string, path: string[]): string[] | null => {
    if (n === name) return [...path, n];
    if (seen.has(n)) return null;
    seen.add(n);
    for (const d of dependsOn(n)) {
      const found = walk(d, [...path, n]);
      if (found) return found;
    }
    return null;
  };
  for (const d of deps) {
    const found = walk(d, [name]);
    if (found) return found;
  }
  return null;
}
