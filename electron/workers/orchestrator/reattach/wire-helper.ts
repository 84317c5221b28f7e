import { PassThrough, type Duplex } from 'node:stream';
import type { Engine, HelperResult } from '../docker/engine.js';
import type { Executor } from '../exec/executor.js';
import { ownLabels } from '../docker/labels.js';
import { netnsHelperSpec } from '../spec/netns-helper.js';
import type { OrchestratorContext } from '../context.js';
import { enforceScript, enforceWireMacs, matchOutcomes, parseLinks, type MacOutcome, type MacTarget } from '../net/wire-mac.js';

const SEP = '--vplc-orchestrator--';
/** Printed after each script: `--vplc-orchestrator-step-<n> <exit code>`. */
const MARK = '--vplc-orchestrator-step';
const STEP_END = /--vplc-orchestrator-step-(\d+) (\d+)\n/;

/**
 * A MAC helper started in a vPLC's network namespace before the vPLC is reconnected (P2): the container start, the
 * expensive part, overlaps the old network's teardown. Once Docker has connected the new endpoint, scripts are written
 * to the helper's stdin (`sh -s`), one at a time, each in its own subshell with stdin from /dev/null (a command that reads
 * stdin cannot swallow the next script or its marker) followed by a marker with its exit code: first the one that
 * measures (and below API 1.44 sets) the MACs, then, once those are verified, the after-join script (default routes,
 * gratuitous ARP), so one container serves both steps. Closing stdin makes it exit; `AutoRemove` removes it off the
 * critical path; if the agent dies, stdin closes the same way. The spec is the one of every netns helper
 * (spec/netns-helper.ts).
 *
 * INVARIANTS
 * - Owns one attach stream; at most one script (and its timer) is in flight, a second `run` meanwhile is refused.
 * - The stream is finished once: ended by `close` or the last script, or destroyed by a timeout, which also removes
 *   the container.
 * - Never throws from stream handlers; failures surface as the rejection of the step that waited.
 */
export class WireHelper {
  private stdout = '';
  private stderr = '';
  private ended = false;
  private closed = false;
  private steps = 0;
  private wake: (() => void) | null = null;

  private constructor(
    engine: Engine,
    private readonly exec: Executor,
    private readonly id: string,
    private readonly stream: Duplex,
  ) {
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (b: Buffer) => {
      this.stdout += b.toString('utf8');
      this.wake?.();
    });
    err.on('data', (b: Buffer) => (this.stderr += b.toString('utf8')));
    engine.docker.modem.demuxStream(stream, out, err);
    const end = (): void => {
      this.ended = true;
      this.wake?.();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  }

  /** Creates, attaches and starts the helper; it then waits for its scripts on stdin. */
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

  /** Whether another script can still be run. */
  get open(): boolean {
    return !this.closed && !this.ended;
  }

  /**
   * Runs `script` in a subshell and returns its output and exit code once its marker arrives; `last` ends stdin with
   * it. Rejects when the helper exits before the marker or the marker does not come within `timeoutMs`.
   */
  async run(script: string, o: { last?: boolean; timeoutMs?: number } = {}): Promise<HelperResult> {
    if (!this.open) throw new Error('wire helper already closed');
    // One wake slot and one marker at a time: a second script would steal the first one's wake-up.
    if (this.wake) throw new Error('wire helper is still running a script');
    const n = this.steps++;
    const from = this.stdout.length;
    const errFrom = this.stderr.length;
    const text = `(\n${script}\n) </dev/null\necho "${MARK}-${n} $?"\n`;
    if (o.last) {
      this.closed = true;
      this.stream.end(text);
    } else this.stream.write(text);
    const found = (): RegExpExecArray | null => {
      const m = STEP_END.exec(this.stdout.slice(from));
      return m && Number(m[1]) === n ? m : null;
    };
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), o.timeoutMs ?? 20_000);
      const wake = (): void => {
        if (found() || this.ended) resolve(false);
      };
      this.wake = wake;
      wake();
    });
    clearTimeout(timer);
    this.wake = null;
    const m = found();
    if (timedOut) {
      this.closed = true;
      this.stream.destroy();
      await this.exec.run({ kind: 'remove', container: this.id, by: 'reattach', reason: 'MAC helper timed out', tolerate: ['not-found'] }).catch(() => undefined);
      throw new Error(`MAC helper timed out after ${o.timeoutMs ?? 20_000} ms`);
    }
    const stderr = this.stderr.slice(errFrom);
    if (!m) throw new Error(`MAC helper exited early: ${stderr.trim() || this.stdout.slice(from).trim() || 'no output'}`);
    return { exitCode: Number(m[2]), stdout: this.stdout.slice(from, from + m.index), stderr };
  }

  /** Ends stdin (the helper exits and Docker removes it); a no-op once closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
  }

  /** Not needed after all. */
  discard(): void {
    this.close();
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
      this.close();
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
