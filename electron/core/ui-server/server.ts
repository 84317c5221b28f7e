import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { z } from 'zod';
import { fail } from '../../../shared/api/envelope.js';
import { carriesBody, createGuardedServer, DEFAULT_LIMITS, isOwnHost, parseTarget, refuse, type HttpLimits } from '../../lib/http/loopback.js';
import type { EventHub } from '../api/event-hub.js';
import type { ApiClientKind, ApiRegistry } from '../api/registry.js';
import { explainListenError } from '../../lib/lock/port-holder.js';
import type { Logger } from '../logging/logger.js';
import { BridgeClient, newNonce, Nonce, Proof, proof, proofMatches } from './handshake.js';
import { SECURITY_HEADERS } from './headers.js';
import { DEFAULT_MAX_UPLOAD_BYTES, DEFAULT_UPLOAD_RESERVE_BYTES, ImageUpload, type ImageUploadOptions } from './upload.js';
import { IMAGE_UPLOAD } from '../../../shared/api/image-upload.js';
import { PROGRAM_UPLOAD } from '../../../shared/api/program-upload.js';
import { ProgramUpload } from './program-upload.js';

const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('auth'), token: z.string() }),
  z.object({ t: z.literal('hello'), nonce: Nonce, client: BridgeClient.optional() }),
  z.object({ t: z.literal('prove'), proof: Proof }),
  z.object({ t: z.literal('invoke'), id: z.number().int(), channel: z.string(), input: z.unknown() }),
]);

/** Per-connection bounds of the WebSocket bridge. */
export type WsLimits = {
  /** Authenticated or not; further upgrades are answered 503. */
  maxClients: number;
  /** Invokes of one connection awaiting their result; more are answered UNAVAILABLE at once. */
  maxInFlight: number;
  /** Bytes queued to a client that does not read; beyond this the connection is dropped. */
  maxBufferedBytes: number;
};

export const DEFAULT_WS_LIMITS: WsLimits = { maxClients: 32, maxInFlight: 64, maxBufferedBytes: 16 * 1024 * 1024 };

export type UiServerOptions = {
  registry: ApiRegistry;
  events: EventHub;
  token: string;
  port: number;
  staticDir?: string;
  log?: Pick<Logger, 'warn'>;
  limits?: Partial<HttpLimits>;
  wsLimits?: Partial<WsLimits>;
  /**
   * Where browser uploads (runtime images, PLC program bundles) are received (in the state directory); without it
   * uploads are refused. `programMaxBytes` caps a program bundle (default PROGRAM_UPLOAD.maxBytes).
   */
  upload?: Pick<ImageUploadOptions, 'dir'> & Partial<Pick<ImageUploadOptions, 'maxBytes' | 'reserveBytes' | 'freeBytes'>> & { programMaxBytes?: number };
};

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const MAX_MESSAGE = 4 * 1024 * 1024;

/**
 * The loopback HTTP + WebSocket transport of the API (docs/architecture.md decision 3): serves the built renderer and the
 * registry at /api.
 *
 * INVARIANTS
 * - Bound to 127.0.0.1 only. `Host` must be 127.0.0.1:<port> or localhost:<port> (blocks DNS rebinding); a browser's
 *   `Origin` must be this server's own.
 * - A socket is served only after it proved the token: by the challenge/response of ./handshake.ts (the desktop app,
 *   which must not hand the token to whoever holds the port), or by presenting it (the browser page, which this very
 *   server delivered with the token in its URL). Anything else closes it (4401).
 * - Each invoke gets exactly one result message, in the registry's envelope.
 * - No request, upgrade or frame can throw past its handler: malformed HTTP is answered 4xx, hostile frames get an
 *   error message or a close, and every connection's time, size and queue are bounded (docs/hardening.md).
 */
