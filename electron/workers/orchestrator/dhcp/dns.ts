import type { Readable, Writable } from 'node:stream';
import type { Engine } from '../docker/engine.js';

/**
 * Writes a vPLC's `/etc/resolv.conf` in place through `docker exec` (docs/decisions.md "DNS from a DHCP lease": the archive API cannot replace the
 * bind-mounted file on Docker 20.10). The helper cannot do it: it shares only the network namespace.
 */
export async function writeResolvConf(engine: Engine, containerId: string, content: string, timeoutMs = 10_000): Promise<void> {
  const exec = await engine.docker.getContainer(containerId).exec({
    Cmd: ['sh', '-c', 'cat > /etc/resolv.conf'],
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Readable & Writable;
  const done = new Promise<void>((resolve) => {
    stream.on('end', resolve);
    stream.on('close', resolve);
    stream.on('error', () => resolve());
    stream.resume();
  });
  stream.end(content);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await exec.inspect();
    if (!st.Running) {
      stream.destroy();
      if (st.ExitCode !== 0) throw new Error(`writing /etc/resolv.conf exited with ${st.ExitCode}`);
      return;
    }
    if (Date.now() > deadline) {
      stream.destroy();
      throw new Error('writing /etc/resolv.conf timed out');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
