import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import electronLog from 'electron-log/node';
import type { LogHub, LogLine } from './log-hub.js';
import { redact, redactString } from './redact.js';

export type Level = LogLine['level'];
export type LogFn = (msg: string, data?: Record<string, unknown>) => void;
export type Logger = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn; scope(name: string): Logger };

export type LoggerOptions = {
  /** JSON-lines log file; its directory is created with mode 0700. */
  file: string;
  level: Level;
  hub: LogHub;
  console?: boolean;
  maxSize?: number;
  /** Rotated generations kept next to the file (`agent.1.log` … `agent.N.log`). */
  keep?: number;
};

/** Rotation keeping N generations: agent.log → agent.1.log → … → agent.N.log (the oldest is removed). */
export function rotate(file: string, keep: number): void {
  const ext = path.extname(file);
  const base = file.slice(0, file.length - ext.length);
  const gen = (n: number): string => `${base}.${n}${ext}`;
  rmSync(gen(keep), { force: true });
  for (let n = keep - 1; n >= 1; n--) if (existsSync(gen(n))) renameSync(gen(n), gen(n + 1));
  renameSync(file, gen(1));
}

export function rotatedFiles(file: string): string[] {
  const ext = path.extname(file);
  const stem = path.basename(file, ext);
  return readdirSync(path.dirname(file))
    .filter((f) => f === path.basename(file) || new RegExp(`^${stem}\\.\\d+${ext.replace('.', '\\.')}$`).test(f))
    .sort();
}

/**
 * electron-log behind our own Logger (its Node entry when headless; the shell uses electron-log/main the same way).
 * Workers never write files: they post `log` messages, and this one writer owns the file and its rotation.
 */
export function createLogger(o: LoggerOptions): Logger {
  mkdirSync(path.dirname(o.file), { recursive: true, mode: 0o700 });
  const log = electronLog.create({ logId: `vplc-${process.pid}-${Math.random().toString(36).slice(2)}` });
  const file = log.transports.file;
  file.resolvePathFn = () => o.file;
  file.level = o.level;
  file.maxSize = o.maxSize ?? 5 * 1024 * 1024;
  // electron-log's default file mode is 0666 before umask; logs may carry vPLC names and addresses.
  file.writeOptions = { flag: 'a', mode: 0o600, encoding: 'utf8' };
  file.archiveLogFn = (old) => rotate(old.path, o.keep ?? 5);
  file.format = ({ message }) => {
    const [msg, data] = message.data as [string, unknown];
    return [JSON.stringify({ ts: message.date.toISOString(), level: message.level, scope: message.scope ?? 'agent', msg, ...(data ? { data } : {}) })];
  };
  log.transports.console.level = o.console === false ? false : o.level;
  log.transports.console.format = '{h}:{i}:{s}.{ms} {level} {scope} {text}';
  const emit = (scope: string, level: Level, raw: string, data?: Record<string, unknown>): void => {
    const msg = redactString(raw);
    const clean = data ? (redact(data) as Record<string, unknown>) : undefined;
    const scoped = log.scope(scope);
    if (clean) scoped[level](msg, clean);
    else scoped[level](msg);
    o.hub.push({ ts: new Date().toISOString(), level, scope, msg, ...(clean ? { data: clean } : {}) });
  };
  const make = (scope: string): Logger => ({
    debug: (m, d) => emit(scope, 'debug', m, d),
    info: (m, d) => emit(scope, 'info', m, d),
    warn: (m, d) => emit(scope, 'warn', m, d),
    error: (m, d) => emit(scope, 'error', m, d),
    scope: (name) => make(name),
  });
  const logger = make('agent');
  logger.debug('logging started', { file: o.file });
  if (existsSync(o.file)) chmodSync(o.file, 0o600);
  return logger;
}
