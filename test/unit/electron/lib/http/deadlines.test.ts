// The loopback servers' headers and request timeouts, kept per connection instead of by Node's periodic check: real
// servers and raw sockets on 127.0.0.1.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createGuardedServer, DEFAULT_LIMITS } from '../../../../../electron/lib/http/loopback.js';
import { enforceDeadlines } from '../../../../../electron/lib/http/deadlines.js';

const limits = { ...DEFAULT_LIMITS, headersTimeoutMs: 150, requestTimeoutMs: 300 };
const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/** Writes `parts` (a number pauses that many ms) and resolves with all the server sent once it closed. */
async function exchange(port: number, parts: ReadonlyArray<string | number>): Promise<string> {
  const socket = net.connect(port, '127.0.0.1');
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString()));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((r) => socket.once('close', () => r()));
  await new Promise((r) => socket.once('connect', r));
  for (const p of parts) {
    if (typeof p === 'number') await new Promise((r) => setTimeout(r, p));
    else if (!socket.destroyed) socket.write(p);
  }
  await closed;
  return got;
}

const ok = (_req: http.IncomingMessage, res: http.ServerResponse): void => void res.writeHead(200, { 'content-length': '2' }).end('ok');

describe('enforceDeadlines', () => {
  it('answers 408 and closes a connection whose request head does not arrive in time', async () => {
    const port = await listen(createGuardedServer(ok, () => undefined, limits));
    expect(await exchange(port, ['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'])).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('answers 408 when the head came but the body does not follow in time', async () => {
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => ok(req, res));
    });
    enforceDeadlines(server, limits);
    const port = await listen(server);
    expect(await exchange(port, ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc'])).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('lets a handler take longer than the request deadline once the request arrived whole', async () => {
    const port = await listen(createGuardedServer((req, res) => new Promise<void>((r) => setTimeout(() => r(ok(req, res)), 500)), () => undefined, limits));
    const got = await exchange(port, ['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n']);
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(got).not.toMatch(/408/);
  });

  it('holds a kept-alive connection\'s next request head to the headers deadline again', async () => {
    const port = await listen(createGuardedServer(ok, () => undefined, limits));
    const got = await exchange(port, ['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n', 50, 'GET / HTTP/1.1\r\n']);
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*ok/);
    expect(got).toMatch(/HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('does not time out a pipelined request whose handler still runs when the one before it finished', async () => {
    let n = 0;
    const port = await listen(
      createGuardedServer((req, res) => new Promise<void>((r) => setTimeout(() => r(ok(req, res)), ++n === 1 ? 0 : 500)), () => undefined, limits),
    );
    // Both requests in one write: the second is whole before the first is answered, and its handler outlasts headersTimeoutMs.
    const got = await exchange(port, ['GET /a HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /b HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n']);
    expect(got.match(/HTTP\/1\.1 200 OK\r\n/g)).toHaveLength(2);
    expect(got).not.toMatch(/408/);
  });

  it('leaves a connection alone once it was upgraded', async () => {
    const server = createGuardedServer(ok, () => undefined, limits);
    server.on('upgrade', (_req: http.IncomingMessage, socket: net.Socket) => {
      socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n');
      socket.on('data', (d: Buffer) => socket.end(`echo ${d.toString()}`));
    });
    const port = await listen(server);
    const got = await exchange(port, ['GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: test\r\nConnection: Upgrade\r\n\r\n', 450, 'late']);
    expect(got).toMatch(/^HTTP\/1\.1 101 /);
    expect(got).toMatch(/echo late$/);
  });

  it('keeps Node\'s periodic connection check from running: no timer while no connection is open', async () => {
    const server = createGuardedServer(ok, () => undefined, limits);
    await listen(server);
    // Node keeps the check's interval under this internal symbol; its period is what wakes an idle process.
    const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
    const interval = key ? (server as unknown as Record<symbol, { _repeat: number | null }>)[key] : undefined;
    expect(interval?._repeat).toBeGreaterThanOrEqual(2 ** 31 - 1);
  });
});
