import https from 'node:https';
import type { Duplex } from 'node:stream';
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';

export const DEFAULT_CLOUD_URL = 'https://api.autonomylogic.com:3001';

export interface TransportMaterial {
  cert: string;
  key: string;
  /** Server trust set (Node roots + system store + --ca-file). */
  ca: string[];
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

/**
 * One fresh Socket.IO client for one connection attempt (PROTOCOL §2.2): its own Manager and its own https.Agent
 * without keep-alive, so DNS resolves again and no TLS session outlives a certificate rotation. Both transports
 * (polling and WebSocket) present the client certificate: the options go to the client and to the agent.
 */
export function openSocket(url: string, m: TransportMaterial, connectTimeoutMs: number): { socket: Socket; agent: LinkAgent } {
  const tls = { ca: m.ca, cert: m.cert, key: m.key, rejectUnauthorized: true } as const;
  const agent = new LinkAgent({ ...tls, minVersion: 'TLSv1.2', keepAlive: false });
  const options: Partial<ManagerOptions & SocketOptions> = {
    ...tls,
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
