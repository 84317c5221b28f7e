/**
 * Connections to a vPLC runtime, with the runtime's TLS certificate pinned on first use.
 *
 * THE documented exception to "TLS verification always on" (docs/decisions.md "Runtime TLS"): the OpenPLC
 * runtime serves a self-signed certificate on 8443, so the chain cannot be verified. Instead the
 * SPKI sha256 of the certificate seen on first contact is stored per vPLC container and every later
 * connection to that container must present the same key; a changed one is refused. A new container
 * (recreate, update, rollback, delete + create) makes a new certificate, and its first contact pins it.
 *
 * The pin is checked on the socket's 'secureConnect', before the socket is handed to the HTTP
 * client, so no request byte (headers such as Authorization included) reaches an unpinned peer. With a
 * `TlsSessionCache`, a connection may instead resume a session kept from a pinned handshake (tls-session.ts).
 */
import { createHash, type X509Certificate } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import type { TlsSessionCache } from './tls-session.js';
import { RUNTIME_HTTPS_PORT } from './types.js';

/**
 * The pin that applies to one connection, taken before connecting. A pin belongs to one container of the vPLC (the
 * runtime generates a new certificate for every new container), so the slot is bound to the container recorded when
 * it was taken: a connection that started before a recreate can never pin the old certificate for the new container.
 */
export interface PinSlot {
  /** The SPKI sha256 (base64) pinned for this container, or undefined before the first contact. */
  readonly spki: string | undefined;
  /** Stores the first-contact pin for the container this slot was taken for. */
  record(spkiSha256Base64: string): Promise<void>;
}

/** Where the SPKI pins live (the orchestrator stores them with the vPLC, together with the container they belong to). */
export interface TlsPinStore {
  slot(deviceId: string): PinSlot;
}

/** Pins in memory (tests, and vPLCs without a stored record): one per vPLC name. */
export class InMemoryTlsPinStore implements TlsPinStore {
  readonly #pins = new Map<string, string>();

  slot(deviceId: string): PinSlot {
    return { spki: this.#pins.get(deviceId), record: (spki) => this.set(deviceId, spki) };
  }

  get(deviceId: string): string | undefined {
    return this.#pins.get(deviceId);
  }

  set(deviceId: string, spkiSha256Base64: string): Promise<void> {
    this.#pins.set(deviceId, spkiSha256Base64);
    return Promise.resolve();
  }

  /** Forget a pin (the vPLC was recreated). */
  delete(deviceId: string): void {
    this.#pins.delete(deviceId);
  }
}

export class RuntimeCertificateChangedError extends Error {
  readonly code = 'ERUNTIMECERTCHANGED';
  constructor(readonly deviceId: string) {
    super(`runtime certificate changed for ${deviceId}; recreate the vPLC to trust the new certificate`);
    this.name = 'RuntimeCertificateChangedError';
  }
}

/** A failure to establish the connection. `connectFailure` marks the ones worth refreshing the target IP for. */
export class RuntimeConnectError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    readonly connectFailure: boolean,
  ) {
    super(message);
    this.name = 'RuntimeConnectError';
  }
}

const CONNECT_FAILURE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ETIMEDOUT']);

