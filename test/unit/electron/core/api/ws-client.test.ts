import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiClient, NotTheAgent } from '../../../../../electron/core/api/ws-client.js';
import { proof } from '../../../../../electron/core/ui-server/handshake.js';
import { UiServer } from '../../../../../electron/core/ui-server/server.js';

// A real UiServer on an ephemeral loopback port with a registry that serves one channel.
const registry = new ApiRegistry();
registry.register('vplc:list', () => Promise.resolve([]));
const events = new EventHub();
const server = new UiServer({ registry, events, token: 't0ken', port: 0 });

beforeAll(async () => {
  await server.listen();
});
afterAll(async () => {
  await server.close();
});

describe('ApiClient against the real bridge', () => {
  it('authenticates, calls and receives events', async () => {
    const c = await ApiClient.connect(server.port, 't0ken');
    expect(await c.call('vplc:list', {})).toEqual({ ok: true, value: [] });
    expect(await c.call('vplc:status', { name: '!' })).toMatchObject({ ok: false, error: { code: 'VALIDATION', field: 'name' } });
    const got = new Promise((r) => c.onEvent((name, payload) => r({ name, payload })));
    events.publish('vplc:changed', { kind: 'changed', name: 'p1', reason: 'started' });
    expect(await got).toEqual({ name: 'vplc:changed', payload: { kind: 'changed', name: 'p1', reason: 'started' } });
    c.close();
  });

  it('says plainly when the proofs do not match (a wrong token on either side) or nobody listens', async () => {
    const err = await ApiClient.connect(server.port, 'wrong').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotTheAgent);
    expect((err as Error).message).toMatch(/could not prove it knows the token/);
    await expect(ApiClient.connect(1, 'x')).rejects.toThrow(/cannot reach the agent on 127\.0\.0\.1:1/);
  });
});

/** A raw client of the bridge: every message it gets, and the close code. */
async function raw(port: number, script: (ws: WebSocket, next: () => Promise<unknown>) => Promise<void>): Promise<number> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/api`);
  const inbox: unknown[] = [];
  const waiters: Array<(m: unknown) => void> = [];
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString()) as unknown;
    const w = waiters.shift();
    if (w) w(m);
    else inbox.push(m);
  });
  const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
  await new Promise((r) => ws.once('open', r));
  await script(ws, () => (inbox.length ? Promise.resolve(inbox.shift()) : new Promise((r) => waiters.push(r))));
  if (ws.readyState === WebSocket.OPEN) ws.close(1000);
  return closed;
}

describe('the bridge’s auth message flow', () => {
  const send = (ws: WebSocket, m: unknown): void => ws.send(JSON.stringify(m));
  const nonce = 'ab'.repeat(32);

  it('serves a client that completes the challenge/response, and proves itself first', async () => {
    const code = await raw(server.port, async (ws, next) => {
      send(ws, { t: 'hello', nonce });
      const c = (await next()) as { t: string; nonce: string; proof: string };
      expect(c.t).toBe('challenge');
      expect(c.proof).toBe(proof('t0ken', 'server', nonce, c.nonce));
      send(ws, { t: 'prove', proof: proof('t0ken', 'client', nonce, c.nonce) });
      expect(await next()).toEqual({ t: 'authed' });
    });
    expect(code).toBe(1000);
  });

  it('still serves the browser page that presents the token it was given in its URL', async () => {
    const code = await raw(server.port, async (ws, next) => {
      send(ws, { t: 'auth', token: 't0ken' });
      expect(await next()).toEqual({ t: 'authed' });
    });
    expect(code).toBe(1000);
  });

  it.each([
    ['a proof without a challenge', [{ t: 'prove', proof: 'cd'.repeat(32) }]],
    ['an invoke before authentication', [{ t: 'invoke', id: 1, channel: 'vplc:list', input: {} }]],
    ['a nonce that is not 32 bytes of hex', [{ t: 'hello', nonce: 't0ken' }]],
    ['a second hello', [{ t: 'hello', nonce }, { t: 'hello', nonce }]],
    ['the token after a hello', [{ t: 'hello', nonce }, { t: 'auth', token: 't0ken' }]],
    ['a wrong proof', [{ t: 'hello', nonce }, { t: 'prove', proof: 'cd'.repeat(32) }]],
  ])('closes the socket (4401) on %s', async (_what, messages) => {
    const code = await raw(server.port, async (ws) => {
      for (const m of messages) send(ws, m);
      await new Promise((r) => ws.once('close', r));
    });
    expect(code).toBe(4401);
  });
});

describe('ApiClient against a process that is not the agent', () => {
  const received: string[] = [];
  let fake: WebSocketServer;
  let answer: (ws: WebSocket, msg: string) => void = () => undefined;
  beforeAll(async () => {
    fake = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await new Promise((r) => fake.once('listening', r));
    fake.on('connection', (ws) =>
      ws.on('message', (d) => {
        received.push(d.toString());
        answer(ws, d.toString());
      }),
    );
  });
  afterAll(() => new Promise<void>((r) => fake.close(() => r())));
  const port = (): number => (fake.address() as AddressInfo).port;

  it('refuses a forged challenge and never sends the token or a proof', async () => {
    answer = (ws) => ws.send(JSON.stringify({ t: 'challenge', nonce: 'ef'.repeat(32), proof: 'cd'.repeat(32) }));
    await expect(ApiClient.connect(port(), 't0ken')).rejects.toBeInstanceOf(NotTheAgent);
    expect(received.map((m) => (JSON.parse(m) as { t: string }).t)).toEqual(['hello']);
    expect(received.join('')).not.toContain('t0ken');
  });

  it('names the field when the answer is not a challenge at all', async () => {
    received.length = 0;
    answer = (ws) => ws.send(JSON.stringify({ t: 'authed' }));
    await expect(ApiClient.connect(port(), 't0ken')).rejects.toThrow(/did not answer the challenge \(t: /);
    expect(received.join('')).not.toContain('t0ken');
  });
});
