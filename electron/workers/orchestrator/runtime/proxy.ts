/**
 * `RuntimeProxy`: the `run_command` HTTP proxy to a vPLC runtime (docs/protocol.md §4.4).
 *
 * `run()` never throws: every path, malformed input included, ends in an ack-shaped result.
 * The total timeout starts when `run()` is called and covers the target lookup, connects,
 * redirects and the body, so its 504 always answers before the handler deadline (docs/decisions.md
 * "Handler deadlines": HTTP timeout + 5 s).
 */
import { allowListAllows, underPrefix, unsafePathReason } from './allow-list.js';
import { buildQuery, isPlainObject, prepareBody } from './body.js';
import { envelopeFromResponse, resultOf, syntheticEnvelope } from './envelope.js';
import { type TlsPinStore, RuntimeConnectError } from './tls-pin.js';
import { type ExchangeContext, type RawResponse, ResponseTooLargeError, exchange, runtimeUrl } from './transport.js';
import {
  RUNTIME_HTTPS_PORT,
  type AllowListEntry,
  type ProxyOptions,
  type RunCommandOutcome,
  type RunCommandRequest,
  type RuntimeTarget,
} from './types.js';
import { z } from 'zod';
import type { DebugReply } from '../../../../shared/debug/types.js';

export const DEBUG_API = 'debug';
/** The path an allow-list entry must cover to let `api:"debug"` through (docs/debug.md "Cloud debug messages"). */
export const DEBUG_ALLOW_PATH = '/api/debug';
export const DEBUG_NOT_ALLOWED = `Debug is not allowed by this orchestrator's run_command allow-list (it needs an entry for ${DEBUG_ALLOW_PATH})`;
export const DEBUG_NOT_SUPPORTED = 'The debug bridge is not supported by this agent yet';
export const SUPPORTED_METHODS: readonly string[] = Object.freeze(['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS']);

export type RuntimeProxyDeps = {
  /** The managed vPLC's cached internal address, or null when it is not a managed vPLC. */
  resolveTarget(deviceId: string): Promise<RuntimeTarget | null>;
  /** The internal address read afresh from Docker (called once after a connect failure). */
  refreshTarget(deviceId: string): Promise<RuntimeTarget | null>;
  pins: TlsPinStore;
  options: ProxyOptions;
  /**
   * The debug bridge for `api: "debug"` (docs/debug.md): the message `data` on session `http:<device_id>`. It applies
   * the allow-list itself (`debugAllowed`), the same gate as the WebRTC `debug` channel.
   */
  debug?: (deviceId: string, message: unknown) => Promise<DebugReply>;
};

const DebugHead = z.object({ type: z.string(), port: z.unknown().optional() });

/** The `type` and `port` of a debug message (an object or its JSON text), or null when it has none; the bridge parses it fully. */
export function debugHead(data: unknown): { type: string; port: unknown } | null {
  let v = data;
  if (typeof v === 'string') {
    try {
      v = JSON.parse(v) as unknown;
    } catch {
      return null;
    }
  }
  const r = DebugHead.safeParse(v);
  return r.success ? { type: r.data.type, port: r.data.port } : null;
}

/**
 * With an allow-list, a debug message needs an entry whose path prefix covers `/api/debug` (any method). A
 * `debug_start` also needs the entry to allow the runtime port it connects to (its `port`, else 8443); the other
 * messages use the session their start opened.
 */
export function debugAllowed(list: readonly AllowListEntry[] | undefined, data: unknown): boolean {
  if (list === undefined) return true;
  const head = debugHead(data);
  const port = head?.type === 'debug_start' ? (typeof head.port === 'number' ? head.port : RUNTIME_HTTPS_PORT) : null;
  return list.some((e) => underPrefix(DEBUG_ALLOW_PATH, e.pathPrefix) && (port === null || e.ports === undefined || e.ports.includes(port)));
}

class DeadlineExceeded extends Error {
  constructor() {
    super('deadline exceeded');
    this.name = 'DeadlineExceeded';
  }
}

