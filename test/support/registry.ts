import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MissingDependency } from './require.js';
import { unusedLoopbackPort } from './ports.js';

export type LocalRegistry = { host: string; stop(): Promise<void> };

/**
 * Debian's docker-registry (distribution 2.8) on 127.0.0.1 with storage in a temp dir. Docker treats 127.0.0.0/8 as
 * an insecure registry by default, so the engine pushes and pulls over plain HTTP without any daemon change.
 */
export async function startRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-registry-'));
  const port = await unusedLoopbackPort();
  const config = path.join(dir, 'config.yml');
  writeFileSync(
    config,
    ['version: 0.1', 'log:', '  level: warn', 'storage:', '  filesystem:', `    rootdirectory: ${dir}/data`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, ''].join('\n'),
  );
  let child: ChildProcess;
  try {
    child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch {
    throw new MissingDependency('docker-registry', "install Debian's docker-registry package (scripts/test-all does)");
  }
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new MissingDependency('docker-registry', `${err.message}; install Debian's docker-registry package (scripts/test-all does)`))),
  );
  const host = `127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    const up = await Promise.race([fetch(`http://${host}/v2/`).then((r) => r.ok, () => false), spawnError]);
    if (up) break;
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`docker-registry did not come up on ${host}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    host,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
