import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsCollector } from './collect.js';
import { renderMetrics } from './format.js';

/**
 * `/metrics` (Prometheus text) and `/health` (JSON) on 127.0.0.1 only. The Host header must name this server
 * (DNS rebinding), only GET and HEAD are served, and a failure to collect answers 500 rather than a partial scrape.
 */
export class MetricsServer {
  private readonly server: http.Server;
  port = 0;

  constructor(
    private readonly collector: MetricsCollector,
    private readonly wantedPort: number,
  ) {
    this.server = http.createServer((req, res) => void this.handle(req, res));
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

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const host = req.headers.host;
    if (host !== `127.0.0.1:${this.port}` && host !== `localhost:${this.port}`) return void res.writeHead(403, { 'content-type': 'text/plain' }).end('forbidden host\n');
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/metrics' && path !== '/health') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /health\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
    try {
      const snap = await this.collector.snapshot();
      if (path === '/metrics') {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : renderMetrics(snap.metrics));
      } else {
        res.writeHead(snap.health.status === 'down' ? 503 : 200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : JSON.stringify(snap.health));
      }
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(`collection failed: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
}
