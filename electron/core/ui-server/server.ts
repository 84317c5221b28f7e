import { createReadStream, existsSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import type { EventHub } from '../api/event-hub.js';
import type { ApiRegistry } from '../api/registry.js';
import { explainListenError } from '../../lib/lock/port-holder.js';
import { newNonce, Nonce, Proof, proof, proofMatches } from './handshake.js';

const ClientMessage = z.discriminatedUnion('t', [
  z.object({ t: z.literal('auth'), token: z.string() }),
  z.object({ t: z.literal('hello'), nonce: Nonce }),
  z.object({ t: z.literal('prove'), proof: Proof }),
  z.object({ t: z.literal('invoke'), id: z.number().int(), channel: z.string(), input: z.unknown() }),
]);

export type UiServerOptions = { registry: ApiRegistry; events: EventHub; token: string; port: number; staticDir?: string };

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.json': 'application/json' };
const MAX_MESSAGE = 4 * 1024 * 1024;

/**
 * The loopback HTTP + WebSocket transport of the API (ENGINEERING decision 3): serves the built renderer and the
 * registry at /api.
 *
 * INVARIANTS
 * - Bound to 127.0.0.1 only. `Host` must be 127.0.0.1:<port> or localhost:<port> (blocks DNS rebinding); a browser's
 *   `Origin` must be this server's own.
 * - A socket is served only after it proved the token: by the challenge/response of ./handshake.ts (the desktop app,
 *   which must not hand the token to whoever holds the port), or by presenting it (the browser page, which this very
 *   server delivered with the token in its URL). Anything else closes it (4401).
 * - Each invoke gets exactly one result message, in the registry's envelope.
 */
export class UiServer {
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  port = 0;

  constructor(private readonly o: UiServerOptions) {
    this.http = http.createServer((req, res) => this.serveStatic(req, res));
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE });
    this.http.on('upgrade', (req, socket, head) => {
      if (req.url !== '/api' || !this.allowedHost(req.headers.host) || !this.allowedOrigin(req.headers.origin)) {
        socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.serve(ws));
    });
  }

  /** Rejects with PortHeld, naming the squatter as far as /proc shows it, when another process has the port. */
  async listen(): Promise<string> {
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
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  private allowedHost(host: string | undefined): boolean {
    return host === `127.0.0.1:${this.port}` || host === `localhost:${this.port}`;
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
    let unsubscribe: (() => void) | undefined;
    const send = (m: unknown): void => {
      if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
    };
    const authTimer = setTimeout(() => ws.close(4401, 'authentication required'), 5_000);
    ws.on('close', () => {
      clearTimeout(authTimer);
      unsubscribe?.();
    });
    ws.on('message', (data, isBinary) => {
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
        void this.o.registry.call(msg.channel, msg.input, { via: 'ws' }).then((envelope) => send({ t: 'result', id: msg.id, envelope }));
      }
    });
  }

  private serveStatic(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.allowedHost(req.headers.host)) {
      res.writeHead(403).end();
      return;
    }
    const dir = this.o.staticDir;
    const url = new URL(req.url ?? '/', 'http://x');
    const rel = decodeURIComponent(url.pathname) === '/' ? 'index.html' : decodeURIComponent(url.pathname).slice(1);
    const file = dir ? path.resolve(dir, rel) : undefined;
    if (!dir || !file || !file.startsWith(path.resolve(dir) + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      const noUi = !dir || !existsSync(path.join(dir, 'index.html'));
      res.writeHead(noUi && rel === 'index.html' ? 503 : 404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(noUi ? 'The agent is running, but this build has no user interface (renderer/dist is missing).\n' : 'not found\n');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    createReadStream(file).pipe(res);
  }
}

