import type Docker from 'dockerode';
import type { HelperResult } from './engine.js';
import { Label, ownLabels } from './labels.js';
import { HelperTimeout, SCRIPT_HELPER_CMD, ScriptHelper, type HelperOps } from './script-helper.js';
import { hostHelperSpec } from '../spec/netns-helper.js';

/** A warm helper idle this long exits; the next probe starts a new one. */
export const WARM_HELPER_IDLE_MS = 30_000;

/** After a warm helper could not start, probes use one-shot helpers this long before it is tried again. */
export const WARM_HELPER_RETRY_MS = 5 * 60_000;

/** The only rights the warm helper has: ARP probes on the host's interfaces. */
export const WARM_HELPER_CAPABILITIES: readonly string[] = ['NET_RAW'];

/**
 * One host-network helper with NET_RAW only that stays up between ARP probes (docs/decisions.md "ARP probe"): a probe
 * on it costs its window, not a container create, start and remove (about 0.2 s each on a 2-core host, on the
 * critical path of every create with a static address). Scripts go to its stdin one at a time (docker/script-helper.ts);
 * a probe that comes while another runs, or that finds the helper unable to start or dead, runs on a one-shot helper
 * as before. It exits after `WARM_HELPER_IDLE_MS` without work, when the orchestrator closes, or when the agent dies
 * (its stdin closes), and Docker removes it (`AutoRemove`). An engine restart with live-restore loses the attach stream
 * but not the container: a helper whose stream ended is removed by id when dropped, and every `probe-helper` is swept
 * at the agent's start and after an engine outage (lifecycle/helper-sweep.ts). Its labels are the installation's and
 * the role `probe-helper` only: no vPLC's or parent's clean-up touches it. A helper that cannot start (an engine or
 * proxy that refuses attach) is logged and not tried again for `WARM_HELPER_RETRY_MS`.
 *
 * INVARIANTS
 * - At most one warm helper, and at most one script on it at a time.
 * - Every call returns the script's result or throws once: a failure of the warm helper falls back to a one-shot run,
 *   except a timeout, which a one-shot run would only repeat.
 * - After `close()` no warm helper is started; the one running is told to exit.
 */
export class WarmHostHelper {
  private helper: { image: string; ready: Promise<ScriptHelper | null> } | null = null;
  private busy = false;
  private closed = false;
  private idle: NodeJS.Timeout | undefined;
  /** Monotonic ms before which no warm helper is started (after one failed to). */
  private retryAt = 0;

  constructor(
    private readonly docker: Docker,
    /** The container steps, from the engine wrapper (docs/architecture.md "Who writes to Docker"). */
    private readonly ops: HelperOps,
    private readonly idleMs = WARM_HELPER_IDLE_MS,
    private readonly warn: (msg: string, data: Record<string, unknown>) => void = () => undefined,
  ) {}

  /** Runs `script` on the warm helper when it is free, else through `oneShot`. */
  async run(image: string, script: string, labels: Record<string, string>, timeoutMs: number, oneShot: () => Promise<HelperResult>): Promise<HelperResult> {
    if (this.closed || this.busy) return oneShot();
    this.busy = true;
    clearTimeout(this.idle);
    try {
      const helper = await this.ensure(image, labels);
      if (!helper) return await oneShot();
      try {
        return await helper.run(script, { timeoutMs });
      } catch (err) {
        this.drop();
        if (err instanceof HelperTimeout) throw err;
        return await oneShot();
      }
    } finally {
      this.busy = false;
      if (!this.closed) this.idle = setTimeout(() => this.drop(), this.idleMs).unref();
    }
  }

  /** The running warm helper must exit; none is started again. */
  close(): void {
    this.closed = true;
    clearTimeout(this.idle);
    this.drop();
  }

  /** The warm helper for `image`, started when there is none (or it died); null when it cannot start now. */
  private async ensure(image: string, labels: Record<string, string>): Promise<ScriptHelper | null> {
    const current = this.helper;
    if (current && current.image === image) {
      const h = await current.ready;
      if (h?.open) return h;
    }
    this.drop();
    const instance = labels[Label.instance];
    if (this.closed || instance === undefined || performance.now() < this.retryAt) return null;
    const spec = hostHelperSpec({ image, cmd: [...SCRIPT_HELPER_CMD], labels: ownLabels(instance, 'probe-helper'), capabilities: WARM_HELPER_CAPABILITIES, autoRemove: true, stdin: true });
    const ready = ScriptHelper.launch(this.docker, this.ops, spec, 'warm host helper').catch((err: unknown) => {
      this.retryAt = performance.now() + WARM_HELPER_RETRY_MS;
      this.warn('the warm ARP probe helper could not start; probes use one-shot helpers for a while', { err: err instanceof Error ? err.message : String(err), retryInMs: WARM_HELPER_RETRY_MS });
      return null;
    });
    this.helper = { image, ready };
    return ready;
  }

  /** Lets the current helper go: told to exit, or removed when its stream already ended (the engine lost it). */
  private drop(): void {
    const old = this.helper;
    this.helper = null;
    void old?.ready.then((h) => {
      if (!h) return;
      if (h.ended) return this.ops.remove(h.id, 'warm host helper lost its stream').catch(() => undefined);
      h.close();
      return undefined;
    });
  }
}
