import { isHttpsUrl, WorkersMode } from '../../../shared/domain/settings.js';
import { UsageError } from './errors.js';
import { FLAG_ENV, type FlagName, type Flags } from './layers.js';

export { UsageError };

const LEVELS = ['debug', 'info', 'warn', 'error'];
const WORKER_MODES: readonly string[] = WorkersMode.options;

export type ParsedArgs = { flags: Flags; settingsFile?: string };

/** Parses `--flag value`, `--flag=value` and `--no-cloud`; validates what can be checked without other layers. */
export function parseArgs(argv: string[]): ParsedArgs {
  const flags: Flags = {};
  let settingsFile: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument: ${a}`);
    const [key, inline] = a.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    if (key === 'no-cloud' || key === 'no-metrics') {
      flags[key] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith('--')) throw new UsageError(`--${key} needs a value`);
    if (key === 'settings') settingsFile = value;
    else if (key in FLAG_ENV) flags[key as FlagName] = value;
    else throw new UsageError(`unknown option --${key}`);
  }
  if (flags['cloud-url'] !== undefined && !isHttpsUrl(flags['cloud-url'])) throw new UsageError('--cloud-url: Value must be an https: URL.');
  if (flags.workers !== undefined && !WORKER_MODES.includes(flags.workers)) throw new UsageError(`--workers must be one of ${WORKER_MODES.join(', ')}`);
  if (flags['log-level'] && !LEVELS.includes(flags['log-level'])) throw new UsageError(`--log-level must be one of ${LEVELS.join(', ')}`);
  if (flags['ui-port'] !== undefined && !/^\d{1,5}$/.test(flags['ui-port'])) throw new UsageError('--ui-port must be a port number (0 picks a free one)');
  if (flags['metrics-port'] !== undefined && !/^\d{1,5}$/.test(flags['metrics-port'])) throw new UsageError('--metrics-port must be a port number (0 picks a free one)');
  return { flags, ...(settingsFile ? { settingsFile } : {}) };
}