export class UiServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly limits: HttpLimits;
  private readonly wsLimits: WsLimits;
  private readonly upload: ImageUpload | null;
  private readonly programUpload: ProgramUpload | null;
  port = 0;

  constructor(private readonly o: UiServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.wsLimits = { ...DEFAULT_WS_LIMITS, ...o.wsLimits };
    const { programMaxBytes, ...imageUpload } = o.upload ?? {};
    this.upload = o.upload ? new ImageUpload({ registry: o.registry, token: o.token, maxBytes: DEFAULT_MAX_UPLOAD_BYTES, reserveBytes: DEFAULT_UPLOAD_RESERVE_BYTES, ...imageUpload, dir: o.upload.dir }) : null;
    this.programUpload = o.upload
      ? new ProgramUpload({
          registry: o.registry,
          token: o.token,
          dir: o.upload.dir,
          maxBytes: programMaxBytes ?? PROGRAM_UPLOAD.maxBytes,
          reserveBytes: o.upload.reserveBytes ?? DEFAULT_UPLOAD_RESERVE_BYTES,
          ...(o.upload.freeBytes ? { freeBytes: o.upload.freeBytes } : {}),
        })
      : null;
    this.http = createGuardedServer((req, res) => this.serveStatic(req, res), (err) => this.warn('UI request failed', err), this.limits);
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
    this.http.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      // Node hands the raw socket over without an error listener: a reset would be an uncaught exception.
      socket.on('error', () => socket.destroy());
      try {
        const refusal = this.upgradeRefusal(req);
        if (refusal) return void socket.end(`HTTP/1.1 ${refusal}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
      } catch (err) {
        this.warn('WebSocket upgrade failed', err);
        socket.destroy();
      }
    });
  }

  private upgradeRefusal(req: http.IncomingMessage): string | null {
    if (req.url !== '/api' || !this.allowedHost(req.headers.host) || !this.allowedOrigin(req.headers.origin)) return '403 Forbidden';
    if (carriesBody(req)) return '400 Bad Request';
    if (this.wss.clients.size >= this.wsLimits.maxClients) return '503 Service Unavailable';
    return null;
  }

  private warn(msg: string, err: unknown): void {
    try {
      this.o.log?.warn(msg, { err: err instanceof Error ? err.message : String(err) });
    } catch {
      // Logging must not turn a handled failure into a crash.
    }
  }

  /** Rejects with PortHeld, naming the squatter as far as /proc shows it, when another process has the port. */
  async listen(): Promise<string> {
    await this.upload?.sweep();
    await this.programUpload?.sweep();
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.o.port, '127.0.0.1', () => resolve());
    }).catch((err: unknown) => explainListenError(err, this.o.port));
    this.port = (this.http.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/`;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private allowedHost(host: string | undefined): boolean {
    return isOwnHost(host, this.port);
  }

  /** Browsers always send Origin on WebSockets; local non-browser clients (the desktop app attaching) send none. */
  private allowedOrigin(origin: string | undefined): boolean {
    return origin === undefined || origin === `http://127.0.0.1:${this.port}` || origin === `http://localhost:${this.port}`;
  }

  /** The auth message flow; true once the socket is authenticated, false when it must be closed. */
  private authStep(msg: z.infer<typeof ClientMessage>, challenge: { client: string; server: string } | null, send: (m: unknown) => void): boolean | { client: string; server: string } {
    if (msg.t === 'auth') return challenge === null && proofMatches(this.o.token, msg.token);
    if (msg.t === 'hello' && challenge === null) {
      const server = newNonce();
      send({ t: 'challenge', nonce: server, proof: proof(this.o.token, 'server', msg.nonce, server) });
      return { client: msg.nonce, server };
    }
    if (msg.t === 'prove' && challenge !== null) return proofMatches(proof(this.o.token, 'client', challenge.client, challenge.server), msg.proof);
    return false;
  }

  private serve(ws: WebSocket): void {
    let authed = false;
    let challenge: { client: string; server: string } | null = null;
    // The browser page and the desktop app are this PC's UI; the CLI says it is the CLI.
    let caller: ApiClientKind = 'ui';
    let unsubscribe: (() => void) | undefined;
    let inFlight = 0;
    const send = (m: unknown): void => {
      if (ws.readyState !== ws.OPEN) return;
      // A client that does not read its answers must not grow our memory without bound.
      if (ws.bufferedAmount > this.wsLimits.maxBufferedBytes) return void ws.terminate();
      try {
        ws.send(JSON.stringify(m));
      } catch (err) {
        this.warn('cannot send on the WebSocket', err);
        ws.terminate();
      }
    };
    const authTimer = setTimeout(() => ws.close(4401, 'authentication required'), 5_000);
    // Protocol errors (bad frames, oversized messages): ws has already sent the close frame with its code and ends the
    // socket itself (or drops it when the peer never answers the close); without a listener they would crash.
    ws.on('error', () => undefined);
    ws.on('close', () => {
      clearTimeout(authTimer);
      unsubscribe?.();
    });
    const onMessage = (data: RawData, isBinary: boolean): void => {
      let msg: z.infer<typeof ClientMessage>;
      try {
        const parsed = ClientMessage.safeParse(isBinary ? undefined : JSON.parse(data.toString()));
        if (!parsed.success) throw new Error(parsed.error.issues[0]?.message);
        msg = parsed.data;
      } catch {
        if (!authed) return ws.close(4401, 'authentication required');
        return send({ t: 'error', message: 'malformed message' });
      }
      if (!authed) {
        if (msg.t === 'hello' && msg.client === 'cli') caller = 'cli';
        const step = this.authStep(msg, challenge, send);
        if (step === false) return ws.close(4401, 'authentication failed');
        if (step !== true) {
          challenge = step;
          return;
        }
        authed = true;
        clearTimeout(authTimer);
        unsubscribe = this.o.events.subscribe((name, payload) => send({ t: 'event', name, payload }));
        return send({ t: 'authed' });
      }
      if (msg.t === 'invoke') {
        const id = msg.id;
        if (inFlight >= this.wsLimits.maxInFlight) return send({ t: 'result', id, envelope: fail('UNAVAILABLE', `more than ${this.wsLimits.maxInFlight} calls in flight on this connection`) });
        inFlight++;
        void this.o.registry
          .call(msg.channel, msg.input, { via: 'ws', client: caller })
          .catch((err: unknown) => fail('INTERNAL', err instanceof Error ? err.message : String(err)))
          .then((envelope) => {
            inFlight--;
            send({ t: 'result', id, envelope });
          });
      } else send({ t: 'error', message: 'already authenticated' });
    };
    // A throwing listener would surface from ws's socket handler as an uncaught exception.
    ws.on('message', (data, isBinary) => {
      try {
        onMessage(data, isBinary);
      } catch (err) {
        this.warn('WebSocket message handling failed', err);
        ws.terminate();
      }
    });
  }

  private async serveStatic(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    if (!this.allowedHost(req.headers.host)) return refuse(res, 403, 'forbidden host');
    const target = parseTarget(req.url, this.limits.maxTargetBytes);
    if (!target.ok) return refuse(res, target.status, target.reason);
    if (target.path === IMAGE_UPLOAD.path) {
      if (!this.upload) return refuse(res, 404, 'this agent takes no uploads');
      return this.upload.handle(req, res, (origin) => this.allowedOrigin(origin));
    }
    if (target.path === PROGRAM_UPLOAD.path) {
      if (!this.programUpload) return refuse(res, 404, 'this agent takes no uploads');
      return this.programUpload.handle(req, res, (origin) => this.allowedOrigin(origin));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (carriesBody(req)) return refuse(res, 400, 'this server takes no request body');
    const dir = this.o.staticDir;
    const rel = target.path === '/' ? 'index.html' : target.path.slice(1);
    const file = dir ? path.resolve(dir, rel) : undefined;
    const found = dir && file && file.startsWith(path.resolve(dir) + path.sep) ? await stat(file).then((s) => s.isFile(), () => false) : false;
    if (!dir || !file || !found) {
      const noUi = !dir || !(await stat(path.join(dir, 'index.html')).then((s) => s.isFile(), () => false));
      const status = noUi && rel === 'index.html' ? 503 : 404;
      return refuse(res, status, noUi ? 'The agent is running, but this build has no user interface (renderer/dist is missing).' : 'not found');
    }
    const stream = createReadStream(file);
    // The file may go between the stat and the open (a rebuild): that is a 404, not a failure of the server.
    const opened = await new Promise<boolean>((resolve) => {
      stream.once('open', () => resolve(true));
      stream.once('error', () => resolve(false));
    });
    if (!opened) return refuse(res, 404, 'not found');
    stream.on('error', (err) => {
      this.warn('cannot read a UI file', err);
      res.destroy();
    });
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    if (req.method === 'HEAD') {
      stream.destroy();
      res.end();
      return;
    }
    stream.pipe(res);
  }
}

