/**
 * The runtime debug client against a real in-process Socket.IO server over real TLS on port 8443 of a loopback address
 * (the scheme follows the port), with the runtime's certificate pinned; the server replays the replies recorded from
 * OpenPLC v4.1.4.
 */
import { randomInt } from 'node:crypto';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PENDING_COMMANDS, RuntimeDebugConnection } from '../../../../../../electron/workers/orchestrator/debug/client.js';
import { InMemoryTlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { FakeDebugRuntime } from '../../../../../support/debug-runtime.js';
import { testCerts } from '../runtime/helpers.js';

const cert = testCerts(2);
const CREDS = { username: 'user', password: 'secret' };
const FAST = { connectMs: 3_000, commandMs: 400 };
const SLOW = { connectMs: 3_000, commandMs: 60_000 };

const runtimes: FakeDebugRuntime[] = [];
const conns: RuntimeDebugConnection[] = [];
afterEach(async () => {
  for (const c of conns.splice(0)) c.close();
  await Promise.all(runtimes.splice(0).map((r) => r.close()));
});

/** A loopback address of its own, so port 8443 is free whatever else runs on this machine. */
const loopback = (): string => `127.${randomInt(1, 255)}.${randomInt(1, 255)}.${randomInt(1, 255)}`;

async function runtime(opts: { tls?: boolean; certIndex?: number; port?: number; debugInterface?: boolean } = {}): Promise<FakeDebugRuntime> {
  const tls = opts.tls ?? true;
  const c = cert(opts.certIndex ?? 0);
  const r = await new FakeDebugRuntime({
    host: loopback(),
    port: opts.port ?? (tls ? 8443 : 0),
    ...(tls ? { tls: { key: c.key, cert: c.cert } } : {}),
    ...(opts.debugInterface === undefined ? {} : { debugInterface: opts.debugInterface }),
  }).start();
  runtimes.push(r);
  return r;
}

function connect(r: FakeDebugRuntime, pins = new InMemoryTlsPinStore(), creds = CREDS, timings = FAST): RuntimeDebugConnection {
  const c = new RuntimeDebugConnection({ deviceId: 'plc1', host: r.address.host, port: r.address.port, pins }, creds, timings);
  conns.push(c);
  return c;
}

describe('runtime debug client (docs/debug.md "Runtime side")', () => {
  it('logs in, connects over pinned TLS, and reads INFO, MD5, GET_LIST and SET as recorded', async () => {
    const r = await runtime();
    const pins = new InMemoryTlsPinStore();
    const c = await connect(r, pins).open();
    expect(pins.get('plc1')).toBe(cert(0).spki);
    expect(await c.info()).toEqual({ arrays: [6], legacy: false });
    expect(await c.md5()).toBe('bad85d4c2071cad1ba5403257d892067');
    expect(c.littleEndian).toBe(true);
    const all = [0, 1, 2, 3, 4, 5].map((element) => ({ array: 0, element }));
    const first = await c.getList(all);
    const second = await c.getList(all);
    expect(first.data.length).toBe(21);
    expect(second.tick).toBeGreaterThan(first.tick);
    await c.set({ array: 0, element: 1 }, true, Buffer.from([1]));
    await expect(c.set({ array: 0, element: 9999 }, true, Buffer.from([1]))).rejects.toThrow('ERROR_OUT_OF_BOUNDS');
    await expect(c.set({ array: 0, element: 0 }, true, Buffer.from([5]))).rejects.toThrow('ERROR_OUT_OF_MEMORY');
    expect(r.received.slice(0, 3)).toEqual(['41', '45 DE AD 00 00', '44 00 06 00 00 00 00 00 01 00 00 02 00 00 03 00 00 04 00 00 05']);
  });

  it('keeps one command in flight although the runtime answers out of order', async () => {
    const r = await runtime();
    r.mode = 'reverse-delay';
    const c = await connect(r).open();
    const results = await Promise.all([c.info(), c.md5(), c.getList([{ array: 0, element: 0 }]), c.info(), c.md5()]);
    expect(r.maxInFlight).toBe(1);
    expect(results[0]).toEqual({ arrays: [6], legacy: false });
    expect(results[1]).toBe('bad85d4c2071cad1ba5403257d892067');
    expect(results[3]).toEqual({ arrays: [6], legacy: false });
  });

  it('refuses a runtime whose certificate is not the pinned one, before logging in', async () => {
    const r = await runtime({ certIndex: 1 });
    const pins = new InMemoryTlsPinStore();
    await pins.set('plc1', cert(0).spki);
    await expect(connect(r, pins).open()).rejects.toThrow(/^Connection refused: runtime certificate changed for plc1/);
    expect(r.logins).toBe(0);
  });

  it('a certificate that changes between the login and the WebSocket upgrade is refused on the upgrade', async () => {
    const r = await runtime({ certIndex: 0 });
    r.certificateAfterLogin = cert(1);
    const pins = new InMemoryTlsPinStore();
    await expect(connect(r, pins).open()).rejects.toThrow(/^Connection refused: runtime certificate changed for plc1/);
    expect(r.logins).toBe(1);
    expect(r.connects).toBe(0);
    expect(pins.get('plc1')).toBe(cert(0).spki);
  });

  it('a refused login is Authentication failed: HTTP 401', async () => {
    const r = await runtime();
    await expect(connect(r, undefined, { username: 'user', password: 'wrong' }).open()).rejects.toThrow('Authentication failed: HTTP 401');
  });

  it('connect_error (a token the runtime does not accept) is Authentication failed, without the token', async () => {
    const r = await runtime();
    r.acceptTokens = false;
    const err = await connect(r).open().then(() => null, (e: unknown) => e as Error);
    expect(err?.message).toBe('Authentication failed: Connection rejected by server');
    expect(err?.message).not.toContain('eyJ');
    expect(r.logins).toBe(1);
  });

  it('a runtime without the debug interface: the WebSocket refusal is named', async () => {
    const r = await runtime({ debugInterface: false });
    await expect(connect(r).open()).rejects.toThrow('Runtime unreachable: Unexpected server response: 404');
    expect(r.logins).toBe(1);
  });

  it('a silent runtime: Timeout, and the next command runs on a new connection', async () => {
    const r = await runtime();
    const c = await connect(r).open();
    r.mode = 'silent';
    await expect(c.info()).rejects.toThrow(/^Timeout: no debug_response from the runtime within 0.4 s$/);
    r.mode = 'normal';
    expect(await c.info()).toEqual({ arrays: [6], legacy: false });
    expect(r.connects).toBe(2);
    expect(r.logins).toBe(2);
  });

  it('a dropped connection fails the command in flight; the next one logs in again and connects', async () => {
    const r = await runtime();
    const c = await connect(r).open();
    r.mode = 'drop-on-command';
    await expect(c.md5()).rejects.toThrow(/^Runtime disconnected: /);
    // Sent once more on a new connection (commands are idempotent), which dropped too.
    expect(r.received.filter((x) => x.startsWith('45'))).toHaveLength(2);
    r.mode = 'normal';
    expect(await c.md5()).toBe('bad85d4c2071cad1ba5403257d892067');
    r.dropClients();
    r.revokeTokens(); // the old token expired meanwhile: the reconnect logs in again
    expect(await c.info()).toEqual({ arrays: [6], legacy: false });
    expect(r.logins).toBe(4);
  });

  it('the runtime parser errors and empty-command answers come back as their texts', async () => {
    const r = await runtime();
    r.overrides.set('41', { success: true, data: 'ERROR_PARSING' });
    r.overrides.set('45DEAD0000', { success: false, error: 'Empty command' });
    const c = await connect(r).open();
    await expect(c.info()).rejects.toThrow('ERROR_PARSING');
    await expect(c.md5()).rejects.toThrow('Empty command');
    r.overrides.set('41', { ok: 'what' });
    await expect(c.info()).rejects.toThrow('unreadable debug_response: {"ok":"what"}');
  });

  it('a port other than 8443 speaks plain HTTP (the scheme follows the port)', async () => {
    const r = await runtime({ tls: false });
    const c = await connect(r).open();
    expect(await c.info()).toEqual({ arrays: [6], legacy: false });
  });

  it('close() fails the command in flight at once with Session closed', async () => {
    const r = await runtime();
    const c = await connect(r, undefined, CREDS, SLOW).open();
    r.mode = 'silent';
    const pending = c.getList([{ array: 0, element: 0 }]);
    await waitUntil(() => r.received.length === 1);
    c.close();
    await expect(pending).rejects.toThrow(/^Session closed$/);
  });

  it(`at most ${MAX_PENDING_COMMANDS} commands wait on one connection; the rest are answered Busy at once`, async () => {
    const r = await runtime();
    const c = await connect(r, undefined, CREDS, SLOW).open();
    r.mode = 'silent';
    const outcomes: string[] = [];
    const all = Array.from({ length: 100 }, () => c.info().then(() => 'answered', (e: unknown) => (e as Error).message)).map((p) => p.then((m) => outcomes.push(m)));
    await waitUntil(() => outcomes.length === 100 - MAX_PENDING_COMMANDS);
    expect(outcomes.every((m) => m.startsWith('Busy: '))).toBe(true);
    // The Busy answers come at once; the first command reaches the runtime through a real socket, later on a loaded machine.
    await waitUntil(() => r.received.length >= 1);
    expect(r.received).toHaveLength(1);
    c.close();
    await Promise.all(all);
    expect(outcomes.slice(100 - MAX_PENDING_COMMANDS)).toEqual(Array.from({ length: MAX_PENDING_COMMANDS }, () => 'Session closed'));
    // The queue is free again once they are answered (a closed session refuses, but not as Busy).
    await expect(c.info()).rejects.toThrow(/^Session closed$/);
  });

  it('util.inspect does not show the credentials', async () => {
    const r = await runtime();
    const c = await connect(r, undefined, { username: 'user', password: 'secret' }).open();
    const shown = inspect(c, { depth: 10, showHidden: true, getters: true });
    expect(shown).not.toContain('secret');
    expect(JSON.stringify(c) ?? '').not.toContain('secret');
  });

  it('an unreachable runtime is named, and a closed session refuses commands', async () => {
    const c = connect({ address: { host: loopback(), port: 8443 } } as FakeDebugRuntime);
    await expect(c.open()).rejects.toThrow(/^Runtime unreachable: /);
    c.close();
    await expect(c.info()).rejects.toThrow('Session closed');
  });
});

async function waitUntil(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i += 1) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
}
