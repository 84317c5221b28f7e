import type Docker from 'dockerode';
import type { HelperResult } from './engine.js';
import { Label } from './labels.js';
import { HelperTimeout, ScriptHelper, type HelperOps } from './script-helper.js';
import { hostHelperSpec } from '../spec/netns-helper.js';

/** A warm helper idle this long exits; the next probe starts a new one. */
export const WARM_HELPER_IDLE_MS = 30_000;

/** The only rights the warm helper has: ARP probes on the host's interfaces. */
export const WARM_HELPER_CAPABILITIES: readonly string[] = ['NET_RAW'];

/**
 * One host-network helper with NET_RAW only that stays up between ARP probes (docs/decisions.md "ARP probe"): a probe
 * on it costs its window, not a container create, start and remove (about 0.2 s each on a 2-core host, on the
 * critical path of every create with a static address). Scripts go to its stdin one at a time (docker/script-helper.ts);
 * a probe that comes while another runs, or that finds the helper unable to start or dead, runs on a one-shot helper
 * as before. It exits after `WARM_HELPER_IDLE_MS` without work, when the orchestrator closes, or when the agent dies
 * (its stdin closes), and Docker removes it (`AutoRemove`). It carries no vPLC, parent or vNIC label, so no vPLC's clean-up removes it.
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
  constructor(
    private readonly docker: Docker,
    /** The container steps, from the engine wrapper (docs/architecture.md "Who writes to Docker"). */
    private readonly ops: HelperOps,
    private readonly idleMs = WARM_HELPER_IDLE_MS,
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

  /** The warm helper for `image`, started when there is none (or it died); null when it cannot start. */
  private async ensure(image: string, labels: Record<string, string>): Promise<ScriptHelper | null> {
    const current = this.helper;
    if (current && current.image === image) {
      const h = await current.ready;
      if (h?.open) return h;
    }
    this.drop();
    // Shared by every vPLC and parent: no label may tie it to one.
    const shared = Object.fromEntries(Object.entries(labels).filter(([k]) => k !== Label.vplc && k !== Label.parent && k !== Label.vnic));
    const spec = hostHelperSpec({ image, cmd: ['sh', '-s'], labels: shared, capabilities: WARM_HELPER_CAPABILITIES, autoRemove: true, stdin: true });
    const ready = ScriptHelper.launch(this.docker, this.ops, spec, 'warm host helper').catch(() => null);
    this.helper = { image, ready };
    return ready;
  }

  private drop(): void {
    const old = this.helper;
    this.helper = null;
    void old?.ready.then((h) => h?.close());
  }
}
