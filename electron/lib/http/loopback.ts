import http from 'node:http';
import type { Duplex } from 'node:stream';
import { enforceDeadlines, NODE_CHECK_DISABLED_MS } from './deadlines.js';

/** Per-connection bounds of a loopback HTTP server (docs/hardening.md). */
export type HttpLimits = {
  /** A client must finish its request headers within this time (answered 408). */
  headersTimeoutMs: number;
  /** …and its whole request (answered 408). */
  requestTimeoutMs: number;
  /** An idle socket (no bytes either way) is closed after this. */
  idleTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** Larger request heads are answered 431 by Node's parser. */
  maxHeaderBytes: number;
  /** Longer request targets are answered 414. */
  maxTargetBytes: number;
  /** Connections beyond this are dropped at accept. */
  maxConnections: number;
};

export const DEFAULT_LIMITS: HttpLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  idleTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderBytes: 16 * 1024,
  maxTargetBytes: 2_048,
  maxConnections: 128,
};

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

/**
 * An HTTP server whose handler can never throw or reject past it: a failure is reported to `onError` and answered 500
 * (or the socket is dropped when the head already left). Malformed requests Node's parser refuses (bad request line,
 * oversized head) are answered by Node's default `clientError` handling with 400/431; a slow head or body with 408 by
 * enforceDeadlines.
 */
export function createGuardedServer(handler: Handler, onError: (err: unknown) => void, limits: HttpLimits): http.Server {
  const server = http.createServer(
    {
      maxHeaderSize: limits.maxHeaderBytes,
      // Enforced per connection by enforceDeadlines: Node's check would wake the process every period, idle or not.
      headersTimeout: 0,
      requestTimeout: 0,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      connectionsCheckingInterval: NODE_CHECK_DISABLED_MS,
      requireHostHeader: true,
    },
    (req, res) => {
      // Streams without an error listener would turn a reset connection into an uncaught exception.
      req.on('error', () => undefined);
      res.on('error', () => undefined);
      void (async () => {
        try {
          await handler(req, res);
        } catch (err) {
          failed(res, err, onError);
        }
      })();
    },
  );
  // CONNECT never reaches the request handler; without a listener Node drops the socket without an answer.
  server.on('connect', (_req: http.IncomingMessage, socket: Duplex) => {
    socket.on('error', () => socket.destroy());
    socket.end('HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });
  enforceDeadlines(server, limits);
  server.maxConnections = limits.maxConnections;
  server.timeout = limits.idleTimeoutMs;
  return server;
}

function failed(res: http.ServerResponse, err: unknown, onError: (err: unknown) => void): void {
  try {
    onError(err);
  } catch {
    // A broken logger must not take the server with it.
  }
  if (res.headersSent) res.destroy();
  else res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('internal error\n');
}

export type Target = { ok: true; path: string } | { ok: false; status: 400 | 414; reason: string };

const PATH_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:@%/]*$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;
// eslint-disable-next-line no-control-regex -- control characters are exactly what this refuses
const CONTROL = /[\u0000-\u001f\u007f\\]/;

/**
 * The decoded path of an origin-form request target (`/path?query`), or why it is refused. Absolute-form
 * (`http://host/…`), authority-form, asterisk-form, `//…`, bad percent-encoding, encoded control characters or
 * backslashes, and `.`/`..` segments are all 400; a target longer than `maxBytes` is 414. Never throws.
 */
export function parseTarget(raw: string | undefined, maxBytes: number): Target {
  if (raw === undefined || raw === '') return { ok: false, status: 400, reason: 'no request target' };
  if (raw.length > maxBytes) return { ok: false, status: 414, reason: 'request target too long' };
  if (!raw.startsWith('/') || raw.startsWith('//')) return { ok: false, status: 400, reason: 'only origin-form targets (/path) are served' };
  if (raw.includes('#')) return { ok: false, status: 400, reason: 'a fragment is not part of a request target' };
  const q = raw.indexOf('?');
  const encoded = q < 0 ? raw : raw.slice(0, q);
  if (!PATH_CHARS.test(encoded) || BAD_ESCAPE.test(encoded)) return { ok: false, status: 400, reason: 'malformed path' };
  let path: string;
  try {
    path = decodeURIComponent(encoded);
  } catch {
    return { ok: false, status: 400, reason: 'malformed percent-encoding' };
  }
  if (CONTROL.test(path) || path.startsWith('//')) return { ok: false, status: 400, reason: 'malformed path' };
  if (path.split('/').some((s) => s === '.' || s === '..')) return { ok: false, status: 400, reason: 'dot segments are not served' };
  return { ok: true, path };
}

/** A request that carries a body (these servers take none; the answer closes the connection so it is never read). */
export function carriesBody(req: http.IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** `Host` names this loopback server exactly (blocks DNS rebinding). */
export function isOwnHost(host: string | undefined, port: number): boolean {
  return host === `127.0.0.1:${port}` || host === `localhost:${port}`;
}

/** A short plain-text refusal that closes the connection (a hostile client gets no second request on it). */
export function refuse(res: http.ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = `${text}\n`;
  res
    .writeHead(status, { ...headers, 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)), 'cache-control': 'no-store', connection: 'close' })
    .end(body);
}