/** base64(sha256(SubjectPublicKeyInfo DER)) of a certificate. */
export function spkiSha256Base64(cert: X509Certificate): string {
  const der = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

let sharedContext: tls.SecureContext | undefined;

/**
 * The one client context of every runtime connection in this thread. The options name no CA, certificate or key, so
 * every connection would build the same context; building it per connection was the largest part of a probe's CPU
 * (docs/status.md "Runtime answers"). Node's contexts keep no client sessions of their own: a connection resumes
 * only the session it is handed (`TlsSessionCache`).
 */
export function runtimeSecureContext(): tls.SecureContext {
  sharedContext ??= tls.createSecureContext();
  return sharedContext;
}

/** TLS options for a runtime connection. Chain verification is replaced by the TOFU pin (`verifyRuntimePin`). */
export function runtimeTlsOptions(host: string, port: number, session?: Buffer): tls.ConnectionOptions {
  return {
    host,
    port,
    secureContext: runtimeSecureContext(),
    rejectUnauthorized: false, // tls-exception: runtime TOFU pin
    ...(session === undefined ? {} : { session }),
  };
}

/**
 * Check the peer's SPKI against the slot's pin, storing it when there is none yet. Throws on a mismatch; resolves
 * with the pin the peer matched.
 */
export async function verifyRuntimePin(socket: tls.TLSSocket, deviceId: string, slot: PinSlot): Promise<string> {
  const cert = socket.getPeerX509Certificate();
  if (cert === undefined) throw new Error(`runtime of ${deviceId} presented no certificate`);
  const spki = spkiSha256Base64(cert);
  if (slot.spki === undefined) {
    await slot.record(spki);
    return spki;
  }
  if (slot.spki !== spki) throw new RuntimeCertificateChangedError(deviceId);
  return spki;
}

/**
 * The pin check of one TLS connection, with session resumption when a cache is given: the session offered is the
 * one kept for this vPLC under the slot's current pin; a resumed connection is accepted without a certificate, any
 * other one is pin-checked. Sessions the server hands out (also after the check, as TLS 1.3 does) are kept only once
 * the connection passed; a refused pin drops the vPLC's session.
 */
class PinnedTls {
  readonly offered: Buffer | undefined;
  #passed: string | undefined;
  #latest: Buffer | undefined;

  constructor(
    private readonly deviceId: string,
    private readonly slot: PinSlot,
    private readonly sessions: TlsSessionCache | undefined,
  ) {
    this.offered = sessions?.offer(deviceId, slot.spki);
  }

  watch(socket: tls.TLSSocket): void {
    if (this.sessions === undefined) return;
    socket.on('session', (session: Buffer) => {
      this.#latest = session;
      this.keep();
    });
  }

  async check(socket: tls.TLSSocket): Promise<void> {
    try {
      const spki = this.offered !== undefined && socket.isSessionReused() ? this.slot.spki : undefined;
      this.sessions?.counted(spki !== undefined);
      this.#passed = spki ?? (await verifyRuntimePin(socket, this.deviceId, this.slot));
    } catch (err) {
      this.sessions?.drop(this.deviceId);
      throw err;
    }
    this.keep();
  }

  private keep(): void {
    if (this.#passed !== undefined && this.#latest !== undefined) this.sessions?.keep(this.deviceId, this.#passed, this.#latest);
  }
}

export type PinContext = { deviceId: string; pins: TlsPinStore };

/** A pin context that also resumes TLS sessions kept from pinned handshakes (none: a full handshake every time). */
export type ProbeContext = PinContext & { sessions?: TlsSessionCache };

export type ConnectTarget = PinContext & {
  host: string;
  port: number;
  /** https (pinned TLS) or plain http. */
  tls: boolean;
  connectTimeoutMs: number;
  signal?: AbortSignal;
  /** Resume TLS sessions kept from pinned handshakes (none: a full handshake every time). */
  sessions?: TlsSessionCache;
};

function errorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const noop = (): void => undefined;

/**
 * Open a connection to a runtime: TCP for http, TLS with the pin verified for https. Resolves only
 * once the socket is ready for the request; rejects with `RuntimeConnectError`,
 * `RuntimeCertificateChangedError` or an abort error.
 */
export function connectRuntime(t: ConnectTarget): Promise<net.Socket> {
  return new Promise<net.Socket>((resolve, reject) => {
    if (t.signal?.aborted === true) {
      reject(new Error('aborted'));
      return;
    }
    // Taken before connecting: see PinSlot.
    const pinned = t.tls ? new PinnedTls(t.deviceId, t.pins.slot(t.deviceId), t.sessions) : undefined;
    const socket: net.Socket = pinned ? tls.connect(runtimeTlsOptions(t.host, t.port, pinned.offered)) : net.connect({ host: t.host, port: t.port });
    if (pinned) pinned.watch(socket as tls.TLSSocket);
    // A late socket error must never become an uncaught exception; the HTTP client adds its own listener.
    socket.on('error', noop);
    let settled = false;
    const readyEvent = t.tls ? 'secureConnect' : 'connect';
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.off(readyEvent, onReady);
      t.signal?.removeEventListener('abort', onAbort);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      settled = true;
      cleanup();
      socket.destroy();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    const succeed = (): void => {
      if (settled) return;
      settled = true;
      cleanup();
      resolve(socket);
    };
    const onError = (err: unknown): void => {
      const code = errorCode(err);
      fail(new RuntimeConnectError(errorMessage(err), code, code !== undefined && CONNECT_FAILURE_CODES.has(code)));
    };
    const onAbort = (): void => fail(new Error('aborted'));
    const onReady = (): void => {
      if (pinned === undefined) {
        succeed();
        return;
      }
      pinned.check(socket as tls.TLSSocket).then(succeed, fail);
    };
    // Covers TCP and, on 8443, the TLS handshake; either way the cached address may be stale.
    const timer = setTimeout(
      () => fail(new RuntimeConnectError(`connect ETIMEDOUT ${t.host}:${t.port}`, 'ETIMEDOUT', true)),
      t.connectTimeoutMs,
    );
    socket.on('error', onError);
    socket.once(readyEvent, onReady);
    t.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * One readiness probe of a runtime (the create pipeline's `waiting_for_runtime`): true as soon as any
 * HTTP response comes back, false on any failure (refused, timeout, changed certificate). On 8443 the
 * first successful contact stores the pin.
 */
export async function probeRuntime(ip: string, port: number, timeoutMs: number, pin: ProbeContext): Promise<boolean> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let socket: net.Socket | undefined;
  try {
    socket = await connectRuntime({
      ...pin,
      host: ip,
      port,
      tls: port === RUNTIME_HTTPS_PORT,
      connectTimeoutMs: timeoutMs,
      signal: deadline.signal,
    });
    const connected = socket;
    return await new Promise<boolean>((resolve) => {
      let settled = false;
      const done = (ok: boolean): void => {
        if (settled) return;
        settled = true;
        deadline.signal.removeEventListener('abort', onAbort);
        req.destroy();
        resolve(ok);
      };
      const onAbort = (): void => done(false);
      const req = http.request({ host: ip, port, method: 'GET', path: '/', createConnection: () => connected });
      req.on('response', () => done(true));
      req.on('error', () => done(false));
      deadline.signal.addEventListener('abort', onAbort, { once: true });
      if (deadline.signal.aborted) done(false);
      else req.end();
    });
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}
