// needs: nothing outside this process but child Node processes (the stand-in) it starts itself on loopback
/**
 * PLC polls resume the TLS session of a pinned handshake (docs/plc.md "Polling"), against the runtime stand-in run as
 * a plain Node process on loopback with its own per-start certificate: the real session, client and pin slot of the
 * agent. A restarted runtime (same key, new process) cannot resume, is pin-checked and resumes again; a runtime with
 * another key at the same address is refused without resumption. Runs in a few seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../../electron/lib/time/clock.js';
import { DEFAULT_CLIENT_OPTIONS, RuntimeClient } from '../../../electron/workers/orchestrator/plc/client.js';
import { RuntimeSession, createRuntimeUser } from '../../../electron/workers/orchestrator/plc/session.js';
import { InMemoryTlsPinStore } from '../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { TlsSessionCache } from '../../../electron/workers/orchestrator/runtime/tls-session.js';
import { startStandin, type StandinProcess } from './standin-process.js';

const NAME = 'plc-r';
const CREDS = { username: 'engineer', password: 'Pw-resume-5d1e-never-shown' };

let dir: string;
let standin: StandinProcess | undefined;
const pins = new InMemoryTlsPinStore();
const cache = new TlsSessionCache();
let port = 0;
const client = (): RuntimeClient =>
  new RuntimeClient(NAME, { resolve: () => Promise.resolve({ host: '127.0.0.1', port }) }, pins, { ...DEFAULT_CLIENT_OPTIONS, tlsSessions: cache });
let session: RuntimeSession;

/** A stand-in whose certificate and users live in `tlsDir` / `stateDir`, on the test's port once it has one. */
async function runtime(tlsDir: string, stateDir: string): Promise<void> {
  await standin?.stop();
  standin = await startStandin({ STANDIN_TLS_DIR: tlsDir, STANDIN_STATE_DIR: stateDir, ...(port ? { STANDIN_HTTPS_PORT: String(port) } : {}) });
  port = standin.port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'vplc-resume-int-'));
  await runtime(path.join(dir, 'tls-a'), path.join(dir, 'state-a'));
  expect(await createRuntimeUser(client().exchange, CREDS)).toEqual({ created: true });
  session = new RuntimeSession(NAME, CREDS, client().exchange, systemClock);
}, 30_000);

afterAll(async () => {
  await standin?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('TLS session resumption of PLC polls against the stand-in', () => {
  it('pays one full handshake, then every poll resumes', async () => {
    const before = { ...cache.handshakes };
    for (let i = 0; i < 5; i++) expect((await session.status({ stats: true })).status).toMatch(/^(EMPTY|STOPPED|RUNNING)$/);
    // The login is one more exchange; the user creation before it was the full handshake that pinned the key.
    expect(before).toEqual({ full: 1, resumed: 0 });
    expect(cache.handshakes).toEqual({ full: 1, resumed: 6 });
    expect(cache.size).toBe(1);
  });

  it('after a restart of the same runtime (same key, new process) the first poll is pin-checked, then polls resume', async () => {
    await runtime(path.join(dir, 'tls-a'), path.join(dir, 'state-a'));
    await session.status({ stats: false });
    await session.status({ stats: false });
    expect(cache.handshakes).toEqual({ full: 2, resumed: 7 });
    expect(standin?.output()).toMatch(/GET \/api\/status 200/);
  }, 30_000);

  it('refuses a runtime with another key on the same address: the old session does not resume it', async () => {
    const pinned = pins.get(NAME);
    await runtime(path.join(dir, 'tls-b'), path.join(dir, 'state-b'));
    await expect(session.status({ stats: false })).rejects.toMatchObject({ kind: 'refused' });
    expect(cache.handshakes).toEqual({ full: 3, resumed: 7 });
    expect(cache.size).toBe(0);
    expect(pins.get(NAME)).toBe(pinned);
    expect(standin?.output()).not.toMatch(/api\/status/);
  }, 30_000);
});
