/**
 * The runtime TLS pin belongs to a container (docs/decisions.md "Runtime TLS"): pins stored in a real StateStore, checked by
 * real TLS connections to servers that stand for successive containers of one vPLC, each with its own certificate.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StoredRuntimePins } from '../../../../../../electron/workers/orchestrator/runtime-access.js';
import { RuntimeCertificateChangedError, connectRuntime, type TlsPinStore } from '../../../../../../electron/workers/orchestrator/runtime/tls-pin.js';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';
import { type Running, type TestCert, echoHandler, serversClosedAfterEach, testCerts, randomLoopback, startHttps } from './helpers.js';

const cert = testCerts(3);

const dirs: string[] = [];
const servers = serversClosedAfterEach();
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function openStore(): Promise<StateStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-pin-'));
  dirs.push(dir);
  const store = new StateStore(dir);
  await store.load();
  return store;
}

const now = new Date().toISOString();
const record = { desired_state: 'running' as const, created_at: now, updated_at: now, degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false };

/** "A container" of the vPLC: an HTTPS server on its own loopback address with the given certificate. */
async function container(c: TestCert): Promise<Running> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      const s = await startHttps(echoHandler, c, randomLoopback(), 8443);
      servers.push(s);
      return s;
    } catch (err) {
      if (attempt >= 5) throw err;
    }
  }
}

async function contact(pins: TlsPinStore, at: Running): Promise<void> {
  const socket = await connectRuntime({ deviceId: 'plc1', pins, host: at.host, port: at.port, tls: true, connectTimeoutMs: 5_000 });
  socket.destroy();
}

describe('runtime pin per container', () => {
  it('pins the first contact with a container and refuses another certificate on the same container', async () => {
    const store = await openStore();
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c1');
    const pins = new StoredRuntimePins(store);

    await contact(pins, await container(cert(0)));
    expect(store.getDesired('plc1')?.runtime_cert_pin).toEqual({ container_id: 'c1', spki_sha256: cert(0).spki });
    await expect(contact(pins, await container(cert(1)))).rejects.toBeInstanceOf(RuntimeCertificateChangedError);
  });

  it('trusts the new certificate of a recreated container (agent recreate, update, rollback)', async () => {
    const store = await openStore();
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c1');
    const pins = new StoredRuntimePins(store);
    await contact(pins, await container(cert(0)));

    await store.recordContainer('plc1', 'c2');
    expect(store.getDesired('plc1')?.runtime_cert_pin).toBeUndefined();
    await contact(pins, await container(cert(1)));
    expect(store.getDesired('plc1')?.runtime_cert_pin).toEqual({ container_id: 'c2', spki_sha256: cert(1).spki });
    // The pin survives an agent restart and still refuses a third certificate on that container.
    const reopened = new StateStore(store.dir);
    await reopened.load();
    await expect(contact(new StoredRuntimePins(reopened), await container(cert(2)))).rejects.toBeInstanceOf(RuntimeCertificateChangedError);
  });

  it('trusts a vPLC deleted and created again under the same name', async () => {
    const store = await openStore();
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c1');
    const pins = new StoredRuntimePins(store);
    await contact(pins, await container(cert(0)));

    await store.dropDesired('plc1');
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c9');
    await contact(pins, await container(cert(1)));
    expect(store.getDesired('plc1')?.runtime_cert_pin?.spki_sha256).toBe(cert(1).spki);
  });

  it('a connection that started before the recreate cannot pin the old certificate for the new container', async () => {
    const store = await openStore();
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c1');
    const pins = new StoredRuntimePins(store);
    const early = pins.slot('plc1');
    await store.recordContainer('plc1', 'c2');
    await early.record(cert(0).spki);
    expect(store.getDesired('plc1')?.runtime_cert_pin).toBeUndefined();
    await contact(pins, await container(cert(1)));
    expect(store.getDesired('plc1')?.runtime_cert_pin).toEqual({ container_id: 'c2', spki_sha256: cert(1).spki });
  });

  it('adopting the same container keeps its pin', async () => {
    const store = await openStore();
    await store.putDesired('plc1', record);
    await store.recordContainer('plc1', 'c1');
    await store.pinRuntimeCertificate('plc1', { container_id: 'c1', spki_sha256: cert(0).spki });
    await store.recordContainer('plc1', 'c1');
    expect(store.getDesired('plc1')?.runtime_cert_pin).toEqual({ container_id: 'c1', spki_sha256: cert(0).spki });
  });

  it('drops a pin stored before pins had a container (a bare string): the next contact pins the current container', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'vplc-pin-'));
    dirs.push(dir);
    writeFileSync(path.join(dir, 'vplc_state.json'), JSON.stringify({ plc1: { ...record, runtime_cert_pin: cert(0).spki } }));
    const store = new StateStore(dir);
    await store.load();
    expect(store.problems).toEqual([]);
    expect(store.getDesired('plc1')?.runtime_cert_pin).toBeUndefined();
    await store.recordContainer('plc1', 'c1');
    await contact(new StoredRuntimePins(store), await container(cert(1)));
    const onDisk = JSON.parse(readFileSync(path.join(dir, 'vplc_state.json'), 'utf8')) as Record<string, { runtime_cert_pin?: unknown }>;
    expect(onDisk['plc1']?.runtime_cert_pin).toEqual({ container_id: 'c1', spki_sha256: cert(1).spki });
  });

  it('a vPLC without a recorded container (adopted without a record) is pinned for this run only', async () => {
    const store = await openStore();
    const pins = new StoredRuntimePins(store);
    await contact(pins, await container(cert(0)));
    expect(store.getDesired('plc1')).toBeUndefined();
    await expect(contact(pins, await container(cert(1)))).rejects.toBeInstanceOf(RuntimeCertificateChangedError);
  });
});
