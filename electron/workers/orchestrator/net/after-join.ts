import type { OrchestratorContext } from '../context.js';
import type { HelperResult } from '../docker/engine.js';
import { ownLabels } from '../docker/labels.js';
import { announceAddressesScript } from './arp-probe.js';
import { dropDefaultRoutesScript, implicitRouteIps } from './implicit-route.js';

/** What one after-join run has to do for a vPLC: default routes to remove and addresses to announce. */
export type AfterJoinWork = { routeIps: string[]; announceIps: string[] };

export function afterJoinWork(ctx: OrchestratorContext, name: string): AfterJoinWork {
  const vnics = ctx.store.getVnics(name);
  return {
    routeIps: implicitRouteIps(vnics),
    // Off where switches with dynamic ARP inspection log every gratuitous ARP (README.md, `orchestrator.gratuitousArp`).
    announceIps: ctx.settings.gratuitousArp ? vnics.flatMap((v) => (v.network_mode === 'static' && v.ip ? [v.ip] : [])) : [],
  };
}

/**
 * After a vPLC's vNICs joined the LAN with their MACs verified (create, start, re-attach): removes the default route
 * Docker adds to a static vNIC without a gateway (docs/networking.md), then announces each static address with one
 * gratuitous ARP. Both run in ONE helper in the vPLC's namespace: a create's `success` waits for this step, and each
 * helper container costs about 0.2 s. Never throws; a failure is a warning (routes) or a log line (announcements).
 */
export async function afterJoin(ctx: OrchestratorContext, name: string, containerId: string, run?: (script: string, work: AfterJoinWork) => Promise<HelperResult>): Promise<void> {
  const work = afterJoinWork(ctx, name);
  const { routeIps, announceIps } = work;
  ctx.warnings.clearPrefix(name, 'route:');
  if (routeIps.length === 0 && announceIps.length === 0) return;
  const script = [routeIps.length ? dropDefaultRoutesScript(routeIps) : '', announceIps.length ? announceAddressesScript(announceIps) : ''].filter(Boolean).join('\n');
  try {
    // `run`: a helper already in the vPLC's namespace with the same rights (a re-attach's MAC helper) instead of a new one.
    const r = run ? await run(script, work) : await ctx.engine.runInNetns(containerId, await ctx.helper.image(), script, ownLabels(ctx.store.installationId, 'helper', { vplc: name }));
    const out = (r.stdout + r.stderr).trim().slice(0, 300);
    if (routeIps.some((ip) => !r.stdout.includes(`no-default ${ip} `))) ctx.log.info('default route check: some static addresses are not in place yet', { vplc: name, out });
    if (announceIps.length && !r.stdout.includes('announced')) ctx.log.warn('gratuitous ARP not sent', { vplc: name, out });
  } catch (err) {
    if (routeIps.length) ctx.warnings.set(name, 'route:helper', `The default route Docker adds to a static vNIC without a gateway could not be removed: ${(err as Error).message}`);
    ctx.log.warn('after-join helper failed', { vplc: name, err: (err as Error).message, routes: routeIps.length, announcements: announceIps.length });
  }
}

/** After-join helpers still running in the background, per context and vPLC (a create does not wait for its own). */
const inFlight = new WeakMap<OrchestratorContext, Map<string, Promise<void>>>();

/** Runs `afterJoin` once `ready` settles, without the caller waiting; a stop or delete waits for it with `afterJoinSettled`. */
export function afterJoinInBackground(ctx: OrchestratorContext, name: string, containerId: string, ready: Promise<unknown>): void {
  const byName = inFlight.get(ctx) ?? new Map<string, Promise<void>>();
  inFlight.set(ctx, byName);
  const run = ready.then(() => afterJoin(ctx, name, containerId)).finally(() => {
    if (byName.get(name) === run) byName.delete(name);
  });
  byName.set(name, run);
}

/** Waits for a background after-join of this vPLC, so stopping it never races that helper. Never rejects. */
export async function afterJoinSettled(ctx: OrchestratorContext, name: string): Promise<void> {
  await inFlight.get(ctx)?.get(name)?.catch(() => undefined);
}
