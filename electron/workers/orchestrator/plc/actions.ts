/**
 * What a user asks of a vPLC's PLC (docs/plc.md): store or clear the runtime credentials, create the runtime's first
 * user, start or stop the PLC program, upload a program and follow its compile, read the runtime's log. Every refusal
 * is a WorkerError with a code (and a field where one applies); no message carries a password.
 */
import type { CompileProgress, CredentialsResult, PlcActionResult, PlcLogLine, RuntimeCredentialsInput } from '../../../../shared/domain/plc.js';
import type { Requester } from '../../../../shared/domain/vplc.js';
import { WorkerError } from '../../../lib/worker/host.js';
import type { Logger } from '../context.js';
import { createRuntimeUser } from './session.js';
import type { RuntimeSession } from './session.js';
import type { RuntimeSessions } from './sessions.js';
import { PlcSessionError, type PlcActionsApi, type PlcMonitorApi } from './types.js';
import { readProgramBundle, type ProgramBundle } from './upload.js';
import { followCompile, type CompileOptions } from './compile.js';

/** Whether a vPLC exists (is managed by this installation) and whether its container runs. */
export type VplcPresence = 'missing' | 'stopped' | 'running';

export type ActionsDeps = {
  sessions: RuntimeSessions;
  monitor: PlcMonitorApi;
  presence: (name: string) => Promise<VplcPresence>;
  log: Logger;
  /** Aborted when the agent shuts down: a compile being followed stops being followed. */
  shutdown: AbortSignal;
  compile?: Partial<CompileOptions>;
};

const DEFAULT_COMPILE: CompileOptions = { pollMs: 500, timeoutMs: 4 * 60_000, uploadTimeoutMs: 60_000 };

function noCredentials(name: string): WorkerError {
  return new WorkerError('CONFLICT', `no runtime credentials for ${name}: give them in the vPLC's PLC card (or \`vplc-orchestrator plc login ${name}\`)`);
}

