import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ApiClient } from '../core/api/ws-client.js';
import type { EffectiveConfig } from '../core/settings/layers.js';

/** Where a running agent's token may be: VPLC_TOKEN_FILE, the system service's, then this user's agent's. */
export function agentTokenFiles(config: Pick<EffectiveConfig, 'dataDir'>, env: NodeJS.ProcessEnv = process.env): string[] {
  return [env.VPLC_TOKEN_FILE, '/run/vplc-orchestrator/token', path.join(env.XDG_RUNTIME_DIR || path.join(config.dataDir, 'run'), 'vplc-orchestrator', 'token')].filter(
    (f): f is string => !!f,
  );
}

/**
 * Connects to the running agent's loopback API with the first token file that is readable; the error says which
 * files were tried and what the agent answered.
 */
export async function attachToAgent(config: Pick<EffectiveConfig, 'dataDir' | 'uiPort'>, env: NodeJS.ProcessEnv = process.env): Promise<ApiClient> {
  const tried: string[] = [];
  for (const file of agentTokenFiles(config, env)) {
    const token = (await readFile(file, 'utf8').catch(() => null))?.trim();
    if (!token) {
      tried.push(`${file} (not readable)`);
      continue;
    }
    try {
      return await ApiClient.connect(config.uiPort, token, 5_000, 'cli');
    } catch (err) {
      tried.push(`${file}: ${(err as Error).message}`);
    }
  }
  throw new Error(`no running agent answered on 127.0.0.1:${config.uiPort}; start one (vplc-orchestrator agent, or the system service). Tried: ${tried.join('; ')}`);
}
