import { readFile } from 'node:fs/promises';
import { serviceFiles } from '../lib/lock/agent-lock.js';
import { agentFiles, userRunDir, type AgentFiles } from '../lib/lock/run-dir.js';
import { readReport, viewAgent, type AgentReport } from '../lib/lock/state-report.js';

function candidateFiles(env: NodeJS.ProcessEnv, lockName: string): Array<[RunningAgent['label'], AgentFiles]> {
  const list: Array<[RunningAgent['label'], AgentFiles]> = [['system service', serviceFiles(env)]];
  try {
    list.push(['agent of this user', agentFiles(userRunDir(env), lockName)]);
  } catch {
    // an unusable lock name: only the service can be found
  }
  return list;
}

/** The state directory the most recent agent (running or not) recorded, so `status` shows that installation. */
export async function lastDataDir(env: NodeJS.ProcessEnv, lockName: string): Promise<string | null> {
  const reports = await Promise.all(candidateFiles(env, lockName).map(([, f]) => readReport(f.report)));
  const withDir = reports.filter((r): r is AgentReport & { dataDir: string } => !!r?.dataDir).sort((a, b) => b.at.localeCompare(a.at));
  return withDir[0]?.dataDir ?? null;
}

export type RunningAgent = { label: 'system service' | 'agent of this user'; pid: number | null; report: AgentReport | null };

/**
 * The agent that runs on this host, found through its lock and its state report (both readable without privileges):
 * the system service first (it wins the host lock), then this user's own agent.
 */
export async function findRunningAgent(env: NodeJS.ProcessEnv, lockName: string): Promise<RunningAgent | null> {
  for (const [label, files] of candidateFiles(env, lockName)) {
    const view = await viewAgent(files);
    if (view.running) return { label, pid: view.pid, report: await readReport(files.report) };
  }
  return null;
}

export type UiAccess = { url: string; token: string | null; tokenFile: string | null; problem: string | null };

/**
 * The running agent's UI address: its port and token file come from its state report (an agent of an older version
 * did not record them: then the configured port and the usual token files). The token is read only when this user
 * may; otherwise `problem` says which file and why.
 */
export async function uiAccess(agent: RunningAgent, fallback: { uiPort: number; tokenFiles: string[] }): Promise<UiAccess> {
  const port = agent.report?.uiPort ?? fallback.uiPort;
  const url = `http://127.0.0.1:${port}/`;
  const files = agent.report?.tokenFile ? [agent.report.tokenFile] : fallback.tokenFiles;
  const problems: string[] = [];
  for (const file of files) {
    try {
      const token = (await readFile(file, 'utf8')).trim();
      if (token) return { url, token, tokenFile: file, problem: null };
      problems.push(`${file} is empty`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(code === 'EACCES' ? `${file} is not readable by this user` : code === 'ENOENT' ? `${file} does not exist` : `${file}: ${(err as Error).message}`);
    }
  }
  return { url, token: null, tokenFile: files[0] ?? null, problem: problems.join('; ') || 'the agent recorded no token file' };
}

/** The URL to open in a browser: with `#token=` when the token is readable. */
export const uiLink = (a: UiAccess): string => (a.token ? `${a.url}#token=${a.token}` : a.url);

/** What to do when the token cannot be read (the service's token is for the `vplc-orchestrator` group). */
export function tokenAdvice(a: UiAccess, agent: RunningAgent): string {
  const fix =
    agent.label === 'system service'
      ? 'join the vplc-orchestrator group (sudo usermod -aG vplc-orchestrator "$USER", then log in again) or run this command with sudo'
      : 'run this command as the user that runs the agent';
  return `the token is not readable (${a.problem}); ${fix}`;
}
