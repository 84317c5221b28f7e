/**
 * The agent's session with one vPLC's runtime (docs/plc.md "Credentials"): logs in with the user's stored credentials,
 * keeps the JWT, logs in again a minute before it expires and once after a 401/422. Refused credentials back off
 * (5 s doubling to 5 min) so a wrong password never hammers the runtime. No method logs or returns the password.
 */
import type { PlcLogLine } from '../../../../shared/domain/plc.js';
import type { Clock } from '../../../lib/time/clock.js';
import { parseActionWord, parseCompilationStatus, parseLogin, parseRuntimeLogs, parseStatus, parseUploadAnswer, parseUserCreated, refusalMessage, type CompilationStatus } from './answers.js';
import type { Exchange, ExchangeRequest, ExchangeResponse } from './client.js';
import { PlcSessionError, type PlcSession, type PlcStatusReading } from './types.js';

export type Credentials = { username: string; password: string };

/** The runtime's JWTs last 15 min; without a readable `exp` the session assumes 14 min of validity. */
export const FALLBACK_TOKEN_LIFETIME_MS = 14 * 60_000;
/** Logs in again this long before `exp`. */
export const RENEW_BEFORE_EXPIRY_MS = 60_000;
export const AUTH_BACKOFF_FIRST_MS = 5_000;
export const AUTH_BACKOFF_MAX_MS = 5 * 60_000;

/** `exp` (seconds since the epoch) from a JWT's payload, or null when there is none to read. */
export function jwtExpiryMs(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown;
    if (typeof claims === 'object' && claims !== null && 'exp' in claims && typeof claims.exp === 'number' && Number.isFinite(claims.exp)) return claims.exp * 1000;
  } catch {
    // An opaque token: the fallback lifetime applies.
  }
  return null;
}

const json = (value: unknown): Pick<ExchangeRequest, 'headers' | 'body'> => ({ headers: { 'Content-Type': 'application/json' }, body: Buffer.from(JSON.stringify(value)) });
const isAuthRefusal = (status: number): boolean => status === 401 || status === 422;

export type MultipartFile = { field: string; filename: string; contentType: string; data: Buffer };

