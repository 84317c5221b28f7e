/**
 * TLS session resumption of runtime connections (docs/plc.md "Polling"): the cache on its own, then the pinned client
 * against real HTTPS servers on loopback (Node servers resume TLS 1.3 tickets by default, so a session that is
 * offered is taken: a connection that did not resume proves the session was not offered).
 */
import type http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { describe, expect, it } from 'vitest';
import { RuntimeClient, DEFAULT_CLIENT_OPTIONS } from '../../../../../../electron/workers/orchestrator/plc/client.js';
import { PlcSessionError } from '../../../../../../electron/workers/orchestrator/plc/types.js';
import { InMemoryTlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { RESUME_ENV, TlsSessionCache, runtimeTlsSessions } from '../../../../../../electron/workers/orchestrator/runtime/tls-session.js';
import { type Running, type TestCert, serversClosedAfterEach, testCerts, startHttps } from './helpers.js';

describe('TlsSessionCache', () => {
  const s1 = Buffer.from('session-1');
  const s2 = Buffer.from('session-2');

  it('offers a session only under the pin it was kept with, and drops it for another pin or no pin', () => {
    const c = new TlsSessionCache();
    c.keep('a', 'pin-a', s1);
    expect(c.offer('b', 'pin-a')).toBeUndefined();
    expect(c.offer('a', 'pin-a')).toBe(s1);
    expect(c.offer('a', 'pin-other')).toBeUndefined();
    // Dropped: not even the right pin gets it back.
    expect(c.offer('a', 'pin-a')).toBeUndefined();
    c.keep('a', 'pin-a', s1);
    expect(c.offer('a', undefined)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('keeps one session per vPLC and at most maxVplcs vPLCs, the least recently kept going first', () => {
    const c = new TlsSessionCache(2);
    c.keep('a', 'p', s1);
    c.keep('a', 'p', s2);
    expect(c.size).toBe(1);
    expect(c.offer('a', 'p')).toBe(s2);
    c.keep('b', 'p', s1);
    c.keep('a', 'p', s1);
    c.keep('c', 'p', s1);
    expect(c.size).toBe(2);
    expect(c.offer('b', 'p')).toBeUndefined();
    expect(c.offer('a', 'p')).toBe(s1);
    expect(c.offer('c', 'p')).toBe(s1);
  });

  it(`is turned off by ${RESUME_ENV}=off only`, () => {
    expect(runtimeTlsSessions({})).toBeInstanceOf(TlsSessionCache);
    expect(runtimeTlsSessions({ [RESUME_ENV]: 'on' })).toBeInstanceOf(TlsSessionCache);
    expect(runtimeTlsSessions({ [RESUME_ENV]: 'off' })).toBeUndefined();
    expect(runtimeTlsSessions({ [RESUME_ENV]: '0' })).toBeUndefined();
  });
});

const cert = testCerts(2);

const servers = serversClosedAfterEach();

const hits: string[] = [];
const handler: http.RequestListener = (req, res) => {
  hits.push(`${req.url ?? ''} ${req.headers.authorization ?? ''}`);
  res.writeHead(200, { 'Content-Type': 'text/plain', Connection: 'close' });
  res.end('STATUS:RUNNING\n');
};

async function server(c: TestCert, port = 0): Promise<Running> {
  const s = await startHttps(handler, c, '127.0.0.1', port);
  servers.push(s);
  return s;
}

function client(name: string, at: Running, pins: InMemoryTlsPinStore, sessions: TlsSessionCache | undefined): RuntimeClient {
  const endpoint = { resolve: () => Promise.resolve({ host: at.host, port: at.port }) };
  return new RuntimeClient(name, endpoint, pins, { ...DEFAULT_CLIENT_OPTIONS, tlsSessions: sessions });
}

const poll = { method: 'GET', path: '/api/status', headers: { Authorization: 'Bearer t' } } as const;

describe('resumed runtime connections', () => {
  it('resumes after a pinned full handshake, and without a cache never does', async () => {
    hits.length = 0;
    const s = await server(cert(0));
    const pins = new InMemoryTlsPinStore();
    const cache = new TlsSessionCache();
    const c = client('plc1', s, pins, cache);
    for (let i = 0; i < 4; i++) expect((await c.exchange(poll)).body).toBe('STATUS:RUNNING\n');
    expect(cache.handshakes).toEqual({ full: 1, resumed: 3 });
    expect(pins.get('plc1')).toBe(cert(0).spki);

    const off = new InMemoryTlsPinStore();
    await off.set('plc1', cert(0).spki);
    const plain = client('plc1', s, off, undefined);
    for (let i = 0; i < 2; i++) await plain.exchange(poll);
    expect(hits).toHaveLength(6);
  });

  it('never offers a session to another vPLC, even one pinned to the same key', async () => {
    const s = await server(cert(0));
    const pins = new InMemoryTlsPinStore();
    const cache = new TlsSessionCache();
    await client('plc1', s, pins, cache).exchange(poll);
    await pins.set('plc2', cert(0).spki);
    await client('plc2', s, pins, cache).exchange(poll);
    expect(cache.handshakes).toEqual({ full: 2, resumed: 0 });
    await client('plc2', s, pins, cache).exchange(poll);
    await client('plc1', s, pins, cache).exchange(poll);
    expect(cache.handshakes).toEqual({ full: 2, resumed: 2 });
  });

  it('drops the session when the pin slot changes: a new container pins afresh with a full handshake', async () => {
    const s = await server(cert(0));
    const pins = new InMemoryTlsPinStore();
    const cache = new TlsSessionCache();
    const c = client('plc1', s, pins, cache);
    await c.exchange(poll);
    // The vPLC was recreated: its slot has no pin. The server would resume the ticket if it were offered.
    pins.delete('plc1');
    await c.exchange(poll);
    expect(cache.handshakes).toEqual({ full: 2, resumed: 0 });
    expect(pins.get('plc1')).toBe(cert(0).spki);
    await c.exchange(poll);
    expect(cache.handshakes).toEqual({ full: 2, resumed: 1 });

    // Another pin for the vPLC: the session is not offered, the full handshake fails the pin, and the session is gone.
    await pins.set('plc1', cert(1).spki);
    await expect(c.exchange(poll)).rejects.toMatchObject({ kind: 'refused' });
    expect(cache.handshakes).toEqual({ full: 3, resumed: 1 });
    expect(cache.size).toBe(0);
  });

  it('refuses a server with another key at the same address: no resumption, the pin fails, no request byte sent', async () => {
    hits.length = 0;
    const first = await server(cert(0));
    const pins = new InMemoryTlsPinStore();
    const cache = new TlsSessionCache();
    const c = client('plc1', first, pins, cache);
    await c.exchange(poll);
    expect(cache.size).toBe(1);
    await first.close();
    servers.splice(0);
    const impostor = await server(cert(1), first.port);
    const err = await c.exchange(poll).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlcSessionError);
    expect(err).toMatchObject({ kind: 'refused' });
    expect(cache.handshakes).toEqual({ full: 2, resumed: 0 });
    expect(cache.size).toBe(0);
    expect(hits).toEqual(['/api/status Bearer t']);
    expect(pins.get('plc1')).toBe(cert(0).spki);
    expect(impostor.port).toBe(first.port);
  });

  it('resumes a TLS 1.2 runtime too, whose session comes before the pin check', async () => {
    const s12 = https.createServer({ key: cert(0).key, cert: cert(0).cert, maxVersion: 'TLSv1.2' }, handler);
    await new Promise<void>((r) => s12.listen(0, '127.0.0.1', r));
    const at: Running = { host: '127.0.0.1', port: (s12.address() as net.AddressInfo).port, close: () => new Promise((r) => s12.close(() => r())) };
    servers.push(at);
    const pins = new InMemoryTlsPinStore();
    const cache = new TlsSessionCache();
    const c = client('plc1', at, pins, cache);
    for (let i = 0; i < 3; i++) await c.exchange(poll);
    expect(cache.handshakes).toEqual({ full: 1, resumed: 2 });
    await pins.set('plc1', cert(1).spki);
    await expect(c.exchange(poll)).rejects.toMatchObject({ kind: 'refused' });
    expect(cache.size).toBe(0);
  });
});
