import { readFile } from 'node:fs/promises';
import path from 'node:path';
import Docker from 'dockerode';
import { z } from 'zod';
import { serviceFiles } from '../lib/lock/agent-lock.js';
import { agentFiles, userRunDir, type AgentFiles } from '../lib/lock/run-dir.js';
import { readReport, viewAgent } from '../lib/lock/state-report.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { defaultDataDir } from '../core/settings/layers.js';
import { defaultSettings } from '../core/settings/schema.js';
import { Label, ownFilter } from '../workers/orchestrator/docker/labels.js';

const Installation = z.object({ id: z.string() });

/** One line about an agent: running with its pid, or why not (its last start failed, it crashed, it stopped). */
export async function agentLine(label: string, files: AgentFiles): Promise<string | null> {
  const v = await viewAgent(files);
  if (v.running) return `${label}: running${v.pid ? ` (pid ${v.pid})` : ''}`;
  if (!v.why && !(await readReport(files.report))) return null;
  return `${label}: not running${v.why ? ` — ${v.why}` : ''}`;
}

/**
 * Read-only: which agent runs (or why none does), then Docker's view of this installation's vPLCs. Never opens the
 * state for writing, and still answers when the settings cannot be read.
 */
export async function printStatus(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (s: string) => void = (s) => void process.stdout.write(s)): Promise<number> {
  let dataDir = defaultDataDir(env);
  let lockName = defaultSettings().agent.lockName;
  try {
    const { config } = await loadConfig(argv);
    dataDir = config.dataDir;
    lockName = config.lockName;
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

  let id: string;
  try {
    id = Installation.parse(JSON.parse(await readFile(path.join(dataDir, 'installation.json'), 'utf8'))).id;
  } catch {
    out(`no installation in ${dataDir} (the agent has not run here yet)\n`);
    return 0;
  }
  let list: Docker.ContainerInfo[];
  try {
    list = await new Docker().listContainers({ all: true, filters: ownFilter(id, 'vplc') });
  } catch (err) {
    out(`installation ${id}: cannot list its vPLCs: ${(err as Error).message}\n`);
    return 1;
  }
  out(`installation ${id}: ${list.length} vPLC(s)\n`);
  for (const c of list.sort((a, b) => (a.Names[0] ?? '').localeCompare(b.Names[0] ?? ''))) {
    out(`  ${(c.Labels[Label.vplc] ?? c.Id).padEnd(40)} ${c.State.padEnd(10)} ${c.Status}\n`);
  }
  return 0;
}
