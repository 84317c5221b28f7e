import os from 'node:os';
import path from 'node:path';

export type AgentOptions = {
  dataDir: string;
  runtimeRepo?: string;
  helperImage?: string;
  internalPool?: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  noCloud: boolean;
  lockName: string;
};

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The per-user state directory (PROTOCOL §5.14); the system service passes --data-dir /var/lib/vplc-orchestrator. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_DATA_HOME || path.join(os.homedir(), '.local', 'share');
  return path.join(base, 'vplc-orchestrator');
}

export class UsageError extends Error {}

/** Flags > VPLC_* environment > defaults (the settings file layer arrives with the shell issue). */
export function parseAgentArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): AgentOptions {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument: ${a}`);
    const [key, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (key === 'no-cloud') flags.set(key, true);
    else {
      const value = inline ?? argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UsageError(`--${key} needs a value`);
      flags.set(key, value);
    }
  }
  const known = new Set(['no-cloud', 'data-dir', 'runtime-image', 'helper-image', 'internal-pool', 'log-level', 'lock-name']);
  for (const k of flags.keys()) if (!known.has(k)) throw new UsageError(`unknown option --${k}`);
  const pick = (flag: string, envName: string): string | undefined => {
    const f = flags.get(flag);
    return typeof f === 'string' ? f : env[envName] || undefined;
  };
  const level = pick('log-level', 'VPLC_LOG_LEVEL') ?? 'info';
  if (!(LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  return {
    dataDir: pick('data-dir', 'VPLC_DATA_DIR') ?? defaultDataDir(env),
    runtimeRepo: pick('runtime-image', 'VPLC_RUNTIME_IMAGE'),
    helperImage: pick('helper-image', 'VPLC_HELPER_IMAGE'),
    internalPool: pick('internal-pool', 'VPLC_INTERNAL_POOL'),
    logLevel: level as AgentOptions['logLevel'],
    noCloud: flags.get('no-cloud') === true || env.VPLC_NO_CLOUD === '1',
    lockName: pick('lock-name', 'VPLC_LOCK_NAME') ?? 'vplc-orchestrator-agent',
  };
}
