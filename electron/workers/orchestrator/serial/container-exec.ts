import { PassThrough, type Duplex } from 'node:stream';
import type { Engine } from '../docker/engine.js';
import { dockerMessage } from '../docker/errors.js';

/** How one command inside a container ended; `exitCode` is null when it could not run or did not end in time. */
export type ExecOutcome = { exitCode: number | null; stdout: string; stderr: string; error: string | null };

/**
 * Runs `cmd` (no shell) inside a running container as root, reading its exit code and both output streams
 * (Docker multiplexes them on one stream without a TTY). Never rejects: a refused exec or a timeout is `error`.
 * Exec is not a write to the container's configuration, so it does not go through the executor.
 */
export async function execAsRoot(engine: Engine, containerId: string, cmd: readonly string[], timeoutMs: number): Promise<ExecOutcome> {
  let stdout = '';
  let stderr = '';
  let stream: Duplex | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    const exec = await engine.docker.getContainer(containerId).exec({ Cmd: [...cmd], User: '0', AttachStdout: true, AttachStderr: true, AttachStdin: false, Tty: false });
    const s = (await exec.start({ hijack: true, stdin: false })) as unknown as Duplex;
    stream = s;
    const out = new PassThrough();
    const err = new PassThrough();
    out.on('data', (b: Buffer) => (stdout += b.toString('utf8')));
    err.on('data', (b: Buffer) => (stderr += b.toString('utf8')));
    engine.docker.modem.demuxStream(s, out, err);
    const ended = new Promise<void>((resolve) => {
      s.once('end', resolve);
      s.once('close', resolve);
      s.once('error', () => resolve());
    });
    const deadline = Date.now() + timeoutMs;
    const timedOut = await Promise.race([ended.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))]);
    if (timedOut) return { exitCode: null, stdout, stderr, error: `timed out after ${timeoutMs} ms` };
    // The stream ends with the process; the engine may record the exit code a moment later.
    for (;;) {
      const st = await exec.inspect();
      if (!st.Running && st.ExitCode !== null) return { exitCode: st.ExitCode, stdout, stderr, error: null };
      if (Date.now() > deadline) return { exitCode: null, stdout, stderr, error: `timed out after ${timeoutMs} ms` };
      await new Promise((r) => setTimeout(r, 10));
    }
  } catch (err) {
    return { exitCode: null, stdout, stderr, error: dockerMessage(err) };
  } finally {
    clearTimeout(timer);
    stream?.destroy();
  }
}
