/** Exit code after an uncaught exception or unhandled rejection (EX_SOFTWARE): systemd's `Restart=` acts on it. */
export const FATAL_EXIT_CODE = 70;

/** The part of `process` the handlers use (a fake in tests). */
export interface ProcessEvents {
  on(event: 'uncaughtException', listener: (err: Error) => void): unknown;
  on(event: 'unhandledRejection', listener: (reason: unknown) => void): unknown;
}

export type FatalOptions = {
  /** Prefix of the stderr line, e.g. the command name. */
  name: string;
  exit(code: number): void;
  stderr(text: string): void;
};

export type FatalLog = (msg: string, data: Record<string, unknown>) => void;

export type FatalHandlers = {
  /** Also writes the report to the agent's log file, once a logger exists. */
  attach(log: FatalLog): void;
  /** Reports a failure nothing else can handle and exits like an uncaught exception. */
  fail(what: string, err: unknown): void;
  /**
   * Lets `owner` take an uncaught exception or unhandled rejection first: when it returns true (the error belonged to a
   * part it can end and restart on its own) the process goes on.
   */
  claim(owner: (err: unknown) => boolean): void;
};

export const describeError = (err: unknown): string => (err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err));

/**
 * After an uncaught exception or an unhandled rejection the process state is unknown: log it and exit non-zero, so a
 * supervisor (systemd) starts a clean process instead of leaving one that looks active but no longer works. This
 * matters most in Electron, whose main process only shows a dialog and keeps running.
 */
export function installFatalHandlers(proc: ProcessEvents, o: FatalOptions): FatalHandlers {
  let log: FatalLog | undefined;
  let exiting = false;
  const owners: Array<(err: unknown) => boolean> = [];
  const claimed = (err: unknown): boolean => {
    try {
      return owners.some((owner) => owner(err));
    } catch {
      return false;
    }
  };
  const fail = (what: string, err: unknown): void => {
    if (exiting) return;
    exiting = true;
    const text = describeError(err);
    try {
      o.stderr(`${o.name}: ${what}: ${text}\n`);
    } catch {
      // stderr may be closed; the exit below still happens.
    }
    try {
      log?.(`${what}; exiting (code ${FATAL_EXIT_CODE}) so that a clean process takes over`, { err: text });
    } catch {
      // Same for a broken log file.
    }
    o.exit(FATAL_EXIT_CODE);
  };
  proc.on('uncaughtException', (err) => claimed(err) || fail('uncaught exception', err));
  proc.on('unhandledRejection', (reason) => claimed(reason) || fail('unhandled promise rejection', reason));
  return { attach: (l) => void (log = l), fail, claim: (owner) => void owners.push(owner) };
}

/**
 * Runs a process's main task under the fatal handlers and exits with its code: 1 when the task rejects (a start that
 * failed, e.g. an unreadable settings file), never a process left running without its work.
 */
export async function runMain(task: (fatal: FatalHandlers) => Promise<number>, proc: ProcessEvents, o: FatalOptions): Promise<void> {
  const fatal = installFatalHandlers(proc, o);
  let code: number;
  try {
    code = await task(fatal);
  } catch (err) {
    try {
      o.stderr(`${o.name}: ${describeError(err)}\n`);
    } catch {
      // The exit code still says it failed.
    }
    code = 1;
  }
  o.exit(code);
}
