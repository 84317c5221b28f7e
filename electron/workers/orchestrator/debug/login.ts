/**
 * The two network pieces a debug session needs before Socket.IO (docs/debug.md "Runtime side"): the runtime login
 * (`POST /api/login`, scheme by the 8443 rule of docs/protocol.md §4.4) and an HTTPS agent whose every connection is
 * pinned to the vPLC's runtime certificate (docs/runtime-tls.md) before a byte is written. The JWT and the password
 * never appear in an error text.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { connectRuntime, RuntimeCertificateChangedError, type TlsPinStore } from '../runtime/tls-pin.js';
import { RUNTIME_HTTPS_PORT } from '../runtime/types.js';
import type { RuntimeCredentials } from './types.js';

export type RuntimeHost = { deviceId: string; host: string; port: number; pins: TlsPinStore };

export const isTlsPort = (port: number): boolean => port === RUNTIME_HTTPS_PORT;

const LoginBody = z.object({ access_token: z.string().min(1) });

/** An Error whose message is a protocol text of docs/protocol.md §4.11. */
export class DebugSessionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DebugSessionError';
  }
}

/** A session closed while a command or an open was on its way. */
export const SESSION_CLOSED = 'Session closed';

export function unreachable(err: unknown): DebugSessionError {
  if (err instanceof RuntimeCertificateChangedError) return new DebugSessionError(`Connection refused: ${err.message}`);
  return new DebugSessionError(`Runtime unreachable: ${err instanceof Error ? err.message : String(err)}`);
}

/** `POST /api/login`: the JWT, or `Authentication failed: HTTP <code>` / `No access_token in login response`. */
export async function loginRuntime(t: RuntimeHost, creds: RuntimeCredentials, timeoutMs: number): Promise<string> {
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  let socket: net.Socket | undefined;
  try {
    socket = await connectRuntime({ ...t, tls: isTlsPort(t.port), connectTimeoutMs: timeoutMs, signal: deadline.signal }).catch((err: unknown) => {
      throw unreachable(err);
    });
    const res = await post(socket, t, JSON.stringify({ username: creds.username, password: creds.password }), deadline.signal);
    if (res.status < 200 || res.status >= 400) throw new DebugSessionError(`Authentication failed: HTTP ${res.status}`);
    let body: unknown;
    try {
      body = JSON.parse(res.text) as unknown;
    } catch {
      body = null;
    }
    const parsed = LoginBody.safeParse(body);
    if (!parsed.success) throw new DebugSessionError('No access_token in login response');
    return parsed.data.access_token;
  } finally {
    clearTimeout(timer);
    socket?.destroy();
  }
}

const MAX_LOGIN_BODY = 64 * 1024;

function post(socket: net.Socket, t: RuntimeHost, json: string, signal: AbortSignal): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: t.host,
      port: t.port,
      method: 'POST',
      path: '/api/login',
      headers: { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(json)), Connection: 'close' },
      createConnection: () => socket,
    });
    const fail = (err: unknown): void => {
      req.destroy();
      reject(err instanceof DebugSessionError ? err : unreachable(err));
    };
    signal.addEventListener('abort', () => fail(new Error('no answer to the login in time')), { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_LOGIN_BODY) fail(new Error('login answer too large'));
        else chunks.push(c);
      });
      res.on('error', fail);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.end(json);
  });
}

/**
 * An HTTPS agent for the runtime's Socket.IO: each connection goes through `connectRuntime`, so the certificate is
 * checked against the vPLC's pin (and pinned on first contact) before the WebSocket upgrade is written.
 */
export class PinnedRuntimeAgent extends https.Agent {
  constructor(
    private readonly target: RuntimeHost,
    private readonly connectTimeoutMs: number,
  ) {
    super({ keepAlive: false });
  }

  override createConnection(_options: unknown, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    connectRuntime({ ...this.target, tls: true, connectTimeoutMs: this.connectTimeoutMs }).then(
      (socket) => callback?.(null, socket),
      (err: unknown) => callback?.(unreachable(err), undefined as unknown as Duplex),
    );
    return undefined;
  }
}