/** A multipart/form-data body with one file (the runtime's upload-file reads the field `file`). */
export function multipartBody(file: MultipartFile, boundary: string): Buffer {
  const safeName = file.filename.replace(/["\r\n\\]/g, '_');
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${safeName}"\r\nContent-Type: ${file.contentType}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), file.data, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}

export class RuntimeSession implements PlcSession {
  private token: { jwt: string; renewAtMs: number } | null = null;
  private login: Promise<string> | null = null;
  private failures = 0;
  private blockedUntilMs = 0;
  private lastRefusal = '';

  constructor(
    readonly name: string,
    private readonly credentials: Credentials,
    private readonly exchange: Exchange,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  get username(): string {
    return this.credentials.username;
  }

  /** Logs in now (ignoring any backoff): the check of credentials the user just gave. */
  async verify(signal?: AbortSignal): Promise<void> {
    this.token = null;
    this.blockedUntilMs = 0;
    await this.validToken(signal);
  }

  async status(opts: { stats: boolean; signal?: AbortSignal }): Promise<PlcStatusReading> {
    const r = await this.authed({ method: 'GET', path: opts.stats ? '/api/status?include_stats=true' : '/api/status', ...(opts.signal ? { signal: opts.signal } : {}) });
    return parseStatus(this.ok(r, 'status'));
  }

  async startPlc(signal?: AbortSignal): Promise<string> {
    const r = await this.authed({ method: 'GET', path: '/api/start-plc', ...(signal ? { signal } : {}) });
    return parseActionWord(this.ok(r, 'start-plc'), 'START');
  }

  async stopPlc(signal?: AbortSignal): Promise<string> {
    const r = await this.authed({ method: 'GET', path: '/api/stop-plc', ...(signal ? { signal } : {}) });
    return parseActionWord(this.ok(r, 'stop-plc'), 'STOP');
  }

  async runtimeLogs(opts: { sinceId?: number; level?: string; signal?: AbortSignal }): Promise<PlcLogLine[]> {
    const q = new URLSearchParams();
    if (opts.sinceId !== undefined) q.set('id', String(opts.sinceId));
    if (opts.level) q.set('level', opts.level);
    const qs = q.toString();
    const r = await this.authed({ method: 'GET', path: `/api/runtime-logs${qs ? `?${qs}` : ''}`, ...(opts.signal ? { signal: opts.signal } : {}) });
    return parseRuntimeLogs(this.ok(r, 'runtime-logs'));
  }

  async compilationStatus(signal?: AbortSignal): Promise<CompilationStatus> {
    const r = await this.authed({ method: 'GET', path: '/api/compilation-status', ...(signal ? { signal } : {}) });
    return parseCompilationStatus(this.ok(r, 'compilation-status'));
  }

  async uploadFile(file: Omit<MultipartFile, 'field'>, timeoutMs: number, signal?: AbortSignal): Promise<{ accepted: boolean; state: string; reason: string }> {
    const boundary = `----vplc${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
    const r = await this.authed({
      method: 'POST',
      path: '/api/upload-file',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      body: multipartBody({ ...file, field: 'file' }, boundary),
      timeoutMs,
      ...(signal ? { signal } : {}),
    });
    return parseUploadAnswer(this.ok(r, 'upload-file'));
  }

  /** One authenticated request: a 401/422 drops the token and logs in again once. */
  private async authed(req: ExchangeRequest): Promise<ExchangeResponse> {
    const first = await this.exchange(this.withToken(req, await this.validToken(req.signal)));
    if (!isAuthRefusal(first.status)) return first;
    this.token = null;
    const second = await this.exchange(this.withToken(req, await this.validToken(req.signal)));
    if (isAuthRefusal(second.status)) {
      this.token = null;
      throw this.refused(`the session was refused right after a login: ${refusalMessage(second.body)}`);
    }
    return second;
  }

  private withToken(req: ExchangeRequest, jwt: string): ExchangeRequest {
    return { ...req, headers: { ...req.headers, Authorization: `Bearer ${jwt}` } };
  }

  private ok(r: ExchangeResponse, what: string): unknown {
    if (r.status === 200) return r.body;
    throw new PlcSessionError('bad_answer', `the runtime answered ${what} with HTTP ${r.status}: ${refusalMessage(r.body)}`);
  }

  /** A valid token: the kept one, or a new login (one at a time; concurrent callers share it). */
  private validToken(signal?: AbortSignal): Promise<string> {
    const now = this.clock.now();
    if (this.token && now < this.token.renewAtMs) return Promise.resolve(this.token.jwt);
    if (now < this.blockedUntilMs) {
      const s = Math.ceil((this.blockedUntilMs - now) / 1000);
      return Promise.reject(new PlcSessionError('auth_failed', `the runtime refused the stored credentials (${this.lastRefusal}); next try in ${s} s`));
    }
    this.login ??= this.doLogin(signal).finally(() => (this.login = null));
    return this.login;
  }

  /** Counts one refusal of the credentials and blocks logins for the backoff (5 s doubling to 5 min). */
  private refused(reason: string): PlcSessionError {
    this.failures += 1;
    const backoff = Math.min(AUTH_BACKOFF_FIRST_MS * 2 ** (this.failures - 1), AUTH_BACKOFF_MAX_MS);
    this.blockedUntilMs = this.clock.now() + backoff;
    this.lastRefusal = this.scrub(reason);
    return new PlcSessionError('auth_failed', `the runtime refused the stored credentials (${this.lastRefusal}); next try in ${Math.ceil(backoff / 1000)} s`);
  }

  /** A runtime that echoes what it was sent must not carry the password into a message. */
  private scrub(text: string): string {
    return text.split(this.credentials.password).join('***');
  }

  private async doLogin(signal?: AbortSignal): Promise<string> {
    const r = await this.exchange({ method: 'POST', path: '/api/login', ...json(this.credentials), ...(signal ? { signal } : {}) });
    if (r.status === 401) throw this.refused(refusalMessage(r.body));
    if (r.status !== 200) throw new PlcSessionError('bad_answer', `the runtime answered login with HTTP ${r.status}: ${this.scrub(refusalMessage(r.body))}`);
    const jwt = parseLogin(r.body);
    const now = this.clock.now();
    const exp = jwtExpiryMs(jwt);
    const life = Math.max(0, (exp ?? now + FALLBACK_TOKEN_LIFETIME_MS) - now);
    // A minute early; a token that lives less than four minutes (a test runtime) is renewed after 3/4 of its life.
    const renewAtMs = now + life - Math.min(RENEW_BEFORE_EXPIRY_MS, life / 4);
    this.token = { jwt, renewAtMs };
    this.failures = 0;
    this.blockedUntilMs = 0;
    return jwt;
  }
}

/** `POST /api/create-user` (no session: open only while the runtime has no user). */
export async function createRuntimeUser(exchange: Exchange, creds: Credentials, signal?: AbortSignal): Promise<{ created: true } | { created: false; status: number; reason: string }> {
  const r = await exchange({ method: 'POST', path: '/api/create-user', ...json(creds), ...(signal ? { signal } : {}) });
  if (r.status === 201 || r.status === 200) {
    parseUserCreated(r.body);
    return { created: true };
  }
  return { created: false, status: r.status, reason: refusalMessage(r.body) };
}
