import { spawn, type ChildProcess } from 'node:child_process';

export type Ready = { port: number; token: string; url: string; metricsPort?: number };
export type AgentProcess = { child: ChildProcess; ready: Promise<Ready>; output(): string; stop(): Promise<void> };

/**
 * A real headless agent process (from the checkout, through tsx) and its JSON "ready" line. Its metrics endpoint
 * takes a free port unless the test says otherwise (test agents run side by side).
 */
export function spawnAgent(args: string[], env: NodeJS.ProcessEnv): AgentProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'electron/cli/run.ts', 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, VPLC_METRICS_PORT: '0', ...env } });
  let out = '';
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const ready = new Promise<Ready>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{"event":"ready"'));
      if (line) resolve(JSON.parse(line) as Ready);
    });
    child.on('exit', (code) => reject(new Error(`agent exited ${code}: ${out}`)));
  });
  return {
    child,
    ready,
    output: () => out,
    stop: async () => {
      // A process ended by a signal has no exit code: waiting for its 'exit' again would wait forever.
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
