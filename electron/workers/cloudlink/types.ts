import type { HostMetrics } from '../../../shared/domain/host-sample.js';

export type LogFn = (msg: string, data?: Record<string, unknown>) => void;
export type Logger = { debug: LogFn; info: LogFn; warn: LogFn; error: LogFn };

export const silentLogger: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export type { CloudCommandTarget } from '../../lib/protocol/cloud-command.js';

/** The latest host sample for the heartbeat; reading it never waits for sampling. */
export interface HeartbeatSource {
  latest(): HostMetrics | null;
  /** Agent uptime in whole seconds (docs/protocol.md §10.1). */
  uptimeSeconds(): number;
}

export type { LinkState } from '../../../shared/domain/link.js';

/** Link timings; production uses the docs/protocol.md §12 defaults, tests shorten them. */
export interface LinkTiming {
  /** Fixed retry delay until the first successful connect (linking window). */
  firstConnectRetryMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  backoffFloorMs: number;
  connectTimeoutMs: number;
  heartbeatMs: number;
  heartbeatFailureLimit: number;
  certPollMs: number;
  /** Graceful close: time to wait for in-flight acks. */
  drainMs: number;
}

export const DEFAULT_TIMING: Readonly<LinkTiming> = Object.freeze({
  firstConnectRetryMs: 5_000,
  backoffBaseMs: 1_000,
  backoffCapMs: 30_000,
  backoffFloorMs: 1_000,
  connectTimeoutMs: 20_000,
  heartbeatMs: 5_000,
  heartbeatFailureLimit: 3,
  certPollMs: 30_000,
  drainMs: 10_000,
});
