/** Real local servers and certificates for the runtime-proxy tests. */
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { InMemoryTlsPinStore, type TlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { RuntimeProxy } from '../../../../../../electron/workers/orchestrator/runtime/proxy.js';
import { DEFAULT_PROXY_OPTIONS, type ProxyOptions } from '../../../../../../electron/workers/orchestrator/runtime/types.js';

export type TestCert = { key: string; cert: string; spki: string };

/** A throw-away directory with `count` self-signed EC certificates made by the openssl CLI. */
export function makeCerts(count: number): { certs: TestCert[]; cleanup(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'runtime-tls-'));
  const certs: TestCert[] = [];
  for (let i = 0; i < count; i += 1) {
    const keyFile = path.join(dir, `key${i}.pem`);
    const certFile = path.join(dir, `cert${i}.pem`);
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=openplc-runtime-${i}`,
    ], { stdio: 'ignore' });
    const cert = readFileSync(certFile, 'utf8');
    const der = new X509Certificate(cert).publicKey.export({ type: 'spki', format: 'der' });
    certs.push({ key: readFileSync(keyFile, 'utf8'), cert, spki: createHash('sha256').update(der).digest('base64') });
  }
  return { certs, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** `count` certificates for the whole test file (made before its tests, removed after); `cert(i)` throws for a missing one. */
export function testCerts(count: number): (i: number) => TestCert {
  let certs: TestCert[] = [];
  let cleanup = (): void => undefined;
  beforeAll(() => {
    ({ certs, cleanup } = makeCerts(count));
  });
  afterAll(() => cleanup());
  return (i) => {
    const c = certs[i];
    if (c === undefined) throw new Error(`no certificate ${i}`);
    return c;
  };
}

/** A list to push the servers a test starts onto; they are closed after each test. */
export function serversClosedAfterEach(): Running[] {
  const servers: Running[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return servers;
}

export type Running = { host: string; port: number; close(): Promise<void> };

function listen(server: net.Server, host: string, port: number): Promise<Running> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as net.AddressInfo;
      resolve({
        host,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            if (server instanceof http.Server) server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

export function startHttp(handler: http.RequestListener, host = '127.0.0.1', port = 0): Promise<Running> {
  return listen(http.createServer(handler), host, port);
}

export function startHttps(handler: http.RequestListener, cert: TestCert, host: string, port = 8443): Promise<Running> {
  return listen(https.createServer({ key: cert.key, cert: cert.cert }, handler), host, port);
}

/** A raw TCP server that answers every request with `response` bytes verbatim (an empty one never answers). */
export function startRaw(response: Buffer | string, host = '127.0.0.1', port = 0): Promise<Running> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    if (response.length > 0) socket.once('data', () => socket.end(response));
  });
  return listen(server, host, port).then((r) => ({
    ...r,
    close: () => {
      for (const s of sockets) s.destroy();
      return r.close();
    },
  }));
}

/** A random 127.x.y.z address, so the 8443 listener does not collide with anything on 127.0.0.1. */
export function randomLoopback(): string {
  const b = (): number => 1 + Math.floor(Math.random() * 250);
  return `127.${b()}.${b()}.${b()}`;
}

/** A port on 127.0.0.1 that nothing listens on (it was just released). */
export async function closedPort(): Promise<number> {
  const r = await startHttp(() => undefined);
  await r.close();
  return r.port;
}

export type Echo = { method: string; url: string; headers: string[]; body: Buffer };

/** Echo server handler: answers JSON describing the request, the body base64-encoded so bytes can be compared exactly. */
export const echoHandler: http.RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const payload = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.rawHeaders,
      body_base64: Buffer.concat(chunks).toString('base64'),
    });
    res.sendDate = false;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
    res.end(payload);
  });
};

/** The request the echo server saw, from an envelope body. */
export function echoed(body: unknown): Echo {
  const b = body as { method: string; url: string; headers: string[]; body_base64: string };
  return { method: b.method, url: b.url, headers: b.headers, body: Buffer.from(b.body_base64, 'base64') };
}

/** Raw header pairs as [name, value] tuples. */
export function pairs(raw: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i] ?? '', raw[i + 1] ?? '']);
  return out;
}

export type ProxyHarness = {
  proxy: RuntimeProxy;
  pins: InMemoryTlsPinStore;
  resolved: string[];
  refreshed: string[];
};

/** A proxy whose only managed vPLC is `plc1` at `ip` (refreshing gives `refreshIp`, default the same). */
export function makeProxy(opts: { ip?: string; refreshIp?: string | null; options?: Partial<ProxyOptions>; pins?: TlsPinStore } = {}): ProxyHarness {
  const ip = opts.ip ?? '127.0.0.1';
  const pins = new InMemoryTlsPinStore();
  const resolved: string[] = [];
  const refreshed: string[] = [];
  const proxy = new RuntimeProxy({
    resolveTarget: (id) => {
      resolved.push(id);
      return Promise.resolve(id === 'plc1' ? { internalIp: ip } : null);
    },
    refreshTarget: (id) => {
      refreshed.push(id);
      const next = opts.refreshIp === undefined ? ip : opts.refreshIp;
      return Promise.resolve(id === 'plc1' && next !== null ? { internalIp: next } : null);
    },
    pins: opts.pins ?? pins,
    options: { ...DEFAULT_PROXY_OPTIONS, ...opts.options },
  });
  return { proxy, pins, resolved, refreshed };
}
