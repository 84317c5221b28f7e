import type { DebugBridge } from '../../../shared/debug/types.js';
import { isHttpsUrl } from '../../../shared/domain/settings.js';
import type { WebRtcSettingsInput } from '../../../shared/webrtc/settings.js';
import { WebRtcSettings } from '../../../shared/webrtc/settings.js';
import { defaultMtlsDir } from '../../lib/certs/credentials.js';
import { retireCredentials } from '../../lib/certs/store.js';
import { loadTrustSet } from '../../lib/certs/trust.js';
import { CloudLink, type LinkStats } from './link.js';
import { CommandRouter, type RouterOptions } from './router.js';
import { DEFAULT_CLOUD_URL } from './transport.js';
import type { CloudCommandTarget, HeartbeatSource, LinkState, LinkTiming, Logger } from './types.js';
import type { PeerFactory } from './webrtc/peer.js';
import { WebRtcSessions, type WebRtcSessionsOptions } from './webrtc/sessions.js';

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
  /** The debug bridge: with it the link answers WebRTC signalling (docs/debug.md); without it, "not supported". */
  debug?: DebugBridge;
  webrtc?: WebRtcSettingsInput;
  /** Tests and the bench replace werift's peer (default: werift, imported on the first offer). */
  peerFactory?: PeerFactory;
}

export interface CloudLinkHandle {
  link: CloudLink;
  stats(): LinkStats;
  onState(cb: (s: LinkState) => void): () => void;
  /** Self-destruct's `removing_self`: moves the credentials aside and stops connecting. */
  retire(): Promise<string | null>;
  /** Graceful: refuses new commands, waits up to 10 s for in-flight acks, disconnects. Never touches vPLCs. */
  close(): Promise<void>;
  /** The WebRTC sessions, when the link was started with a debug bridge and `webrtc.enabled` is not false. */
  webrtc: WebRtcSessions | null;
}

/**
 * The router's WebRTC part: sessions when the link has a debug bridge and `webrtc.enabled` is not false. Turned off,
 * there are no sessions at all (werift, imported on a session's first offer, never loads) and the signalling topics are
 * answered WEBRTC_TURNED_OFF.
 */
export function webrtcSignalling(
  opts: Pick<StartCloudLinkOptions, 'target' | 'log' | 'debug' | 'webrtc' | 'peerFactory'>,
  emit: WebRtcSessionsOptions['emit'],
  runCommandDeadlineMs: number,
): { sessions: WebRtcSessions | null; routing: Pick<RouterOptions, 'webrtc' | 'webrtcTurnedOff'> } {
  const settings = WebRtcSettings.parse(opts.webrtc ?? {});
  if (!settings.enabled) return { sessions: null, routing: { webrtcTurnedOff: true } };
  if (!opts.debug) return { sessions: null, routing: {} };
  const sessions = new WebRtcSessions({
    target: opts.target,
    debug: opts.debug,
    emit,
    log: opts.log,
    settings,
    runCommandDeadlineMs,
    ...(opts.peerFactory ? { peerFactory: opts.peerFactory } : {}),
  });
  return { sessions, routing: { webrtc: sessions } };
}

/** Starts the cloud link. Resolves once the credentials have been read; connecting continues in the background. */
export async function startCloudLink(opts: StartCloudLinkOptions): Promise<CloudLinkHandle> {
  const url = opts.cloudUrl ?? DEFAULT_CLOUD_URL;
  if (!isHttpsUrl(url)) throw new Error(`cloudUrl: Value must be an https: URL (got ${url})`);
  const mtlsDir = opts.mtlsDir ?? defaultMtlsDir();
  const trust = await loadTrustSet({ ...(opts.caFile ? { caFile: opts.caFile } : {}), ...(opts.systemCaBundle !== undefined ? { systemBundle: opts.systemCaBundle } : {}) });
  const runCommandDeadlineMs = (opts.runCommandTimeoutMs ?? 60_000) + 5_000;
  const holder: { link?: CloudLink } = {};
  const { sessions: webrtc, routing } = webrtcSignalling(opts, (event, payload) => holder.link?.emit(event, payload) ?? false, runCommandDeadlineMs);
  const router = new CommandRouter({ target: opts.target, log: opts.log, deadlines: { run_command: runCommandDeadlineMs }, ...routing });
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
  holder.link = link;
  await link.start();
  return {
    link,
    webrtc,
    stats: () => link.stats(),
    onState: (cb) => link.onState(cb),
    retire: async () => {
      const moved = await retireCredentials(mtlsDir);
      opts.log.warn('this orchestrator was removed from the cloud; credentials moved aside', { to: moved });
      link.forget();
      await webrtc?.closeAll(false);
      return moved;
    },
    close: async () => {
      await link.close();
      await webrtc?.closeAll();
    },
  };
}
