import { z } from 'zod';

/**
 * What the agent knows about the PLC inside a vPLC (docs/plc.md), as opposed to its container: the runtime's own status
 * word, whether a program is loaded, and the scan-cycle figures per IEC task. All of it needs the vPLC's runtime
 * credentials, which belong to the user; without them `connection` is `not_connected` and the rest is empty.
 */

/** The runtime's status words (`STATUS:<word>`, sometimes with a trailing newline). */
export const PlcStatusWord = z.enum(['EMPTY', 'INIT', 'RUNNING', 'STOPPED', 'ERROR', 'TRANSITIONING', 'UNKNOWN']);
export type PlcStatusWord = z.infer<typeof PlcStatusWord>;

/**
 * How the agent's session with the runtime stands:
 * - `not_connected`: no credentials stored for this vPLC (the user has not given any);
 * - `connecting`: credentials stored, no answer yet (first poll, or the vPLC just started);
 * - `connected`: the last poll answered;
 * - `auth_failed`: the runtime refused the stored credentials (the user must give new ones; retried with backoff);
 * - `unreachable`: the runtime did not answer (container stopped, runtime starting, network);
 * - `error`: the runtime answered something the agent could not read (named in `error`).
 */
export const PlcConnection = z.enum(['not_connected', 'connecting', 'connected', 'auth_failed', 'unreachable', 'error']);
export type PlcConnection = z.infer<typeof PlcConnection>;

/** min/avg/max of one figure in microseconds; min/max since the PLC started, avg a moving average over about 2 s. */
export const PlcStat = z.object({ min: z.number().nonnegative(), avg: z.number().nonnegative(), max: z.number().nonnegative() });
export type PlcStat = z.infer<typeof PlcStat>;

/** One IEC task's scan-cycle health. */
export const PlcTaskView = z.object({
  name: z.string(),
  /** Execution time of one scan. */
  scan_time: PlcStat,
  /** Start to start. */
  cycle_time: PlcStat,
  /** Start-time jitter against the ideal schedule. */
  cycle_latency: PlcStat,
  /** Scans that ended after the next scheduled start. */
  overruns: z.number().int().nonnegative(),
  scan_count: z.number().int().nonnegative(),
});
export type PlcTaskView = z.infer<typeof PlcTaskView>;

/** Which rule decides when a pending change may touch this vPLC (docs/plc.md "Changes only when the PLC allows"). */
export const ChangeRule = z.enum(['plc-aware', 'container', 'immediate']);
export type ChangeRule = z.infer<typeof ChangeRule>;

export const PlcView = z.object({
  connection: PlcConnection,
  /** The user name of the stored credentials (never the password), null without credentials. */
  username: z.string().nullable(),
  status: PlcStatusWord.nullable(),
  /** false for EMPTY, true for RUNNING/STOPPED, null when the status does not tell (or is unknown). */
  program_loaded: z.boolean().nullable(),
  tasks: z.array(PlcTaskView),
  /** A core crash (`STATUS:ERROR`) seen since this ISO instant; null while none is going on. */
  fault_since: z.string().nullable(),
  /**
   * false when the host refused real-time priority (the vPLC runs without the real-time ulimits): jitter in the
   * millisecond range is expected. null when unknown.
   */
  realtime: z.boolean().nullable(),
  /** ISO instant of the last answer from the runtime. */
  checked_at: z.string().nullable(),
  /** Why the last poll failed, in words (no secrets). */
  error: z.string().nullable(),
  /** The rule that holds (or would hold) a pending change of this vPLC, and in words why. */
  change_rule: ChangeRule,
  change_rule_reason: z.string(),
});
export type PlcView = z.infer<typeof PlcView>;

/** One point of a vPLC's scan-cycle history (µs), the first task's figures (the chart's series) and the overrun count. */
export const PlcHistoryPoint = z.object({
  timestamp: z.number(),
  task: z.string(),
  scan_avg: z.number().nonnegative(),
  scan_max: z.number().nonnegative(),
  cycle_avg: z.number().nonnegative(),
  latency_avg: z.number().nonnegative(),
  latency_max: z.number().nonnegative(),
  overruns: z.number().int().nonnegative(),
});
export type PlcHistoryPoint = z.infer<typeof PlcHistoryPoint>;

/** One line of the runtime's own log (`GET /api/runtime-logs`). */
export const PlcLogLevel = z.enum(['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
export const PlcLogLine = z.object({ id: z.number().int().nonnegative(), level: z.string(), message: z.string(), timestamp: z.string() });
export type PlcLogLine = z.infer<typeof PlcLogLine>;

/** The runtime's compile states (`GET /api/compilation-status`). */
export const CompileState = z.enum(['IDLE', 'UNZIPPING', 'COMPILING', 'SUCCESS', 'FAILED']);
export type CompileState = z.infer<typeof CompileState>;

/** Progress and result of a program upload: the compile state, the compiler's log so far, its exit code when done. */
export const CompileProgress = z.object({
  name: z.string(),
  state: CompileState,
  logs: z.array(z.string()),
  exit_code: z.number().int().nullable(),
  /** Set when the upload itself was refused (e.g. "a compile is already running"). */
  error: z.string().nullable(),
});
export type CompileProgress = z.infer<typeof CompileProgress>;

/** Runtime credentials as the user gives them (only ever in a request to the agent; never echoed, logged or sent on). */
export const RuntimeCredentialsInput = z.object({
  username: z.string().trim().min(1, 'give the runtime user name').max(128),
  password: z.string().min(1, 'give the runtime password').max(512),
});
export type RuntimeCredentialsInput = z.infer<typeof RuntimeCredentialsInput>;

/** The answer to storing credentials or creating the runtime's first user. */
export const CredentialsResult = z.object({
  /** `verified`: the runtime accepted them; `saved_unverified`: stored, but the runtime did not answer to check them. */
  outcome: z.enum(['verified', 'saved_unverified']),
  message: z.string(),
});
export type CredentialsResult = z.infer<typeof CredentialsResult>;

/** The answer to a PLC start or stop: the runtime's own word (`START:OK`, `STOP:ERROR`, ...) and what it means. */
export const PlcActionResult = z.object({ ok: z.boolean(), answer: z.string(), message: z.string(), status: PlcStatusWord.nullable() });
export type PlcActionResult = z.infer<typeof PlcActionResult>;
