/**
 * The cloud simulator: the provisioning endpoints and a Socket.IO server on 127.0.0.1 that requires client
 * certificates from its CA. It sends any topic with any payload and returns the ack, and records connections (with the
 * client certificate each presented), heartbeats (validated against the MATCH shape) and server-side TLS refusals.
 * Used by the integration tests, the fuzz suite, the P5 benchmark and interactively (`npm run cloud-sim`).
 */
import type { X509Certificate } from 'node:crypto';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Server, type Socket } from 'socket.io';
import { HeartbeatPayload, HEARTBEAT_KEYS } from '../../shared/cloud/heartbeat.js';
import { firstCn } from '../../electron/lib/certs/credentials.js';
import { TestCa, type Pem } from '../support/pki.js';
import { startProvisioning, type ProvisioningRecord } from './provisioning.js';

export interface CloudSimOptions {
  host?: string;
  port?: number;
  provisionPort?: number;
  /** CA that signs enrolments and client certificates (default: a fresh one). */
  ca?: TestCa;
  /** Server certificate of the Socket.IO server (default: issued by `ca` for 127.0.0.1/localhost). */
  server?: Pem;
  /** CA certificates accepted for client certificates (default: `ca`). */
  clientCas?: string[];
  /** Refuse CNs that are not linked (the real cloud before linking, docs/protocol.md §9.5). */
  requireLinked?: boolean;
  idTtlSec?: number;
  nextId?: () => string;
}

export interface ConnectionRecord {
  socketId: string;
  cn: string | null;
  fingerprint: string | null;
  at: number;
}

export interface HeartbeatRecord {
  socketId: string;
  /** performance.now() of arrival. */
  at: number;
  payload: unknown;
  valid: boolean;
  error?: string;
}

/** An event the agent emitted besides the heartbeat (docs/protocol.md §4.0: `webrtc:ice`). */
export interface AgentEventRecord {
  socketId: string;
  event: string;
  payload: unknown;
  at: number;
}

export class CloudSim {
  readonly connections: ConnectionRecord[] = [];
  readonly agentEvents: AgentEventRecord[] = [];
  private readonly agentEventListeners = new Set<(r: AgentEventRecord) => void>();
  readonly heartbeats: HeartbeatRecord[] = [];
  readonly tlsErrors: string[] = [];
  readonly linked = new Set<string>();
  private readonly sockets = new Map<string, Socket>();
  /** Client certificate per engine connection, read during the handshake request (later polls are new TLS connections). */
  private readonly peerCerts = new WeakMap<object, X509Certificate | null>();

  private constructor(
    readonly ca: TestCa,
    readonly url: string,
    readonly provisionUrl: string,
    readonly provisioning: ProvisioningRecord,
    private readonly io: Server,
    private readonly httpsServer: https.Server,
    private readonly closeProvisioning: () => Promise<void>,
  ) {}

