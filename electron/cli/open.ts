import { spawn } from 'node:child_process';
import { loadConfig } from '../core/headless.js';
import { agentTokenFiles } from './attach.js';
import { findRunningAgent, tokenAdvice, uiAccess, uiLink } from './running-agent.js';

export const OPEN_USAGE = `usage: vplc-orchestrator open [options]

Opens the running agent's UI in the browser (xdg-open) when this session has a display; otherwise prints its address
with the token, to open in a browser on this PC. The agent is found by itself; --settings FILE, --data-dir DIR and
--ui-port PORT only matter for an agent that did not record its address.
`;

export type OpenIo = {
  out(s: string): void;
  err(s: string): void;
  /** Starts the browser; resolves false when it could not be started. */
  browse(url: string): Promise<boolean>;
};

/** xdg-open, detached: the browser outlives this command. */
export function xdgOpen(url: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [url], { stdio: 'ignore', detached: true });
    child.once('error', () => resolve(false));
    child.once('spawn', () => {
      child.unref();
      resolve(true);
    });
  });
}

const stdio: OpenIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s), browse: xdgOpen };

export const hasDisplay = (env: NodeJS.ProcessEnv): boolean => !!(env.DISPLAY || env.WAYLAND_DISPLAY);

/** `vplc-orchestrator open`: 0 opened or printed, 1 no agent runs or its token is not readable. */
export async function runOpen(argv: string[], env: NodeJS.ProcessEnv = process.env, io: OpenIo = stdio): Promise<number> {
  const { config } = await loadConfig(argv);
  const running = await findRunningAgent(env, config.lockName);
  if (!running) {
    io.err('vplc-orchestrator open: no agent runs on this PC; start one (vplc-orchestrator agent, or the system service) — `vplc-orchestrator status` says why none does\n');
    return 1;
  }
  const access = await uiAccess(running, { uiPort: config.uiPort, tokenFiles: agentTokenFiles(config, env) });
  if (!access.token) {
    io.err(`vplc-orchestrator open: the UI is at ${access.url}, but ${tokenAdvice(access, running)}\n`);
    return 1;
  }
  const link = uiLink(access);
  if (hasDisplay(env) && (await io.browse(link))) {
    io.out(`opening the UI in the browser: ${link}\n`);
    return 0;
  }
  io.out(`Open the UI: ${link}\n`);
  return 0;
}
