/**
 * One HTTP exchange with a runtime, and the redirect loop around it (docs/protocol.md §4.4 rule 10).
 * Uses node:http on a socket opened by `connectRuntime` (so the TLS pin is checked before any
 * request byte is written) and keeps `rawHeaders` for the server's header-name case.
 */
import http from 'node:http';
import type net from 'node:net';
import { type HeaderList, withoutHeaders } from './body.js';
import { rawHeader } from './envelope.js';
import { RuntimeConnectError, connectRuntime, type TlsPinStore } from './tls-pin.js';
import { RUNTIME_HTTPS_PORT } from './types.js';

export const MAX_REDIRECTS = 5;

export type RawResponse = { statusCode: number; rawHeaders: string[]; body: Buffer };

export class ResponseTooLargeError extends Error {
  constructor(readonly size: number) {
    super(`Response too large (${size} bytes)`);
    this.name = 'ResponseTooLargeError';
  }
}

export type ExchangeContext = {
  deviceId: string;
  pins: TlsPinStore;
  connectTimeoutMs: number;
  maxBodyBytes: number;
  signal: AbortSignal;
  /** Whether a redirect target may be followed (the allow-list). */
  mayFollow(method: string, path: string, port: number): boolean;
};

export type ExchangeRequest = {
  ip: string;
  port: number;
  /** Path and query, starting with `/`. */
  path: string;
  method: string;
  headers: HeaderList;
  body: Buffer | undefined;
};

export function schemeForPort(port: number): 'http:' | 'https:' {
  return port === RUNTIME_HTTPS_PORT ? 'https:' : 'http:';
}

export function urlHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

export function runtimeUrl(ip: string, port: number, path: string): URL {
  return new URL(`${schemeForPort(port).slice(0, -1)}://${urlHost(ip)}:${port}${path}`);
}

const NO_BODY_STATUSES: ReadonlySet<number> = new Set([204, 304]);

function readResponse(res: http.IncomingMessage, method: string, maxBodyBytes: number): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const statusCode = res.statusCode ?? 0;
    const mayHaveBody = method !== 'HEAD' && !NO_BODY_STATUSES.has(statusCode) && statusCode >= 200;
    const declared = Number(res.headers['content-length']);
    if (mayHaveBody && Number.isFinite(declared) && declared > maxBodyBytes) {
      res.destroy();
      reject(new ResponseTooLargeError(declared));
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const fail = (err: Error): void => {
      if (settled) return;
      settled = true;
      res.destroy();
      reject(err);
    };
    res.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > maxBodyBytes) fail(new ResponseTooLargeError(received));
      else chunks.push(chunk);
    });
    res.on('end', () => {
      if (settled) return;
      settled = true;
      resolve({ statusCode, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks) });
    });
    // Node reports a connection closed mid-body as a bare "aborted"; say what happened instead.
    const truncated = (): void => fail(new Error('The runtime closed the connection before the response was complete'));
    res.on('error', truncated);
    res.on('close', truncated);
  });
}

/** Send one request and read the whole (capped) response. Never follows redirects. */
export async function sendOnce(req: ExchangeRequest, ctx: ExchangeContext): Promise<RawResponse> {
  const socket: net.Socket = await connectRuntime({
    host: req.ip,
    port: req.port,
    tls: req.port === RUNTIME_HTTPS_PORT,
    deviceId: ctx.deviceId,
    pins: ctx.pins,
    connectTimeoutMs: ctx.connectTimeoutMs,
    signal: ctx.signal,
  });
  let outgoing: http.ClientRequest | undefined;
  const onAbort = (): void => {
    outgoing?.destroy(new Error('aborted'));
    socket.destroy();
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    if (ctx.signal.aborted) throw new Error('aborted');
    return await new Promise<RawResponse>((resolve, reject) => {
      const request = http.request({
        host: req.ip,
        port: req.port,
        method: req.method,
        path: req.path,
        headers: Object.fromEntries(req.headers),
        createConnection: () => socket,
      });
      outgoing = request;
      request.on('error', reject);
      request.on('response', (res) => readResponse(res, req.method, ctx.maxBodyBytes).then(resolve, reject));
      request.end(req.body);
    });
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
    outgoing?.destroy();
    socket.destroy();
  }
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

function defaultPort(protocol: string): number {
  return protocol === 'https:' ? 443 : 80;
}

/** The next request of a redirect, or undefined when it must not be followed (§4.4 rule 10, IMPROVE). */
function nextHop(req: ExchangeRequest, res: RawResponse, ctx: ExchangeContext): ExchangeRequest | undefined {
  const location = rawHeader(res.rawHeaders, 'location');
  if (location === undefined || location === '') return undefined;
  let next: URL;
  try {
    next = new URL(location, runtimeUrl(req.ip, req.port, req.path));
  } catch {
    return undefined;
  }
  const port = next.port === '' ? defaultPort(next.protocol) : Number(next.port);
  if (next.hostname !== urlHost(req.ip) || next.protocol !== schemeForPort(port)) return undefined;
  // Method rewriting as requests (the reference client) does it.
  let method = req.method;
  if ((res.statusCode === 303 || res.statusCode === 302) && method !== 'HEAD') method = 'GET';
  if (res.statusCode === 301 && method === 'POST') method = 'GET';
  if (!ctx.mayFollow(method, next.pathname, port)) return undefined;
  let headers = req.headers;
  let body = req.body;
  if (res.statusCode !== 307 && res.statusCode !== 308) {
    headers = withoutHeaders(headers, 'content-type', 'content-length', 'transfer-encoding');
    body = undefined;
  }
  if (port !== req.port) headers = withoutHeaders(headers, 'authorization');
  return { ip: req.ip, port, path: `${next.pathname}${next.search}`, method, headers, body };
}

/**
 * Send a request, following redirects only while they stay on the same internal address (scheme by
 * the 8443 rule), at most `MAX_REDIRECTS` times; otherwise the 3xx is returned as it is. A connect
 * failure is reported as `RuntimeConnectError` with `connectFailure` only on the first hop, so the
 * caller never replays a request the runtime may already have processed.
 */
export async function exchange(first: ExchangeRequest, ctx: ExchangeContext): Promise<RawResponse> {
  let req = first;
  for (let hop = 0; ; hop += 1) {
    let res: RawResponse;
    try {
      res = await sendOnce(req, ctx);
    } catch (err) {
      if (hop > 0 && err instanceof RuntimeConnectError) throw new RuntimeConnectError(err.message, err.code, false);
      throw err;
    }
    if (!REDIRECT_STATUSES.has(res.statusCode) || hop >= MAX_REDIRECTS) return res;
    const next = nextHop(req, res, ctx);
    if (next === undefined) return res;
    req = next;
  }
}