  static async start(opts: CloudSimOptions = {}): Promise<CloudSim> {
    const host = opts.host ?? '127.0.0.1';
    const ca = opts.ca ?? (await TestCa.create('cloud-sim CA'));
    const server = opts.server ?? (await ca.issueServer());
    const prov = await startProvisioning({ host, port: opts.provisionPort ?? 0, ca, server: await ca.issueServer(), idTtlSec: opts.idTtlSec ?? 3600, ...(opts.nextId ? { nextId: opts.nextId } : {}) });
    const httpsServer = https.createServer({ key: server.key, cert: server.cert, ca: opts.clientCas ?? [ca.cert], requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.2' });
    const io = new Server(httpsServer, { maxHttpBufferSize: 16 * 1024 * 1024 });
    await new Promise<void>((resolve) => httpsServer.listen(opts.port ?? 0, host, resolve));
    const port = (httpsServer.address() as AddressInfo).port;
    const sim = new CloudSim(ca, `https://${host}:${port}`, prov.url, prov.record, io, httpsServer, prov.close);
    httpsServer.on('tlsClientError', (err) => sim.tlsErrors.push(err.message));
    io.engine.on('connection', (raw: { request: { socket: TLSSocket } }) => {
      sim.peerCerts.set(raw, raw.request.socket.getPeerX509Certificate?.() ?? null);
    });
    io.use((socket, next) => {
      const cn = sim.peerCn(socket);
      if (opts.requireLinked && (cn === null || !sim.linked.has(cn))) return next(new Error('orchestrator not linked'));
      next();
    });
    io.on('connection', (socket) => sim.onConnection(socket));
    return sim;
  }

  private peerCert(socket: Socket): X509Certificate | null {
    return this.peerCerts.get(socket.conn) ?? null;
  }

  private peerCn(socket: Socket): string | null {
    const c = this.peerCert(socket);
    return c ? firstCn(c.subject) : null;
  }

  private onConnection(socket: Socket): void {
    const cert = this.peerCert(socket);
    this.connections.push({ socketId: socket.id, cn: cert ? firstCn(cert.subject) : null, fingerprint: cert?.fingerprint256 ?? null, at: performance.now() });
    this.sockets.set(socket.id, socket);
    socket.on('disconnect', () => this.sockets.delete(socket.id));
    socket.on('webrtc:ice', (payload: unknown) => {
      const r: AgentEventRecord = { socketId: socket.id, event: 'webrtc:ice', payload, at: performance.now() };
      this.agentEvents.push(r);
      for (const l of this.agentEventListeners) l(r);
    });
    socket.on('heartbeat', (payload: unknown) => {
      const r = HeartbeatPayload.safeParse(payload);
      const keysInOrder = typeof payload === 'object' && payload !== null && Object.keys(payload).join(',') === HEARTBEAT_KEYS.join(',');
      const error = !r.success ? `${r.error.issues[0]?.path.join('.') ?? ''}: ${r.error.issues[0]?.message ?? ''}` : keysInOrder ? undefined : 'keys out of order';
      this.heartbeats.push({ socketId: socket.id, at: performance.now(), payload, valid: error === undefined, ...(error ? { error } : {}) });
    });
  }

  /** Calls `cb` for every later agent event (e.g. to relay `webrtc:ice` to a browser); returns the unsubscribe. */
  onAgentEvent(cb: (r: AgentEventRecord) => void): () => void {
    this.agentEventListeners.add(cb);
    return () => this.agentEventListeners.delete(cb);
  }

  /** Connected agents right now. */
  get connectedCount(): number {
    return this.sockets.size;
  }

  /** The transport of the current connection ('polling' or 'websocket'). */
  transportOf(socketId?: string): string | null {
    const s = socketId ? this.sockets.get(socketId) : [...this.sockets.values()][0];
    return s ? s.conn.transport.name : null;
  }

  async waitForConnection(timeoutMs = 10_000, after = 0): Promise<ConnectionRecord> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const c = this.connections[after];
      if (c && this.sockets.has(c.socketId)) return c;
      if (this.connections.length > after + 1) after = this.connections.length - 1;
      if (Date.now() > deadline) throw new Error(`no agent connected within ${timeoutMs} ms (tls errors: ${this.tlsErrors.slice(-3).join(' | ')})`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Sends `topic` with `payload` to the connected agent and returns its ack (rejects after `timeoutMs`). */
  async send(topic: string, payload: unknown, timeoutMs = 15_000): Promise<unknown> {
    const s = [...this.sockets.values()][0];
    if (!s) throw new Error('no agent connected');
    return s.timeout(timeoutMs).emitWithAck(topic, payload);
  }

  /** Sends to one specific connection (e.g. a bare client used as a baseline). */
  async sendTo(socketId: string, topic: string, payload: unknown, timeoutMs = 15_000): Promise<unknown> {
    const s = this.sockets.get(socketId);
    if (!s) throw new Error(`no connection ${socketId}`);
    return s.timeout(timeoutMs).emitWithAck(topic, payload);
  }

  /** Sends an event with no ack callback. */
  sendNoAck(topic: string, payload: unknown): void {
    const s = [...this.sockets.values()][0];
    if (!s) throw new Error('no agent connected');
    s.emit(topic, payload);
  }

  /** Cuts every connection from the server side. */
  disconnectAll(): void {
    for (const s of this.sockets.values()) s.disconnect(true);
  }

  async close(): Promise<void> {
    this.disconnectAll();
    await new Promise<void>((resolve) => this.io.close(() => resolve()));
    this.httpsServer.closeAllConnections();
    await this.closeProvisioning();
  }
}
