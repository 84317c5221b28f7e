import { stat } from 'node:fs/promises';
import path from 'node:path';
import { appVersion } from '../core/agent.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { defaultSettingsFile, type EffectiveConfig } from '../core/settings/layers.js';
import { buildSupportBundle } from '../core/support/bundle.js';
import { writeFileAtomic } from '../lib/fs/atomic.js';
import { agentTokenFiles } from './attach.js';
import { findRunningAgent } from './running-agent.js';

export const SUPPORT_USAGE = `usage: vplc-orchestrator support [--out FILE] [options]

Writes a redacted support bundle (.tar.gz, mode 0600): versions, the running agent's live status, settings, logs, the
journal and the state files; PEM blocks, tokens and secret-looking values removed, nothing from the mTLS directory.

It bundles the state directory of the agent that runs (the system service, else this user's agent); with no agent
running, the one the settings name. It says which one it bundles.
  --out FILE               where to write the bundle (default ./vplc-support-<time>.tar.gz)
  --data-dir DIR           bundle this state directory instead (VPLC_DATA_DIR)
  --settings FILE          settings file to include (and to find the state directory with)
`;

export type SupportIo = { out(s: string): void; err(s: string): void };
const stdio: SupportIo = { out: (s) => void process.stdout.write(s), err: (s) => void process.stderr.write(s) };

const givesDataDir = (argv: string[], env: NodeJS.ProcessEnv): boolean => !!env.VPLC_DATA_DIR || argv.some((a) => a === '--data-dir' || a.startsWith('--data-dir='));

/** Which state directory to bundle, and a sentence saying why that one. */
export async function pickDataDir(argv: string[], config: EffectiveConfig, env: NodeJS.ProcessEnv): Promise<{ config: EffectiveConfig; tokenFiles: string[]; why: string }> {
  const running = await findRunningAgent(env, config.lockName);
  const tokenFiles = agentTokenFiles(config, env);
  if (givesDataDir(argv, env)) return { config, tokenFiles, why: `bundling ${config.dataDir} (as asked)` };
  if (!running) return { config, tokenFiles, why: `no agent runs on this PC; bundling ${config.dataDir} (from the settings, or this user's default; give --data-dir for another)` };
  const r = running.report;
  const who = `the running ${running.label}${running.pid ? ` (pid ${running.pid})` : ''}`;
  if (!r?.dataDir) return { config, tokenFiles, why: `${who} did not record its state directory; bundling ${config.dataDir} (give --data-dir for another)` };
  return {
    config: { ...config, dataDir: r.dataDir, ...(r.uiPort ? { uiPort: r.uiPort } : {}) },
    tokenFiles: r.tokenFile ? [r.tokenFile, ...tokenFiles] : tokenFiles,
    why: `bundling ${r.dataDir}, the state directory of ${who}`,
  };
}

async function dirProblem(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? null : `${dir} is not a directory`;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${dir} does not exist` : `${dir}: ${(err as Error).message}`;
  }
}

/** `vplc-orchestrator support [--out FILE] [agent options]`: writes the redacted support bundle and prints its path. */
export async function runSupport(argv: string[], env: NodeJS.ProcessEnv = process.env, io: SupportIo = stdio): Promise<number> {
  let out: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--out' || a.startsWith('--out=')) {
      out = a.includes('=') ? a.slice('--out='.length) : argv[++i];
      if (!out) throw new UsageError('--out needs a file name');
    } else rest.push(a);
  }
  const loaded = await loadConfig(rest);
  const { config, tokenFiles, why } = await pickDataDir(rest, loaded.config, env);
  io.out(`${why}\n`);
  const problem = await dirProblem(config.dataDir);
  if (problem) io.err(`warning: ${problem}: the bundle holds no logs, journal or state files\n`);
  const settingsAt = rest.indexOf('--settings');
  const settingsFile = settingsAt >= 0 ? (rest[settingsAt + 1] as string) : (env.VPLC_SETTINGS ?? defaultSettingsFile(env));
  const { archive, files } = await buildSupportBundle({ config, settingsFile, tokenFiles, appVersion: appVersion() });
  const file = path.resolve(out ?? `vplc-support-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`);
  // 0600: redacted, but still the inside view of a plant PC.
  await writeFileAtomic(file, archive, 0o600);
  io.out(`support bundle written: ${file} (${files.length} files, ${archive.length} bytes; redacted, no keys or certificates)\n`);
  return 0;
}
