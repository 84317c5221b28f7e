import { PassThrough, type Duplex } from 'node:stream';
import type { Engine } from '../docker/engine.js';
import type { Executor } from '../exec/executor.js';
import { ownLabels } from '../docker/labels.js';
import { netnsHelperSpec } from '../spec/netns-helper.js';
import type { OrchestratorContext } from '../context.js';
import { enforceScript, enforceWireMacs, matchOutcomes, parseLinks, type MacOutcome, type MacTarget } from '../net/wire-mac.js';

const SEP = '--vplc-orchestrator--';
const DONE = '--vplc-orchestrator-done--';

/**
 * A MAC helper started in a vPLC's network namespace before the vPLC is reconnected (P2): the container start, the
 * expensive part, overlaps the old network's teardown; once Docker has connected the new endpoint the script is
 * written to the helper's stdin (`sh -s`), which measures (and below API 1.44 sets) the MACs and exits.
 * `AutoRemove` removes it off the critical path; if the agent dies, stdin closes, the empty script exits and Docker
 * removes it. The spec is the one of every netns helper (spec/netns-helper.ts).
 *
 * INVARIANTS
 * - Owns one attach stream and at most one timer; `run` and `discard` each end the stream exactly once.
 * - Never throws from stream handlers; failures surface as the `run` rejection.
 */
export class WireHelper {
  private stdout = '';
  private stderr = '';
  private readonly ended: Promise<void>;
  private used = false;

  private constructor(
    engine: Engine,
    private readonly exec: Executor,
    private readonly id: string,
    private readonly stream: Duplex,
  ) {
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (b: Buffer) => (this.stdout += b.toString('utf8')));
    err.on('data', (b: Buffer) => (this.stderr += b.toString('utf8')));
    engine.docker.modem.demuxStream(stream, out, err);
    this.ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  }

  /** Creates, attaches and starts the helper; it then waits for its script on stdin. */
  static async start(engine: Engine, exec: Executor, image: string, instance: string, vplc: string, containerId: string): Promise<WireHelper> {
    const about = { vplc, by: 'reattach', reason: 'MAC check on the wire after a move' } as const;
    const id = await exec.run({
      kind: 'create-container',
      ...about,
      options: netnsHelperSpec({ image, target: containerId, cmd: ['sh', '-s'], labels: ownLabels(instance, 'helper', { vplc }), stdin: true, autoRemove: true }),
    });
    try {
      const stream = (await engine.docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const h = new WireHelper(engine, exec, id, stream);
      await exec.run({ kind: 'start', container: id, ...about });
      return h;
    } catch (err) {
      // Never started, so AutoRemove does not apply.
      await exec.run({ kind: 'remove', container: id, ...about, tolerate: ['not-found'] }).catch(() => undefined);
      throw err;
    }
  }

  /** Runs `script` and returns its output once the helper has exited. */
  async run(script: string, timeoutMs = 20_000): Promise<{ stdout: string; stderr: string; complete: boolean }> {
    if (this.used) throw new Error('wire helper already used');
    this.used = true;
    this.stream.end(`${script}\necho ${DONE}\n`);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.ended.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.stream.destroy();
      await this.exec.run({ kind: 'remove', container: this.id, by: 'reattach', reason: 'MAC helper timed out', tolerate: ['not-found'] }).catch(() => undefined);
      throw new Error(`MAC helper timed out after ${timeoutMs} ms`);
    }
    return { stdout: this.stdout, stderr: this.stderr, complete: this.stdout.includes(DONE) };
  }

  /** Not needed after all: an empty script makes it exit (and Docker remove it). */
  discard(): void {
    if (this.used) return;
    this.used = true;
    this.stream.end();
  }

  /** `enforceWireMacs` on this helper: the same script and matching (net/wire-mac.ts). */
  async enforce(targets: MacTarget[]): Promise<MacOutcome[]> {
    if (targets.length === 0) {
      this.discard();
      return [];
    }
    const res = await this.run(enforceScript(targets));
    const parts = res.stdout.replace(`${DONE}\n`, '').split(`${SEP}\n`);
    if (!res.complete || parts.length < 3) {
      throw new Error(`MAC helper failed: ${res.stderr.trim() || res.stdout.trim() || 'no output'}`);
    }
    return matchOutcomes(targets, parseLinks(parts[1] ?? '', parts[2] ?? ''));
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
