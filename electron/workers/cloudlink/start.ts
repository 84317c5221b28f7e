import { isHttpsUrl } from '../../../shared/domain/settings.js';
import { defaultMtlsDir } from '../../lib/certs/credentials.js';
import { retireCredentials } from '../../lib/certs/store.js';
import { loadTrustSet } from '../../lib/certs/trust.js';
import { CloudLink, type LinkStats } from './link.js';
import { CommandRouter } from './router.js';
import { DEFAULT_CLOUD_URL } from './transport.js';
import type { CloudCommandTarget, HeartbeatSource, LinkState, LinkTiming, Logger } from './types.js';

export interface StartCloudLinkOptions {
  /** Executes validated commands (in the agent: the orchestrator worker, one request over the bus each). */
  target: CloudCommandTarget;
  /** The latest usage sample; the heartbeat never waits for sampling. */
  heartbeat: HeartbeatSource;
  /** Default `~/.mtls`. */
  mtlsDir?: string;
  /** Default docs/protocol.md §12 `https://api.autonomylogic.com:3001`. */
  cloudUrl?: string;
  /** Extra CA bundle trusted on top of Node's roots and the system store. */
  caFile?: string;
  /** Optional SPKI sha256 pins (base64) of the cloud's key or CA; empty or absent: no pin. */
  serverPins?: readonly string[];
  log: Logger;
  /** run_command's HTTP timeout; the handler deadline is this + 5 s (docs/decisions.md "Handler deadlines"). */
  runCommandTimeoutMs?: number;
  /** Tests shorten these. */
  timing?: Partial<LinkTiming>;
  /** Replaces /etc/ssl/certs/ca-certificates.crt (null: none). */
  systemCaBundle?: string | null;
}

export interface CloudLinkHandle {
  link: CloudLink;
  stats(): LinkStats;
  onState(cb: (s: LinkState) => void): () => void;
  /** Self-destruct's `removing_self`: moves the credentials aside and stops connecting. */
  retire(): Promise<string | null>;
  /** Graceful: refuses new commands, waits up to 10 s for in-flight acks, disconnects. Never touches vPLCs. */
  close(): Promise<void>;
}

/** Starts the cloud link. Resolves once the credentials have been read; connecting continues in the background. */
export async function startCloudLink(opts: StartCloudLinkOptions): Promise<CloudLinkHandle> {
  const url = opts.cloudUrl ?? DEFAULT_CLOUD_URL;
  if (!isHttpsUrl(url)) throw new Error(`cloudUrl: Value must be an https: URL (got ${url})`);
  const mtlsDir = opts.mtlsDir ?? defaultMtlsDir();
  const trust = await loadTrustSet({ ...(opts.caFile ? { caFile: opts.caFile } : {}), ...(opts.systemCaBundle !== undefined ? { systemBundle: opts.systemCaBundle } : {}) });
  const router = new CommandRouter({ target: opts.target, log: opts.log, deadlines: { run_command: (opts.runCommandTimeoutMs ?? 60_000) + 5_000 } });
  const link = new CloudLink({
    url,
    mtlsDir,
    trust,
    ...(opts.serverPins ? { serverPins: opts.serverPins } : {}),
    router,
    heartbeat: opts.heartbeat,
    log: opts.log,
    ...(opts.timing ? { timing: opts.timing } : {}),
  });
  await link.start();
  return {
    link,
    stats: () => link.stats(),
    onState: (cb) => link.onState(cb),
    retire: async () => {
      const moved = await retireCredentials(mtlsDir);
      opts.log.warn('this orchestrator was removed from the cloud; credentials moved aside', { to: moved });
      link.forget();
      return moved;
    },
    close: () => link.close(),
  };
}