/** Settle with `promise`, or reject as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) {
      reject(new DeadlineExceeded());
      return;
    }
    const onAbort = (): void => reject(new DeadlineExceeded());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

function display(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message === '' ? err.name : err.message;
  return display(err);
}

function formatSeconds(ms: number): string {
  return String(ms / 1000);
}

export class RuntimeProxy {
  readonly #deps: RuntimeProxyDeps;

  constructor(deps: RuntimeProxyDeps) {
    this.#deps = deps;
  }

  async run(req: RunCommandRequest): Promise<RunCommandOutcome> {
    const { timeoutMs } = this.#deps.options;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    let deviceId: unknown;
    try {
      const input: Partial<Record<keyof RunCommandRequest, unknown>> = isPlainObject(req) ? req : {};
      deviceId = input.device_id;
      return await this.#run(input, deadline.signal);
    } catch (err) {
      try {
        if (deadline.signal.aborted) {
          return resultOf(syntheticEnvelope(504, `Timeout: no response from ${display(deviceId)} within ${formatSeconds(timeoutMs)} s`));
        }
        if (err instanceof ResponseTooLargeError) return resultOf(syntheticEnvelope(502, err.message));
        return resultOf(syntheticEnvelope(500, messageOf(err)));
      } catch {
        return resultOf(syntheticEnvelope(500, 'Internal error'));
      }
    } finally {
      clearTimeout(timer);
    }
  }

  #allowed(method: string, path: string, port: number): boolean {
    return allowListAllows(this.#deps.options.allowList, method, path, port);
  }

  /** docs/protocol.md §4.11: the ack is `success` with the reply, even a debug_error; `error` only when the bridge failed. */
  async #debug(deviceId: unknown, message: unknown, signal: AbortSignal): Promise<RunCommandOutcome> {
    const bridge = this.#deps.debug;
    if (bridge === undefined) return { status: 'error', error: DEBUG_NOT_SUPPORTED };
    if (typeof deviceId !== 'string' || deviceId === '') return { status: 'success', debug_response: { type: 'debug_error', error: `Device ${display(deviceId)} not found` } };
    try {
      return { status: 'success', debug_response: await untilAborted(bridge(deviceId, message), signal) };
    } catch (err) {
      return { status: 'error', debug_response: { type: 'debug_error', error: signal.aborted ? `Timeout: no debug reply within ${formatSeconds(this.#deps.options.timeoutMs)} s` : messageOf(err) } };
    }
  }

  async #run(input: Partial<Record<keyof RunCommandRequest, unknown>>, signal: AbortSignal): Promise<RunCommandOutcome> {
    const { api, device_id: deviceId } = input;
    if (api === DEBUG_API) return this.#debug(deviceId, input.data, signal);

    const id = typeof deviceId === 'string' ? deviceId : display(deviceId);
    const target = await untilAborted(this.#deps.resolveTarget(id), signal);
    if (target === null) return { status: 'error', error: `Device not found: ${id}` };

    const method = typeof input.method === 'string' ? input.method.toUpperCase() : display(input.method);
    if (!SUPPORTED_METHODS.includes(method)) return resultOf(syntheticEnvelope(400, `Unsupported HTTP method: ${method}`));

    const port = input.port ?? RUNTIME_HTTPS_PORT;
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`Invalid port: ${display(port)}`);
    if (typeof api !== 'string') throw new Error(`Invalid api: ${display(api)}`);

    const unsafe = unsafePathReason(api);
    if (unsafe !== null) return resultOf(syntheticEnvelope(400, `Invalid api path: ${unsafe}`));
    // The URL is parsed only to normalise the path; the host is always the vPLC's internal address.
    const url = runtimeUrl(target.internalIp, port, `/${api.replace(/^\/+/, '')}`);
    if (!this.#allowed(method, url.pathname, port)) {
      return resultOf(syntheticEnvelope(403, `${method} ${url.pathname} is not allowed by this orchestrator's run_command allow-list`));
    }
    const query = buildQuery(input.params);
    const search = query === '' ? url.search : url.search === '' ? `?${query}` : `${url.search}&${query}`;
    const path = `${url.pathname}${search}`;

    const { headers, body } = await untilAborted(prepareBody(input.data, input.files, input.headers), signal);
    const ctx: ExchangeContext = {
      deviceId: id,
      pins: this.#deps.pins,
      connectTimeoutMs: this.#deps.options.connectTimeoutMs,
      maxBodyBytes: this.#deps.options.maxBodyBytes,
      signal,
      mayFollow: (m, p, pt) => this.#allowed(m, p, pt),
    };
    const send = (ip: string): Promise<RawResponse> => exchange({ ip, port, path, method, headers, body }, ctx);

    let res: RawResponse;
    try {
      res = await send(target.internalIp);
    } catch (err) {
      if (!(err instanceof RuntimeConnectError) || !err.connectFailure || signal.aborted) throw err;
      // A failing refresh must not hide the connect error it was meant to work around.
      const refreshed = await untilAborted(
        this.#deps.refreshTarget(id).catch(() => null),
        signal,
      );
      if (refreshed === null || refreshed.internalIp === target.internalIp) throw err;
      res = await send(refreshed.internalIp);
    }
    return resultOf(envelopeFromResponse(res.statusCode, res.rawHeaders, res.body));
  }
}
