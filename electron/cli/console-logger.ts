import type { Logger } from '../workers/orchestrator/context.js';

const ORDER = { debug: 0, info: 1, warn: 2, error: 3 } as const;

/** Readable console lines until the shell issue brings electron-log's file sink. */
export function consoleLogger(level: keyof typeof ORDER, out: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Logger {
  const at =
    (lvl: keyof typeof ORDER) =>
    (msg: string, data?: Record<string, unknown>): void => {
      if (ORDER[lvl] < ORDER[level]) return;
      out(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} ${msg}${data ? ` ${JSON.stringify(data)}` : ''}`);
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