/** A session failure as the API's refusal: the reason in words, with the code that says what the user can do. */
export function refusalOf(err: unknown, name: string): WorkerError {
  if (err instanceof WorkerError) return err;
  if (err instanceof PlcSessionError) {
    switch (err.kind) {
      case 'no_credentials':
        return noCredentials(name);
      case 'auth_failed':
        return new WorkerError('CONFLICT', `${err.message}: give ${name}'s runtime credentials again`, 'password');
      case 'refused':
        return new WorkerError('CONFLICT', err.message);
      case 'unreachable':
      case 'bad_answer':
        return new WorkerError('UNAVAILABLE', err.message);
    }
  }
  return new WorkerError('UNAVAILABLE', `PLC action on ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
}

const START_WORDS: Record<string, { ok: boolean; message: string }> = {
  'START:OK': { ok: true, message: 'the PLC program was started' },
  'START:ERROR_ALREADY_RUNNING': { ok: false, message: 'the PLC was already running' },
};
const STOP_WORDS: Record<string, { ok: boolean; message: string }> = {
  'STOP:OK': { ok: true, message: 'the PLC program was stopped' },
  'STOP:ERROR': { ok: false, message: 'the PLC was not running' },
};

export class PlcActions implements PlcActionsApi {
  private readonly compileListeners: Array<(p: CompileProgress) => void> = [];
  private readonly programListeners: Array<(name: string, bundle: ProgramBundle) => Promise<void>> = [];
  private readonly uploading = new Set<string>();
  private readonly compile: CompileOptions;

  constructor(private readonly deps: ActionsDeps) {
    this.compile = { ...DEFAULT_COMPILE, ...deps.compile };
  }

  /** Every compile state change of an upload, as it happens (forwarded to the UI as `plc:compile`). */
  onCompile(listener: (p: CompileProgress) => void): void {
    this.compileListeners.push(listener);
  }

  /** A program bundle compiled in a vPLC (its variable map is kept, docs/debug.md); awaited before the upload answers. */
  onProgram(listener: (name: string, bundle: ProgramBundle) => Promise<void>): void {
    this.programListeners.push(listener);
  }

  async setCredentials(name: string, creds: RuntimeCredentialsInput, by: Requester): Promise<CredentialsResult> {
    const presence = await this.existing(name);
    const { sessions, log } = this.deps;
    if (presence === 'stopped') {
      await sessions.store(name, creds);
      log.info('runtime credentials stored, not verified (vPLC stopped)', { vplc: name, username: creds.username, by });
      return { outcome: 'saved_unverified', message: `${name} is stopped: the credentials were stored and will be checked when it runs` };
    }
    try {
      await sessions.detached(name, creds).verify();
    } catch (err) {
      if (err instanceof PlcSessionError && err.kind === 'auth_failed') {
        log.info('runtime credentials refused by the runtime; nothing stored', { vplc: name, username: creds.username, by });
        throw new WorkerError('VALIDATION', `the runtime of ${name} refused this user name and password`, 'password');
      }
      const why = err instanceof Error ? err.message : String(err);
      await sessions.store(name, creds);
      log.info('runtime credentials stored, not verified', { vplc: name, username: creds.username, by, why });
      return { outcome: 'saved_unverified', message: `stored, but not checked: ${why}` };
    }
    await sessions.store(name, creds);
    log.info('runtime credentials verified and stored', { vplc: name, username: creds.username, by });
    void this.deps.monitor.refresh(name);
    return { outcome: 'verified', message: `the runtime of ${name} accepted ${creds.username}; the credentials are stored` };
  }

  async clearCredentials(name: string, by: Requester): Promise<null> {
    const removed = await this.deps.sessions.forget(name);
    this.deps.log.info(removed ? 'runtime credentials removed' : 'no runtime credentials to remove', { vplc: name, by });
    return null;
  }

  async createFirstUser(name: string, creds: RuntimeCredentialsInput, by: Requester): Promise<CredentialsResult> {
    await this.running(name);
    const { sessions, log } = this.deps;
    let created: Awaited<ReturnType<typeof createRuntimeUser>>;
    try {
      created = await createRuntimeUser(sessions.client(name).exchange, creds);
    } catch (err) {
      throw refusalOf(err, name);
    }
    if (!created.created) {
      if (created.status === 401) {
        log.info('runtime user not created: the runtime already has one', { vplc: name, by });
        throw new WorkerError('CONFLICT', `the runtime of ${name} already has a user (${created.reason}): give that user's credentials instead`);
      }
      if (created.status === 400) throw new WorkerError('VALIDATION', `the runtime refused the new user: ${created.reason}`, 'username');
      throw new WorkerError('UNAVAILABLE', `the runtime answered create-user with HTTP ${created.status}: ${created.reason}`);
    }
    await sessions.store(name, creds);
    log.info('runtime user created at the user\'s request; credentials stored', { vplc: name, username: creds.username, by });
    try {
      await sessions.session(name)?.verify();
    } catch (err) {
      return { outcome: 'saved_unverified', message: `the user ${creds.username} was created and stored, but the login to check it failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    void this.deps.monitor.refresh(name);
    return { outcome: 'verified', message: `the runtime of ${name} now has the user ${creds.username}; the credentials are stored` };
  }

  start(name: string, by: Requester): Promise<PlcActionResult> {
    return this.startStop(name, by, 'start');
  }

  stop(name: string, by: Requester): Promise<PlcActionResult> {
    return this.startStop(name, by, 'stop');
  }

  async upload(name: string, path: string, by: Requester): Promise<CompileProgress> {
    const session = await this.session(name);
    const bundle = await readProgramBundle(path);
    if (this.uploading.has(name)) throw new WorkerError('CONFLICT', `a program upload to ${name} is already in progress`);
    this.uploading.add(name);
    try {
      this.deps.log.info('program upload', { vplc: name, file: bundle.filename, bytes: bundle.data.length, by });
      const final = await followCompile(session, name, bundle, this.compile, (p) => this.emitCompile(p), this.deps.shutdown);
      this.deps.log.info('program upload ended', { vplc: name, state: final.state, exit_code: final.exit_code, error: final.error });
      if (final.state === 'SUCCESS') await Promise.all(this.programListeners.map((l) => l(name, bundle).catch(() => undefined)));
      await this.deps.monitor.refresh(name);
      return final;
    } catch (err) {
      throw refusalOf(err, name);
    } finally {
      this.uploading.delete(name);
    }
  }

  async compileStatus(name: string): Promise<CompileProgress> {
    const session = await this.session(name);
    try {
      const s = await session.compilationStatus();
      return { name, state: s.status, logs: s.logs, exit_code: s.exit_code, error: null };
    } catch (err) {
      throw refusalOf(err, name);
    }
  }

  async logs(name: string, opts: { sinceId?: number; level?: string; limit: number }): Promise<PlcLogLine[]> {
    const session = await this.session(name);
    const level = opts.level?.trim().toUpperCase();
    try {
      const lines = await session.runtimeLogs({ ...(opts.sinceId !== undefined ? { sinceId: opts.sinceId } : {}), ...(level ? { level } : {}) });
      const kept = level ? lines.filter((l) => l.level.toUpperCase() === level) : lines;
      return kept.slice(-opts.limit);
    } catch (err) {
      throw refusalOf(err, name);
    }
  }

  private async startStop(name: string, by: Requester, verb: 'start' | 'stop'): Promise<PlcActionResult> {
    const session = await this.session(name);
    let answer: string;
    try {
      answer = verb === 'start' ? await session.startPlc() : await session.stopPlc();
    } catch (err) {
      throw refusalOf(err, name);
    }
    await this.deps.monitor.refresh(name);
    const status = this.deps.monitor.lastStatus(name);
    const known = (verb === 'start' ? START_WORDS : STOP_WORDS)[answer];
    let result: PlcActionResult = known ? { ok: known.ok, answer, message: known.message, status } : { ok: false, answer, message: `the runtime answered ${answer}`, status };
    // The runtime says START:OK even with no program loaded.
    if (verb === 'start' && result.ok && status === 'EMPTY') result = { ...result, ok: false, message: 'the runtime accepted the start, but no program is loaded: upload one first' };
    this.deps.log.info(`PLC ${verb}`, { vplc: name, answer, status, by });
    return result;
  }

  private emitCompile(p: CompileProgress): void {
    for (const l of this.compileListeners) {
      try {
        l(p);
      } catch {
        // A listener's fault must not end the upload.
      }
    }
  }

  private async existing(name: string): Promise<'stopped' | 'running'> {
    const p = await this.deps.presence(name);
    if (p === 'missing') throw new WorkerError('NOT_FOUND', `no vPLC named ${name}`, 'name');
    return p;
  }

  private async running(name: string): Promise<void> {
    if ((await this.existing(name)) === 'stopped') throw new WorkerError('CONFLICT', `${name} is stopped: start the vPLC first`);
  }

  private async session(name: string): Promise<RuntimeSession> {
    await this.running(name);
    const s = this.deps.sessions.session(name);
    if (!s) throw noCredentials(name);
    return s;
  }
}
