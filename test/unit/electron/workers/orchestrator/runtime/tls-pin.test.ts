/** Runtime TLS trust on first use (docs/decisions.md "Runtime TLS") and the readiness probe, against real HTTPS servers. */
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { runtimeProbe } from '../../../../../../electron/workers/orchestrator/runtime-access.js';
import { InMemoryTlsPinStore, probeRuntime, runtimeTlsOptions } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { TlsSessionCache } from '../../../../../../electron/workers/orchestrator/runtime/tls-session.js';
import { type Running, type TestCert, closedPort, echoHandler, echoed, serversClosedAfterEach, testCerts, makeProxy, randomLoopback, startHttp, startHttps, startRaw } from './helpers.js';

const cert = testCerts(2);

const servers = serversClosedAfterEach();

/** An HTTPS server on <random loopback>:8443 (the only port spoken to over TLS), retrying on a taken address. */
async function https8443(handler: http.RequestListener, c: TestCert, host?: string): Promise<Running> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const s = await startHttps(handler, c, host ?? randomLoopback(), 8443);
      servers.push(s);
      return s;
    } catch (err) {
      if (host !== undefined || attempt >= 5) throw err;
    }
  }
}

describe('TOFU pin in run_command', () => {
  it('pins the certificate on first contact and refuses a changed one', async () => {
    const hits: string[] = [];
    const handler: http.RequestListener = (req, res) => {
      hits.push(req.url ?? '');
      echoHandler(req, res);
    };
    const first = await https8443(handler, cert(0));
    const { proxy, pins } = makeProxy({ ip: first.host });

    // No port: the default 8443, hence https.
    const r1 = await proxy.run({ device_id: 'plc1', method: 'GET', api: 'api/ping', headers: { Authorization: 'Bearer x' } });
    expect(r1.status).toBe('success');
    if (!('http_response' in r1)) throw new Error('no http_response');
    expect(echoed(r1.http_response.body).headers).toEqual(['Authorization', 'Bearer x', 'Host', `${first.host}:8443`, 'Connection', 'close']);
    expect(pins.get('plc1')).toBe(cert(0).spki);

    expect((await proxy.run({ device_id: 'plc1', method: 'GET', api: 'again', port: 8443 })).status).toBe('success');

    await first.close();
    servers.splice(0);
    await https8443(handler, cert(1), first.host);
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'api/secret', headers: { Authorization: 'Bearer x' } })).toEqual({
      status: 'error',
      http_response: {
        status_code: 500,
        headers: {},
        ok: false,
        body: { error: 'runtime certificate changed for plc1; recreate the vPLC to trust the new certificate' },
        content_type: 'application/json',
      },
    });
    // The impostor never saw the request, and the pin is unchanged.
    expect(hits).toEqual(['/api/ping', '/again']);
    expect(pins.get('plc1')).toBe(cert(0).spki);
  });

  it('trusts the new certificate once the pin is dropped (vPLC recreated)', async () => {
    const s = await https8443(echoHandler, cert(1));
    const pins = new InMemoryTlsPinStore();
    await pins.set('plc1', cert(0).spki);
    const { proxy } = makeProxy({ ip: s.host, pins });
    expect((await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x' })).status).toBe('error');
    pins.delete('plc1');
    expect((await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x' })).status).toBe('success');
    expect(pins.get('plc1')).toBe(cert(1).spki);
  });
});

describe('connect timeout', () => {
  it('answers a stalled TLS handshake with a synthetic 500 after one refresh', async () => {
    const host = randomLoopback();
    const silent = await startRaw('', host, 8443);
    servers.push(silent);
    const { proxy, refreshed } = makeProxy({ ip: host, options: { connectTimeoutMs: 200 } });
    expect(await proxy.run({ device_id: 'plc1', method: 'GET', api: 'x' })).toEqual({
      status: 'error',
      http_response: { status_code: 500, headers: {}, ok: false, body: { error: `connect ETIMEDOUT ${host}:8443` }, content_type: 'application/json' },
    });
    expect(refreshed).toEqual(['plc1']);
  });
});

describe('probeRuntime', () => {
  it('is true on any HTTP response over TLS on 8443 and stores the pin', async () => {
    const s = await https8443((req, res) => {
      req.resume();
      res.writeHead(503).end();
    }, cert(0));
    const pins = new InMemoryTlsPinStore();
    expect(await probeRuntime(s.host, 8443, 2000, { deviceId: 'plc1', pins })).toBe(true);
    expect(pins.get('plc1')).toBe(cert(0).spki);
  });

  it('is false when the certificate differs from the pin', async () => {
    const s = await https8443(echoHandler, cert(1));
    const pins = new InMemoryTlsPinStore();
    await pins.set('plc1', cert(0).spki);
    expect(await probeRuntime(s.host, 8443, 2000, { deviceId: 'plc1', pins })).toBe(false);
  });

  it("the agent's probe resumes the vPLC's session from its last pinned handshake, and pins like a full one", async () => {
    const s = await https8443((req, res) => {
      req.resume();
      res.writeHead(404).end();
    }, cert(0));
    const access = { pins: new InMemoryTlsPinStore(), tlsSessions: new TlsSessionCache() };
    const probe = runtimeProbe(access, 2000);
    expect([await probe('plc1', s.host), await probe('plc1', s.host), await probe('plc1', s.host)]).toEqual([true, true, true]);
    expect(access.tlsSessions.handshakes).toEqual({ full: 1, resumed: 2 });
    expect(access.pins.get('plc1')).toBe(cert(0).spki);
  });

  it('every runtime connection of the thread shares one client context', () => {
    const a = runtimeTlsOptions('198.19.16.2', 8443);
    const b = runtimeTlsOptions('198.19.16.3', 8443, Buffer.from('session'));
    expect(a.secureContext).toBeDefined();
    expect(b.secureContext).toBe(a.secureContext);
  });

  it('speaks plain http on other ports', async () => {
    const s = await startHttp(echoHandler);
    servers.push(s);
    expect(await probeRuntime('127.0.0.1', s.port, 2000, { deviceId: 'plc1', pins: new InMemoryTlsPinStore() })).toBe(true);
  });

  it('is false on a closed port and when no response comes in time', async () => {
    const pins = new InMemoryTlsPinStore();
    expect(await probeRuntime('127.0.0.1', await closedPort(), 2000, { deviceId: 'plc1', pins })).toBe(false);
    const silent = await startHttp(() => undefined);
    servers.push(silent);
    expect(await probeRuntime('127.0.0.1', silent.port, 200, { deviceId: 'plc1', pins })).toBe(false);
  });
});
