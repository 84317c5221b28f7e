import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import type { HelperResult } from './engine.js';

/**
 * Printed after each script on stdout and on stderr: `--vplc-orchestrator-step-<n> <exit code>`. Docker copies the two
 * streams through separate pipes, so only a marker on each tells where a script's stderr ends.
 */
const MARK = '--vplc-orchestrator-step';
const STEP_END = /--vplc-orchestrator-step-(\d+) (\d+)\n/;

/**
 * The command of a script helper: `sh -s` reading the scripts, under a shell that ends it on SIGTERM. A shell that is
 * the container's PID 1 and has no handler ignores SIGTERM (pid_namespaces(7)), and one blocked reading stdin never runs
 * a trap, so the engine's shutdown waited its 10 s stop timeout for every helper that was up (the warm probe helper
 * stays up 30 s after a create): a Docker restart took that much longer to bring the PLCs back. The reader runs in the
 * background on the saved stdin (an asynchronous command would get /dev/null) and the outer shell waits for it, exiting
 * with its code when stdin closes.
 */
export const SCRIPT_HELPER_CMD: readonly string[] = ['sh', '-c', 'exec 3<&0; sh -s <&3 3<&- & p=$!; exec 3<&-; trap "kill $p 2>/dev/null; exit 143" TERM; wait $p; exit $?'];

/** A script that did not finish in time; the helper was destroyed and removed. */
export class HelperTimeout extends Error {}

/** How a helper container is made, started and removed: through the executor (logged steps) or the engine directly. */
export type HelperOps = {
  create(spec: Docker.ContainerCreateOptions): Promise<string>;
  start(id: string): Promise<void>;
  /** Tolerates a container that is already gone. */
  remove(id: string, reason: string): Promise<void>;
};

/**
 * A helper container that runs `sh -s` (`SCRIPT_HELPER_CMD`) and takes its scripts on an attached stdin, one at a time, each in its own
 * subshell with stdin from /dev/null (a command that reads stdin cannot swallow the next script or its marker) and
 * followed by a marker with its exit code on both streams. Closing stdin makes it exit; the spec's `AutoRemove` removes it off the
 * critical path; if the agent dies, stdin closes the same way. Used by the MAC helper of a re-attachment
 * (reattach/wire-helper.ts) and the warm host helper of ARP probes (docker/warm-host-helper.ts).
 *
 * INVARIANTS
 * - Owns one attach stream; at most one script (and its timer) is in flight, a second `run` meanwhile is refused.
 * - Holds the output of the script in flight only: each `run` starts with empty buffers.
 * - The stream is finished once: ended by `close` or the last script, or destroyed by a timeout, which also removes
 *   the container. A stream that ended before anyone closed stdin marks the helper lost: `discard` removes it by id,
 *   once, whatever closed it meanwhile (a failed script closes it too).
 * - Never throws from stream handlers; failures surface as the rejection of the step that waited.
 */
export class ScriptHelper {
  private stdout = '';
  private stderr = '';
  private streamEnded = false;
  private closed = false;
  /** The stream ended although nobody closed stdin: the helper may still run (see `discard`). */
  private lost = false;
  private removed = false;
  private steps = 0;
  private wake: (() => void) | null = null;

  /** Use `launch`, which creates and starts the container first. */
  constructor(
    docker: Docker,
    private readonly ops: HelperOps,
    readonly id: string,
    private readonly stream: Duplex,
    /** Names the helper in errors ("MAC helper"). */
    private readonly what: string,
  ) {
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (b: Buffer) => {
      this.stdout += b.toString('utf8');
      this.wake?.();
    });
    err.on('data', (b: Buffer) => {
      this.stderr += b.toString('utf8');
      this.wake?.();
    });
    docker.modem.demuxStream(stream, out, err);
    const end = (): void => {
      if (!this.closed && !this.streamEnded) this.lost = true;
      this.streamEnded = true;
      this.wake?.();
    };
    stream.once('end', end);
    stream.once('close', end);
    stream.once('error', end);
  }

  /** Creates, attaches and starts the helper (its spec runs `sh -s` with stdin open); it then waits for scripts. */
  static async launch<T extends ScriptHelper>(
    this: new (docker: Docker, ops: HelperOps, id: string, stream: Duplex, what: string) => T,
    docker: Docker,
    ops: HelperOps,
    spec: Docker.ContainerCreateOptions,
    what: string,
  ): Promise<T> {
    const id = await ops.create(spec);
    try {
      const stream = (await docker.getContainer(id).attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      const h = new this(docker, ops, id, stream, what);
      await ops.start(id);
      return h;
    } catch (err) {
      // Never started, so AutoRemove does not apply.
      await ops.remove(id, `${what} did not start`).catch(() => undefined);
      throw err;
    }
  }

  /** Whether another script can still be run. */
  get open(): boolean {
    return !this.closed && !this.streamEnded;
  }

  /** The attach stream ended: the helper exited, or the engine that held the stream went away (it may still run). */
  get ended(): boolean {
    return this.streamEnded;
  }

  /**
   * Runs `script` in a subshell and returns its output and exit code once its marker arrives; `last` ends stdin with
   * it. Rejects when the helper exits before the marker or the marker does not come within `timeoutMs`.
   */
  async run(script: string, o: { last?: boolean; timeoutMs?: number } = {}): Promise<HelperResult> {
    if (!this.open) throw new Error(`${this.what} already closed`);
    // One wake slot and one marker at a time: a second script would steal the first one's wake-up.
    if (this.wake) throw new Error(`${this.what} is still running a script`);
    const n = this.steps++;
    this.stdout = '';
    this.stderr = '';
    const text = `(\n${script}\n) </dev/null\nrc=$?\necho "${MARK}-${n} $rc" >&2\necho "${MARK}-${n} $rc"\n`;
    if (o.last) {
      this.closed = true;
      this.stream.end(text);
    } else this.stream.write(text);
    const found = (output: string): RegExpExecArray | null => {
      const m = STEP_END.exec(output);
      return m && Number(m[1]) === n ? m : null;
    };
    const timeoutMs = o.timeoutMs ?? 20_000;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), timeoutMs);
      const wake = (): void => {
        if ((found(this.stdout) && found(this.stderr)) || this.streamEnded) resolve(false);
      };
      this.wake = wake;
      wake();
    });
    clearTimeout(timer);
    this.wake = null;
    const out = found(this.stdout);
    const err = found(this.stderr);
    if (timedOut) {
      this.closed = true;
      this.removed = true;
      this.stream.destroy();
      await this.ops.remove(this.id, `${this.what} timed out`).catch(() => undefined);
      throw new HelperTimeout(`${this.what} timed out after ${timeoutMs} ms`);
    }
    if (!out || !err) throw new Error(`${this.what} exited early: ${this.stderr.trim() || this.stdout.trim() || 'no output'}`);
    return { exitCode: Number(out[2]), stdout: this.stdout.slice(0, out.index), stderr: this.stderr.slice(0, err.index) };
  }

  /** Ends stdin (the helper exits and Docker removes it); a no-op once closed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stream.end();
  }

  /**
   * Not needed after all. A helper whose attach stream ended without it exiting (an engine restart with live-restore
   * keeps the container and drops the stream) cannot be told through stdin: it is removed by id.
   */
  discard(): void {
    this.close();
    if (!this.lost || this.removed) return;
    this.removed = true;
    void this.ops.remove(this.id, `${this.what} lost its attach stream`).catch(() => undefined);
  }
}
