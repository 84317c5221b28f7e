import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLOUD_SIM_USAGE = `usage: vplc-orchestrator cloud-sim [--port 3001] [--provision-port 3002] [--out DIR]

Runs the local cloud simulator (the cloud's Socket.IO endpoint and its provisioning server, with their own CA) and
prints the commands to enrol this PC and run the agent against it. A development tool: it runs from a source checkout
(npm run cloud-sim) and is not part of the installed app.
`;

/** The checkout root (two levels above electron/cli/), or null when this file does not live in a checkout. */
export function checkoutRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string | null {
  const root = path.resolve(from, '..', '..');
  return existsSync(path.join(root, 'test', 'cloud-sim', 'cli.ts')) ? root : null;
}

/**
 * `vplc-orchestrator cloud-sim [args]`: runs the cloud simulator from a source checkout (a development tool; the
 * packaged app does not ship it). Resolves with the simulator's exit code, or 2 when there is no checkout.
 */
export async function runCloudSim(argv: string[], root: string | null = checkoutRoot()): Promise<number> {
  const tsx = root ? path.join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs') : null;
  if (!root || !tsx || !existsSync(tsx)) {
    process.stderr.write(
      'vplc-orchestrator cloud-sim: the cloud simulator is a development tool that runs from a source checkout ' +
        '(test/cloud-sim, with its dev dependencies); it is not part of the installed app. In a checkout: npm run cloud-sim\n',
    );
    return 2;
  }
  const child = spawn(process.execPath, [tsx, path.join(root, 'test', 'cloud-sim', 'cli.ts'), ...argv], { stdio: 'inherit', cwd: root });
  const forward = (sig: NodeJS.Signals): void => void child.kill(sig);
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      process.off('SIGINT', forward);
      process.off('SIGTERM', forward);
      resolve(code ?? (signal ? 1 : 0));
    });
    child.on('error', (err) => {
      process.stderr.write(`vplc-orchestrator cloud-sim: ${err.message}\n`);
      resolve(1);
    });
  });
}
