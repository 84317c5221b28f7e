import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { ApiClient } from '../core/api/ws-client.js';
import { serviceFiles } from '../lib/lock/agent-lock.js';
import { agentFiles, userRunDir, type AgentFiles } from '../lib/lock/run-dir.js';
import { readReport, viewAgent } from '../lib/lock/state-report.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { defaultDataDir } from '../core/settings/layers.js';
import { defaultSettings } from '../core/settings/schema.js';
import { agentTokenFiles } from './attach.js';
import { humanDate } from './dates.js';
import { findRunningAgent, lastDataDir, tokenAdvice, uiAccess, uiLink } from './running-agent.js';
import { printDockerVplcs, printLiveVplcs } from './status-vplcs.js';

export const STATUS_USAGE = `usage: vplc-orchestrator status [options]

Which agent runs on this PC (or why none does), the address of its UI (with the token when you may read it), and this
installation's vPLCs with their LAN addresses and warnings. Read-only: it never changes anything.

When no agent answers, the vPLCs come from Docker (states only). The running agent is found by itself; the options
below only matter for an agent that is not running, or to look at another installation:
  --data-dir DIR           state directory (VPLC_DATA_DIR)
  --settings FILE          settings file
  --ui-port PORT           the UI port to try when the running agent did not record one
`;

const Installation = z.object({ id: z.string() });

/** One line about an agent: running with its pid, or why not (its last start failed, it crashed, it stopped). */
export async function agentLine(label: string, files: AgentFiles, now: () => Date = () => new Date()): Promise<string | null> {
  const v = await viewAgent(files, (iso) => humanDate(iso, now()));
  if (v.running) return `${label}: running${v.pid ? ` (pid ${v.pid})` : ''}`;
  if (!v.why && !(await readReport(files.report))) return null;
  return `${label}: not running${v.why ? ` — ${v.why}` : ''}`;
}

const givesDataDir = (argv: string[], env: NodeJS.ProcessEnv): boolean => !!env.VPLC_DATA_DIR || argv.some((a) => a === '--data-dir' || a.startsWith('--data-dir='));

async function installationId(dataDir: string): Promise<string | null> {
  try {
    return Installation.parse(JSON.parse(await readFile(path.join(dataDir, 'installation.json'), 'utf8'))).id;
  } catch {
    return null;
  }
}

/**
 * Read-only: which agent runs (or why none does), its UI address, then this installation's vPLCs: live from the
 * running agent when its token is readable, else Docker's view. Still answers when the settings cannot be read.
 */
export async function printStatus(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  let dataDir = defaultDataDir(env);
  let lockName = defaultSettings().agent.lockName;
  let uiPort = defaultSettings().agent.uiPort;
  try {
    const { config } = await loadConfig(argv);
    ({ dataDir, lockName, uiPort } = config);
  } catch (err) {
    if (err instanceof UsageError || !(err instanceof Error)) throw err;
    out(`settings unreadable: ${err.message}\n`);
  }
  const own = (() => {
    try {
      return agentFiles(userRunDir(env), lockName);
    } catch (err) {
      out(`${(err as Error).message}\n`);
      return agentFiles(userRunDir(env), defaultSettings().agent.lockName);
    }
  })();
  const lines = [await agentLine('system service', serviceFiles(env)), await agentLine('agent of this user', own)].filter((l): l is string => l !== null);
  out(lines.length ? `${lines.join('\n')}\n` : 'no agent has run on this host\n');

  const running = await findRunningAgent(env, lockName);
  let client: ApiClient | null = null;
  if (running) {
    const access = await uiAccess(running, { uiPort, tokenFiles: agentTokenFiles({ dataDir }, env) });
    out(access.token ? `UI: ${uiLink(access)}\n` : `UI: ${access.url} — ${tokenAdvice(access, running)}\n`);
    if (running.report?.dataDir && !givesDataDir(argv, env)) dataDir = running.report.dataDir;
    if (access.token) {
      client = await ApiClient.connect(Number(new URL(access.url).port), access.token, 5_000).catch((err: unknown) => {
        out(`the agent did not answer on ${access.url}: ${(err as Error).message}\n`);
        return null;
      });
    }
  }

  if (!running && !givesDataDir(argv, env)) dataDir = (await lastDataDir(env, lockName)) ?? dataDir;
  const id = await installationId(dataDir);
  if (client) {
    try {
      out(id ? `installation ${id}: ` : '');
      await printLiveVplcs(client, out);
      return 0;
    } catch (err) {
      out(`\nthe running agent did not list its vPLCs: ${(err as Error).message}\n`);
    } finally {
      client.close();
    }
  }
  if (!id) {
    out(`no installation in ${dataDir} (the agent has not run here yet, or this user may not read it)\n`);
    return 0;
  }
  return printDockerVplcs(id, out);
}
