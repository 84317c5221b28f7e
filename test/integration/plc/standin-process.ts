/** The runtime stand-in (test/images/standin/server.mjs) as a plain Node process on loopback: no container needed. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unusedLoopbackPort } from '../../support/ports.js';

export type StandinProcess = { port: number; output: () => string; stop: () => Promise<void> };

const SERVER = fileURLToPath(new URL('../../images/standin/server.mjs', import.meta.url));

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** `env` may fix the HTTPS port (`STANDIN_HTTPS_PORT`: a runtime restarted at the same address). */
export async function startStandin(env: Record<string, string> = {}): Promise<StandinProcess> {
  const tls = mkdtempSync(path.join(tmpdir(), 'vplc-standin-tls-'));
  const fixed = Number(env.STANDIN_HTTPS_PORT ?? 0);
  const [port, httpPort] = [fixed > 0 ? fixed : await unusedLoopbackPort(), await unusedLoopbackPort()];
  const child: ChildProcess = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', STANDIN_CONFIG: '/nonexistent', STANDIN_TLS_DIR: tls, ...env, STANDIN_HTTPS_PORT: String(port), STANDIN_HTTP_PORT: String(httpPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGKILL');
      await exited;
    }
    rmSync(tls, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  while (!(await listening(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`stand-in did not listen on ${port}: ${out}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, output: () => out, stop };
}
