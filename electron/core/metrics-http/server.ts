import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { carriesBody, createGuardedServer, DEFAULT_LIMITS, isOwnHost, parseTarget, refuse, type HttpLimits } from '../../lib/http/loopback.js';
import type { Logger } from '../logging/logger.js';
import type { MetricsCollector } from './collect.js';
import { renderMetrics } from './format.js';

export type MetricsServerOptions = { log?: Pick<Logger, 'warn'>; limits?: Partial<HttpLimits> };

/**
 * `/metrics` (Prometheus text) and `/health` (JSON) on 127.0.0.1 only. The Host header must name this server
 * (DNS rebinding), only GET and HEAD are served, and a failure to collect answers 500 rather than a partial scrape.
 * A malformed request (bad target, a body, a slow or oversized head) is answered 4xx and the server keeps serving.
 */
export class MetricsServer {
  private readonly server: http.Server;
  private readonly limits: HttpLimits;
  port = 0;

  constructor(
    private readonly collector: MetricsCollector,
    private readonly wantedPort: number,
    private readonly o: MetricsServerOptions = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.server = createGuardedServer((req, res) => this.handle(req, res), (err) => this.warn(err), this.limits);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.wantedPort, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return `http://127.0.0.1:${this.port}/metrics`;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private warn(err: unknown): void {
    this.o.log?.warn('metrics request failed', { err: err instanceof Error ? err.message : String(err) });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    res.setHeader('x-content-type-options', 'nosniff');
    if (!isOwnHost(req.headers.host, this.port)) return refuse(res, 403, 'forbidden host');
    const target = parseTarget(req.url, this.limits.maxTargetBytes);
    if (!target.ok) return refuse(res, target.status, target.reason);
    const path = target.path;
    if (path !== '/metrics' && path !== '/health') return refuse(res, 404, 'not found: try /metrics or /health');
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    if (carriesBody(req)) return refuse(res, 400, 'this server takes no request body');
    try {
      const snap = await this.collector.snapshot();
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : renderMetrics(snap.metrics));
      } else {
        res.writeHead(snap.health.status === 'down' ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : JSON.stringify(snap.health));
      }
    } catch (err) {
      if (res.headersSent) return void res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}
