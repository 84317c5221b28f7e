import { createHash, X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls, { type PeerCertificate } from 'node:tls';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

export const DEFAULT_CLOUD_URL = 'https://api.autonomylogic.com:3001';

export interface TransportMaterial {
  cert: string;
  key: string;
  /** Server trust set (Node roots + system store + --ca-file). */
  ca: string[];
  /** SPKI sha256 pins (base64); when non-empty, the leaf or a certificate of its chain must match one. */
  pins?: readonly string[];
}

/** base64 SHA-256 of a certificate's SubjectPublicKeyInfo. */
export function spkiSha256(raw: Buffer): string {
  const der = new X509Certificate(raw).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64');
}

/** The presented chain, leaf first (Node links a self-signed root to itself). */
function chainOf(leaf: PeerCertificate): PeerCertificate[] {
  const out: PeerCertificate[] = [];
  let cur: tls.DetailedPeerCertificate | PeerCertificate | undefined = leaf;
  while (cur?.raw && !out.includes(cur) && out.length < 16) {
    out.push(cur);
    const next: tls.DetailedPeerCertificate | undefined = (cur as tls.DetailedPeerCertificate).issuerCertificate;
    if (next === cur) break;
    cur = next;
  }
  return out;
}

/**
 * Normal hostname verification, then the optional pin (an extra restriction, never a replacement for verification).
 * Returns the error that refuses the connection, as `tls.checkServerIdentity` does.
 */
export function pinnedIdentityCheck(pins: readonly string[]): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const normal = tls.checkServerIdentity(host, cert);
    if (normal !== undefined || pins.length === 0) return normal;
    const seen = chainOf(cert).map((c) => spkiSha256(c.raw));
    if (seen.some((h) => pins.includes(h))) return undefined;
    return new Error(`cloud server certificate does not match the configured pin (SPKI sha256 seen: ${seen.join(', ')})`);
  };
}

/** An https.Agent that remembers the last TLS/socket error, which engine.io reduces to "xhr poll error". */
export class LinkAgent extends https.Agent {
  lastError: string | null = null;

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const stream = super.createConnection(options, callback);
    stream?.once('error', (e: Error) => {
      this.lastError = e.message;
    });
    return stream;
  }
}

let lastContext: { ca: readonly string[]; cert: string; key: string; context: tls.SecureContext } | undefined;

/**
 * The TLS context of the link's material: the trust set (a few hundred roots) parsed once, not on every connection of
 * every attempt, and kept out of the agent's connection key (which would otherwise hold a copy of every PEM). A new
 * certificate, key or trust set makes a new context.
 */
export function contextFor(m: TransportMaterial): tls.SecureContext {
  if (lastContext && lastContext.ca === m.ca && lastContext.cert === m.cert && lastContext.key === m.key) return lastContext.context;
  const context = tls.createSecureContext({ ca: m.ca, cert: m.cert, key: m.key, minVersion: 'TLSv1.2' });
  lastContext = { ca: m.ca, cert: m.cert, key: m.key, context };
  return context;
}

/**
 * One fresh Socket.IO client for one connection attempt (docs/protocol.md §2.2): its own Manager and its own https.Agent
 * without keep-alive, so DNS resolves again and no TLS session outlives a certificate rotation. Both transports
 * (polling and WebSocket) connect through the agent, so both present the client certificate of its context.
 */
export function openSocket(url: string, m: TransportMaterial, connectTimeoutMs: number): { socket: Socket; agent: LinkAgent } {
  const tlsOptions = { rejectUnauthorized: true, checkServerIdentity: pinnedIdentityCheck(m.pins ?? []) } as const;
  // The agent's options win over a request's, so both transports connect with the agent's context.
  const agent = new LinkAgent({ ...tlsOptions, secureContext: contextFor(m), keepAlive: false });
  const options: Partial<ManagerOptions & SocketOptions> = {
    ...tlsOptions,
    autoConnect: false,
    reconnection: false,
    forceNew: true,
    multiplex: false,
    timeout: connectTimeoutMs,
    path: '/socket.io',
  };
  // engine.io-client types `agent` as string|boolean, but hands it to https.request / ws, which want an Agent.
  const withAgent: Record<string, unknown> = { ...options, agent };
  const socket = io(url, withAgent);
  return { socket, agent };
}

/** True when the socket is connected and its engine transport is open (a beat sent otherwise is lost). */
export function socketWritable(socket: Socket): boolean {
  return socket.connected && socket.io.engine?.readyState === 'open';
}
