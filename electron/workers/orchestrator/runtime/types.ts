/**
 * Types of the runtime HTTP proxy (docs/protocol.md §4.4 `run_command`).
 *
 * The proxy treats every field of the request defensively, because it must never throw whatever it is handed.
 */

import type { RunCommandFile, RunCommandProxyRequest } from '../../../../shared/cloud/topics.js';
import type { DebugReply } from '../../../../shared/debug/types.js';

/** One definition, in the cloud contract: the parsed `run_command` request is what the proxy consumes. */
export type { RunCommandFile };
export type RunCommandRequest = RunCommandProxyRequest;

/** The `http_response` of a `run_command` ack. Key order: status_code, headers, ok, body, content_type, body_encoding. */
export type HttpResponseEnvelope = {
  status_code: number;
  headers: Record<string, string>;
  ok: boolean;
  body: unknown;
  content_type: string;
  body_encoding?: 'base64';
};

export type RunCommandResult = { status: 'success' | 'error'; http_response: HttpResponseEnvelope };

/** An ack without `http_response` (debug bridge, unknown device). */
export type RunCommandFailure = { status: 'error'; error: string };

/** A run_command with `api: "debug"` (docs/protocol.md §4.11): `success` even when the reply is a debug_error. */
export type RunCommandDebugResult = { status: 'success' | 'error'; debug_response: DebugReply };

export type RunCommandOutcome = RunCommandResult | RunCommandFailure | RunCommandDebugResult;

export type AllowListEntry = {
  /** Upper-case HTTP method; absent means any method. */
  method?: string;
  /** Compared by whole segments with the URL path, e.g. `/api` allows `/api` and `/api/x`, never `/api2`. */
  pathPrefix: string;
  /** Runtime ports this entry allows; absent means any port. */
  ports?: number[];
};

export type ProxyOptions = {
  /** Total time for one run_command, connect and redirects included. Default 60 000. */
  timeoutMs: number;
  /** Time to establish one connection (TCP, plus the TLS handshake on 8443). Default 5 000. */
  connectTimeoutMs: number;
  /** Response body cap. Default 8 MiB. */
  maxBodyBytes: number;
  /** Method/path-prefix allow-list; `undefined` allows everything. */
  allowList?: AllowListEntry[];
};

export const DEFAULT_PROXY_OPTIONS: Readonly<ProxyOptions> = Object.freeze({
  timeoutMs: 60_000,
  connectTimeoutMs: 5_000,
  maxBodyBytes: 8 * 1024 * 1024,
});

/** The port addressed when the request carries none; it is also the only port spoken to over TLS. */
export const RUNTIME_HTTPS_PORT = 8443;

/** Where a vPLC's runtime is reachable: its address on its `<name>_internal` network. */
export type RuntimeTarget = { internalIp: string };
