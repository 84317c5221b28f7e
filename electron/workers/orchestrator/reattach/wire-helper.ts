import type { Engine } from '../docker/engine.js';
import type { Executor } from '../exec/executor.js';
import { ownLabels } from '../docker/labels.js';
import { SCRIPT_HELPER_CMD, ScriptHelper, type HelperOps } from '../docker/script-helper.js';
import { netnsHelperSpec } from '../spec/netns-helper.js';
import type { OrchestratorContext } from '../context.js';
import { enforceScript, enforceWireMacs, matchOutcomes, parseLinks, type MacOutcome, type MacTarget } from '../net/wire-mac.js';

const SEP = '--vplc-orchestrator--';

/**
 * A MAC helper started in a vPLC's network namespace before the vPLC is reconnected (P2): the container start, the
 * expensive part, overlaps the old network's teardown. Once Docker has connected the new endpoint, scripts are written
 * to the helper's stdin (docker/script-helper.ts): first the one that measures (and below API 1.44 sets) the MACs,
 * then, once those are verified, the after-join script (default routes, gratuitous ARP), so one container serves both
 * steps. The spec is the one of every netns helper (spec/netns-helper.ts); its steps go through the executor.
 */
export class WireHelper extends ScriptHelper {
  /** Creates, attaches and starts the helper; it then waits for its scripts on stdin. */
  static async start(engine: Engine, exec: Executor, image: string, instance: string, vplc: string, containerId: string): Promise<WireHelper> {
    const about = { vplc, by: 'reattach', reason: 'MAC check on the wire after a move' } as const;
    const ops: HelperOps = {
      create: (options) => exec.run({ kind: 'create-container', ...about, options }),
      start: (id) => exec.run({ kind: 'start', container: id, ...about }),
      // A removal the engine did not take (it is away) is left to the sweep after the outage.
      remove: (id, reason) =>
        exec.run({ kind: 'remove', container: id, vplc, by: 'reattach', reason, tolerate: ['not-found'] }).catch((err: unknown) => {
          engine.noteLeftoverHelper(id);
          throw err;
        }),
    };
    const spec = netnsHelperSpec({ image, target: containerId, cmd: [...SCRIPT_HELPER_CMD], labels: ownLabels(instance, 'helper', { vplc }), stdin: true, autoRemove: true });
    return WireHelper.launch(engine.docker, ops, spec, 'MAC helper');
  }

  /** `enforceWireMacs` on this helper: the same script and matching (net/wire-mac.ts); the helper stays open. */
  async enforce(targets: MacTarget[]): Promise<MacOutcome[]> {
    if (targets.length === 0) return [];
    try {
      const res = await this.run(enforceScript(targets));
      const parts = res.stdout.split(`${SEP}\n`);
      if (res.exitCode !== 0 || parts.length < 3) throw new Error(`MAC helper failed (exit ${res.exitCode}): ${res.stderr.trim() || res.stdout.trim() || 'no output'}`);
      return matchOutcomes(targets, parseLinks(parts[1] ?? '', parts[2] ?? ''));
    } catch (err) {
      this.discard();
      throw err;
    }
  }
}

/** The MACs on the pre-started helper; if that one failed, once more with the engine's one-shot helper. */
export async function measureMacs(ctx: OrchestratorContext, name: string, containerId: string, targets: MacTarget[], helper: WireHelper | null): Promise<MacOutcome[]> {
  if (helper) {
    try {
      return await helper.enforce(targets);
    } catch (err) {
      ctx.log.warn('re-attach: pre-started MAC helper failed; retrying with a one-shot helper', { vplc: name, err: (err as Error).message });
    }
  }
  return enforceWireMacs(ctx.engine, await ctx.helper.image(), ctx.store.installationId, name, containerId, targets);
}
