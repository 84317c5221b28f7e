/**
 * The seams of the PLC subsystem (docs/plc.md): the per-vPLC session with the runtime (sessions.ts), the actions a user
 * asks for (actions.ts), and the monitor that polls, keeps history and decides the PLC-aware change rule (monitor.ts).
 */
import type { CompileProgress, CredentialsResult, PlcActionResult, PlcHistoryPoint, PlcLogLine, PlcStatusWord, PlcView, RuntimeCredentialsInput } from '../../../../shared/domain/plc.js';
import type { Requester } from '../../../../shared/domain/vplc.js';

/** One task's figures as the runtime reports them (`timing_stats.tasks[]`), in microseconds. */
export type RuntimeTaskStats = {
  name: string;
  scan_time_min: number; scan_time_avg: number; scan_time_max: number;
  cycle_time_min: number; cycle_time_avg: number; cycle_time_max: number;
  cycle_latency_min: number; cycle_latency_avg: number; cycle_latency_max: number;
  overruns: number;
  scan_count: number;
};

/** One `GET /api/status` answer: the status word, the raw string, and the task figures when asked for. */
export type PlcStatusReading = { status: PlcStatusWord; raw: string; tasks: RuntimeTaskStats[] | null };

/** Why a session call failed; `kind` drives the view's `connection`. The message never holds a secret. */
export class PlcSessionError extends Error {
  constructor(
    readonly kind: 'no_credentials' | 'auth_failed' | 'unreachable' | 'bad_answer' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'PlcSessionError';
  }
}

/**
 * The agent's authenticated session with one vPLC's runtime: logs in with the stored credentials, logs in again
 * before the token expires and after a 401 (with backoff), and talks through the vPLC's pinned TLS connection.
 * Every method throws PlcSessionError only.
 */
export interface PlcSession {
  status(opts: { stats: boolean; signal?: AbortSignal }): Promise<PlcStatusReading>;
  startPlc(signal?: AbortSignal): Promise<string>;
  stopPlc(signal?: AbortSignal): Promise<string>;
  runtimeLogs(opts: { sinceId?: number; level?: string; signal?: AbortSignal }): Promise<PlcLogLine[]>;
}

/** The sessions of all vPLCs; a session exists only while the user's credentials are stored for that vPLC. */
export interface PlcSessions {
  hasCredentials(name: string): boolean;
  /** The stored user name (never the password), or null. */
  username(name: string): string | null;
  /** The vPLC's session, or null without credentials or without a known runtime address. */
  session(name: string): PlcSession | null;
  /** Called with the vPLC's name whenever its credentials are stored, replaced or removed. */
  onCredentialsChanged(listener: (name: string) => void): void;
}

/** What the API and the cloud adapter ask of the PLC subsystem. */
export interface PlcActionsApi {
  setCredentials(name: string, creds: RuntimeCredentialsInput, by: Requester): Promise<CredentialsResult>;
  clearCredentials(name: string, by: Requester): Promise<null>;
  createFirstUser(name: string, creds: RuntimeCredentialsInput, by: Requester): Promise<CredentialsResult>;
  start(name: string, by: Requester): Promise<PlcActionResult>;
  stop(name: string, by: Requester): Promise<PlcActionResult>;
  upload(name: string, path: string, by: Requester): Promise<CompileProgress>;
  compileStatus(name: string): Promise<CompileProgress>;
  logs(name: string, opts: { sinceId?: number; level?: string; limit: number }): Promise<PlcLogLine[]>;
}

export interface PlcMonitorApi {
  /** The PLC view of a vPLC for its status (never throws; `not_connected` without credentials). */
  view(name: string): PlcView;
  history(name: string, seconds: number): PlcHistoryPoint[];
  /** Polls this vPLC now (after a PLC action); resolves once that poll has ended, never rejects. */
  refresh(name: string): Promise<void>;
  /** The last PLC status word read (null without one), for the actions' and the change rule's checks. */
  lastStatus(name: string): PlcStatusWord | null;
}
