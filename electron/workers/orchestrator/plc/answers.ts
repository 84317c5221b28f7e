/**
 * The runtime's answers as the agent reads them (docs/plc.md "The runtime as it really is"): every body is parsed here
 * with zod, and a body that does not fit throws PlcSessionError('bad_answer') naming the field. Shapes follow the
 * recorded exchanges of OpenPLC runtime v4.1.4; extra fields of newer runtimes are ignored.
 */
import { z } from 'zod';
import { CompileState, PlcLogLine, PlcStatusWord } from '../../../../shared/domain/plc.js';
import { PlcSessionError, type PlcStatusReading, type RuntimeTaskStats } from './types.js';

function fail(what: string, error: z.ZodError): never {
  const issue = error.issues[0];
  const field = issue && issue.path.length ? issue.path.join('.') : '(body)';
  throw new PlcSessionError('bad_answer', `the runtime's ${what} answer is not readable: ${field}: ${issue?.message ?? 'invalid'}`);
}

function parseWith<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) fail(what, r.error);
  return r.data;
}

const micros = z.number().nonnegative();
const count = z.number().int().nonnegative();

const TaskStats = z.object({
  name: z.string(),
  scan_time_min: micros, scan_time_avg: micros, scan_time_max: micros,
  cycle_time_min: micros, cycle_time_avg: micros, cycle_time_max: micros,
  cycle_latency_min: micros, cycle_latency_avg: micros, cycle_latency_max: micros,
  overruns: count,
  scan_count: count,
});

/** `STATUS:<word>`, sometimes with a trailing newline (while the core restarts). */
const StatusString = z
  .string()
  .transform((s) => s.trim())
  .pipe(z.string().regex(/^STATUS:[A-Z_]+$/, 'expected STATUS:<word>'))
  .transform((s) => s.slice('STATUS:'.length))
  .pipe(PlcStatusWord);

const StatusBody = z.object({
  status: z.string(),
  timing_stats: z.object({ tasks: z.array(TaskStats) }).optional(),
});

/** `GET /api/status[?include_stats=true]`. An unknown status word is `bad_answer`, not a crash. */
export function parseStatus(body: unknown): PlcStatusReading {
  const b = parseWith(StatusBody, body, 'status');
  const word = StatusString.safeParse(b.status);
  if (!word.success) throw new PlcSessionError('bad_answer', `the runtime's status answer is not readable: status: unknown status ${JSON.stringify(b.status.slice(0, 64))}`);
  const tasks: RuntimeTaskStats[] | null = b.timing_stats ? b.timing_stats.tasks : null;
  return { status: word.data, raw: b.status, tasks };
}

/** `POST /api/login` 200: `{access_token}`. */
export function parseLogin(body: unknown): string {
  return parseWith(z.object({ access_token: z.string().min(1) }), body, 'login').access_token;
}

/** `GET /api/start-plc` / `stop-plc`: `{status: "START:OK"}` and the like; returns the word as the runtime said it. */
export function parseActionWord(body: unknown, verb: 'START' | 'STOP'): string {
  const s = parseWith(z.object({ status: z.string() }), body, `${verb.toLowerCase()}-plc`).status.trim();
  if (!s.startsWith(`${verb}:`)) throw new PlcSessionError('bad_answer', `the runtime's ${verb.toLowerCase()}-plc answer is not readable: status: expected ${verb}:<word>, got ${JSON.stringify(s.slice(0, 64))}`);
  return s;
}

// The runtime ends every compiler log line with its own newline; consumers join lines themselves, so it is dropped here.
const LogLine = z.string().transform((l) => l.replace(/\r?\n$/, ''));
const CompilationStatusBody = z.object({ status: CompileState, logs: z.array(LogLine), exit_code: z.number().int().nullable() });
export type CompilationStatus = z.output<typeof CompilationStatusBody>;

/** `GET /api/compilation-status`. */
export function parseCompilationStatus(body: unknown): CompilationStatus {
  return parseWith(CompilationStatusBody, body, 'compilation-status');
}

/** `POST /api/upload-file`: accepted when `UploadFileFail` is empty; otherwise the runtime's reason. */
export function parseUploadAnswer(body: unknown): { accepted: boolean; state: string; reason: string } {
  const b = parseWith(z.object({ CompilationStatus: z.string(), UploadFileFail: z.string() }), body, 'upload-file');
  return { accepted: b.UploadFileFail === '', state: b.CompilationStatus, reason: b.UploadFileFail };
}

/** `GET /api/runtime-logs[?id=&level=]`. */
export function parseRuntimeLogs(body: unknown): PlcLogLine[] {
  return parseWith(z.object({ 'runtime-logs': z.array(PlcLogLine) }), body, 'runtime-logs')['runtime-logs'];
}

/** `POST /api/create-user` 201: `{id, msg}`. */
export function parseUserCreated(body: unknown): { id: number } {
  return { id: parseWith(z.object({ id: z.number().int(), msg: z.string() }), body, 'create-user').id };
}

/**
 * The words of a refusal (401, 422, 400): `{msg}` as most answer, or a bare JSON string (a wrong login). Falls back to
 * a short generic text for anything else (HTML error pages), never the body itself.
 */
export function refusalMessage(body: unknown): string {
  const msg = z.union([z.object({ msg: z.string() }).transform((b) => b.msg), z.string().max(200)]).safeParse(body);
  if (msg.success && !msg.data.trimStart().startsWith('<')) return msg.data.trim();
  return 'no reason given';
}
