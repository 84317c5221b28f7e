/**
 * An in-process stand-in of the runtime's debug interface for unit tests (docs/debug.md "Runtime side"): a real HTTPS
 * (or HTTP) server with `POST /api/login` and a real Socket.IO server on namespace `/api/debug` that checks the JWT,
 * emits `connected`, and answers `debug_command` with the replies recorded from OpenPLC v4.1.4
 * (test/fixtures/openplc-runtime-v4.1.4/debug/). Modes make it silent, slow, out of order or dropping.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Server, type Socket } from 'socket.io';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/openplc-runtime-v4.1.4/debug', import.meta.url));

export type Exchange = { label: string; request_payload: unknown; response_payload: unknown };

export function fixture<T = Exchange[]>(name: string): T {
  return JSON.parse(readFileSync(path.join(FIXTURE_DIR, name), 'utf8')) as T;
}

export const normHex = (s: string): string => s.replace(/\s+/g, '').toUpperCase();

export type FakeRuntimeOptions = {
  tls?: { key: string; cert: string };
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** false: an older runtime without `/api/debug` (login only; the WebSocket upgrade is answered 404). */
  debugInterface?: boolean;
  /** The recorded exchanges to replay (per request, in recorded order, the last one repeating). */
  exchanges?: Exchange[];
};

export type Mode = 'normal' | 'silent' | 'drop-on-command' | 'reverse-delay';

export class FakeDebugRuntime {
  readonly received: string[] = [];
  /** Most commands the server had unanswered at once. */
  maxInFlight = 0;
  logins = 0;
  connects = 0;
  mode: Mode = 'normal';
  /** False: every connect is refused as with a bad token (`connect_error` "Connection rejected by server"). */
  acceptTokens = true;
  /** Replies overriding the recorded ones, by normalised request hex. */
  readonly overrides = new Map<string, unknown>();
  private inFlight = 0;
  private readonly replies = new Map<string, unknown[]>();
  private readonly used = new Map<string, number>();
  private readonly tokens = new Set<string>();
  private readonly sockets = new Set<net.Socket>();
  private io: Server | null = null;
  private server!: http.Server;
  address!: { host: string; port: number };

  constructor(private readonly o: FakeRuntimeOptions) {
    for (const e of o.exchanges ?? fixture<Exchange[]>('debug-exchanges.json')) {
      const p = e.request_payload;
      if (typeof p !== 'object' || p === null || !('command' in p) || typeof p.command !== 'string') continue;
      const k = normHex(p.command);
      this.replies.set(k, [...(this.replies.get(k) ?? []), e.response_payload]);
    }
  }

  async start(): Promise<this> {
    const handler: http.RequestListener = (req, res) => this.login(req, res);
    this.server = this.o.tls ? https.createServer({ key: this.o.tls.key, cert: this.o.tls.cert }, handler) : http.createServer(handler);
    this.server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    if (this.o.debugInterface === false) {
      this.server.on('upgrade', (_req, socket: net.Socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    } else {
      this.io = new Server(this.server, { transports: ['websocket'] });
      const ns = this.io.of('/api/debug');
      ns.use((socket, next) => {
        const auth: unknown = socket.handshake.auth;
        const token = typeof auth === 'object' && auth !== null && 'token' in auth ? auth.token : undefined;
        if (this.acceptTokens && typeof token === 'string' && this.tokens.has(token)) next();
        else next(new Error('Connection rejected by server'));
      });
      ns.on('connection', (socket) => {
        this.connects += 1;
        socket.emit('connected', { status: 'ok' });
        socket.on('debug_command', (payload: unknown) => this.command(socket, payload));
      });
    }
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.o.port, this.o.host, () => resolve());
    });
    const a = this.server.address() as net.AddressInfo;
    this.address = { host: this.o.host, port: a.port };
    return this;
  }

  /** Called when a login succeeded, before it is answered (a test's moment to act while a client is connecting). */
  onLogin: (() => void) | null = null;
  /** A certificate the server shows from the connection after the next login on (the runtime's key was replaced). */
  certificateAfterLogin: { key: string; cert: string } | null = null;

  /** Debug connections the server holds open now. */
  get openSockets(): number {
    return this.io?.of('/api/debug').sockets.size ?? 0;
  }

  /** Every token issued so far stops working (the runtime restarted, or they expired). */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Closes every client connection (the runtime went away for a moment). */
  dropClients(): void {
    this.io?.of('/api/debug').disconnectSockets(true);
  }

  async close(): Promise<void> {
    this.io?.of('/api/debug').disconnectSockets(true);
    for (const s of this.sockets) s.destroy();
    const io = this.io;
    if (io) await new Promise<void>((resolve) => void io.close(() => resolve()));
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private login(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (req.method !== 'POST' || req.url !== '/api/login') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      this.logins += 1;
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      } catch {
        body = null;
      }
      const ok = typeof body === 'object' && body !== null && 'username' in body && 'password' in body && body.username === (this.o.username ?? 'user') && body.password === (this.o.password ?? 'secret');
      if (!ok) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end(JSON.stringify({ msg: 'Bad credentials' }));
        return;
      }
      this.onLogin?.();
      const token = `eyJhbGciOiJIUzI1NiJ9.e30.fake${this.logins}`;
      this.tokens.add(token);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token }));
      const next = this.certificateAfterLogin;
      if (next !== null && this.server instanceof https.Server) this.server.setSecureContext({ key: next.key, cert: next.cert });
    });
  }

  /** The recorded reply to a request (cycling through the recorded ones), or ERROR_PROCESSING for unknown ones. */
  replyTo(command: string): unknown {
    const k = normHex(command);
    if (this.overrides.has(k)) return this.overrides.get(k);
    const list = this.replies.get(k);
    if (!list || list.length === 0) return { success: true, data: 'ERROR_PROCESSING' };
    const n = this.used.get(k) ?? 0;
    this.used.set(k, n + 1);
    return list[Math.min(n, list.length - 1)];
  }

  private command(socket: Socket, payload: unknown): void {
    const command = typeof payload === 'object' && payload !== null && 'command' in payload && typeof payload.command === 'string' ? payload.command : '';
    this.received.push(command);
    if (this.mode === 'silent') return;
    if (this.mode === 'drop-on-command') {
      socket.disconnect(true);
      return;
    }
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    // reverse-delay: an earlier command is answered later than a following one, as the real runtime did in bursts.
    const delay = this.mode === 'reverse-delay' ? Math.max(0, 40 - this.received.length * 10) : 0;
    setTimeout(() => {
      this.inFlight -= 1;
      socket.emit('debug_response', this.replyTo(command));
    }, delay);
  }
}
