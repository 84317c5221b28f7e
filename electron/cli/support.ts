import path from 'node:path';
import { appVersion } from '../core/agent.js';
import { loadConfig } from '../core/headless.js';
import { UsageError } from '../core/settings/args.js';
import { defaultSettingsFile } from '../core/settings/layers.js';
import { buildSupportBundle } from '../core/support/bundle.js';
import { writeFileAtomic } from '../lib/fs/atomic.js';
import { agentTokenFiles } from './attach.js';

/** `vplc-orchestrator support [--out FILE] [agent options]`: writes the redacted support bundle and prints its path. */
export async function runSupport(argv: string[]): Promise<number> {
  let out: string | undefined;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--out' || a.startsWith('--out=')) {
      out = a.includes('=') ? a.slice('--out='.length) : argv[++i];
      if (!out) throw new UsageError('--out needs a file name');
    } else rest.push(a);
  }
  const { config } = await loadConfig(rest);
  const settingsAt = rest.indexOf('--settings');
  const settingsFile = settingsAt >= 0 ? (rest[settingsAt + 1] as string) : (process.env.VPLC_SETTINGS ?? defaultSettingsFile(process.env));
  const tokenFiles = agentTokenFiles(config);
  const { archive, files } = await buildSupportBundle({ config, settingsFile, tokenFiles, appVersion: appVersion() });
  const file = path.resolve(out ?? `vplc-support-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`);
  // 0600: redacted, but still the inside view of a plant PC.
  await writeFileAtomic(file, archive, 0o600);
  process.stdout.write(`support bundle written: ${file} (${files.length} files, ${archive.length} bytes; redacted, no keys or certificates)\n`);
  return 0;
}
