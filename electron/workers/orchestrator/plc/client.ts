/**
 * One HTTPS exchange with a vPLC's runtime (docs/plc.md "The runtime as it really is"). Every request goes through
 * `connectRuntime` with the vPLC's pin slot, so the Authorization header is written only after the runtime's
 * certificate matched the pin of the current container. The runtime closes every connection (`Connection: close`),
 * so each call is one connection; timeouts are short and bodies are capped.
 */
import http from 'node:http';
import type net from 'node:net';
import { connectRuntime, RuntimeCertificateChangedError, RuntimeConnectError, type TlsPinStore } from '../runtime/tls-pin.js';
import type { TlsSessionCache } from '../runtime/tls-session.js';
import { PlcSessionError } from './types.js';

export type RuntimeAddress = { host: string; port: number };

/** Where a vPLC's runtime answers; `refresh` asks Docker again (the container may have a new internal address). */
export interface RuntimeEndpoint {
  resolve(refresh: boolean): Promise<RuntimeAddress | null>;
}

export type ExchangeRequest = {
  method: 'GET' | 'POST';
  /** Path and query, starting with `/`. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Overrides the client's request timeout (an upload takes longer). */
  timeoutMs?: number;
  signal?: AbortSignal;
};

/** The answer: status, and the body parsed as JSON when the runtime said so, else as text. */
export type ExchangeResponse = { status: number; body: unknown };

export type ClientOptions = {
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxBodyBytes: number;
  /** TLS sessions resumed across polls (shared by the clients of all vPLCs); none: a full handshake per request. */
  tlsSessions?: TlsSessionCache;
};

export const DEFAULT_CLIENT_OPTIONS: ClientOptions = { connectTimeoutMs: 3_000, requestTimeoutMs: 10_000, maxBodyBytes: 2 * 1024 * 1024 };

export type Exchange = (req: ExchangeRequest) => Promise<ExchangeResponse>;

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

/** The client of one vPLC's runtime. Throws PlcSessionError only ('unreachable', 'refused', 'bad_answer'). */
export class RuntimeClient {
  constructor(
    private readonly deviceId: string,
    private readonly endpoint: RuntimeEndpoint,
    private readonly pins: TlsPinStore,
    private readonly options: ClientOptions = DEFAULT_CLIENT_OPTIONS,
  ) {}

  readonly exchange: Exchange = async (req) => {
    let target = await this.target(false);
    try {
      return await this.once(target, req);
    } catch (err) {
      // A refused or timed-out connect may mean the container came back on another internal address.
      if (!(err instanceof RuntimeConnectError && err.connectFailure) || aborted(req.signal)) throw this.mapped(err);
      target = await this.target(true);
      try {
        return await this.once(target, req);
      } catch (again) {
        throw this.mapped(again);
      }
    }
  };

  private async target(refresh: boolean): Promise<RuntimeAddress> {
    const t = await this.endpoint.resolve(refresh).catch(() => null);
    if (!t) throw new PlcSessionError('unreachable', `no runtime address known for ${this.deviceId} (is the vPLC running?)`);
    return t;
  }

  private mapped(err: unknown): PlcSessionError {
    if (err instanceof PlcSessionError) return err;
    if (err instanceof RuntimeCertificateChangedError) return new PlcSessionError('refused', err.message);
    const msg = err instanceof Error ? err.message : String(err);
    return new PlcSessionError('unreachable', `the runtime of ${this.deviceId} did not answer: ${msg}`);
  }

  private async once(t: RuntimeAddress, req: ExchangeRequest): Promise<ExchangeResponse> {
    const timeoutMs = req.timeoutMs ?? this.options.requestTimeoutMs;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    const onOuterAbort = (): void => deadline.abort(new Error('aborted'));
    req.signal?.addEventListener('abort', onOuterAbort, { once: true });
    let socket: net.Socket | undefined;
    try {
      if (aborted(req.signal)) throw new Error('aborted');
      socket = await connectRuntime({
        deviceId: this.deviceId,
        pins: this.pins,
        host: t.host,
        port: t.port,
        tls: true,
        connectTimeoutMs: this.options.connectTimeoutMs,
        signal: deadline.signal,
        sessions: this.options.tlsSessions,
      });
      return await this.send(socket, t, req, deadline.signal);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onOuterAbort);
      socket?.destroy();
    }
  }

  private send(socket: net.Socket, t: RuntimeAddress, req: ExchangeRequest, signal: AbortSignal): Promise<ExchangeResponse> {
    return new Promise<ExchangeResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...req.headers, Connection: 'close' };
      if (req.body) headers['Content-Length'] = String(req.body.length);
      const outgoing = http.request({ host: t.host, port: t.port, method: req.method, path: req.path, headers, createConnection: () => socket });
      const fail = (err: unknown): void => {
        outgoing.destroy();
        reject(err instanceof Error ? err : new Error(String(err)));
      };
      const onAbort = (): void => fail(signal.reason ?? new Error('aborted'));
      signal.addEventListener('abort', onAbort, { once: true });
      outgoing.on('error', fail);
      outgoing.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.options.maxBodyBytes) fail(new PlcSessionError('bad_answer', `the runtime's answer to ${req.path.split('?')[0] ?? ''} is larger than ${this.options.maxBodyBytes} bytes`));
          else chunks.push(c);
        });
        res.on('error', fail);
        res.on('end', () => {
          signal.removeEventListener('abort', onAbort);
          const text = Buffer.concat(chunks).toString('utf8');
          const json = /^application\/json\b/i.test(res.headers['content-type'] ?? '');
          if (!json) return resolve({ status: res.statusCode ?? 0, body: text });
          try {
            resolve({ status: res.statusCode ?? 0, body: text === '' ? null : (JSON.parse(text) as unknown) });
          } catch {
            reject(new PlcSessionError('bad_answer', `the runtime's answer to ${req.path.split('?')[0] ?? ''} is not valid JSON`));
          }
        });
      });
      outgoing.end(req.body);
    });
  }
}
