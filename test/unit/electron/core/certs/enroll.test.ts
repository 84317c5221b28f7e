// Enrolment against the simulator's HTTPS provisioning endpoints (docs/protocol.md §9), import of an existing pair, and the
// watcher's validation of a new pair. One test runs the real RSA-4096 path. Runtime: about 2-6 s (RSA-4096 keygen).
import path from 'node:path';
import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { readCredentials } from '../../../../../electron/lib/certs/credentials.js';
import { enroll, importCredentials } from '../../../../../electron/core/certs/enroll.js';
import { EnrolStepError, explainEnrolError } from '../../../../../electron/core/certs/enrol-errors.js';
import { storeCredentials } from '../../../../../electron/lib/certs/store.js';
import { CredentialWatcher } from '../../../../../electron/lib/certs/watcher.js';
import { x509 } from '../../../../../electron/core/certs/x509.js';
import { CloudSim } from '../../../../cloud-sim/sim.js';
import { createPkiSet, tempDir, type PkiSet } from '../../../../support/pki.js';
import { waitFor } from '../../../../support/run.js';

let sim: CloudSim;
let pki: PkiSet;
const tmp = tempDir('vplc-enroll-');

beforeAll(async () => {
  pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca });
});
afterAll(async () => {
  await sim.close();
  tmp.dispose();
});

describe('enroll', () => {
  it('requests an id, sends an RSA-4096 CSR with the listed subject and extensions, and stores the issued pair', async () => {
    const dir = path.join(tmp.dir, 'mtls4096');
    const ids: string[] = [];
    const r = await enroll({ provisionUrl: sim.provisionUrl, mtlsDir: dir, ca: [pki.ca.cert], onId: (id) => ids.push(id.id) });
    expect(ids).toEqual([r.id]);
    expect(r.certificate.agentId).toBe(r.id);
    expect(r.certificate.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(r.expiresIn).toBe(3600);
    const stored = await readCredentials(dir);
    expect(stored.ok).toBe(true);
    const cert = new X509Certificate(stored.ok ? stored.credentials.tls.cert : '');
    expect(cert.subject.split('\n')).toEqual(['C=BR', 'ST=SP', 'L=SaoPaulo', 'O=AutonomyLogic', 'OU=Production', `CN=${r.id}`]);
    const pub = new x509.PublicKey(cert.publicKey.export({ format: 'der', type: 'spki' }));
    expect((pub.algorithm as { modulusLength?: number }).modulusLength).toBe(4096);
  }, 60_000);

  it('fails in its first step when the provisioning server is not trusted, and the explanation asks for the CA file', async () => {
    const err = await enroll({ provisionUrl: sim.provisionUrl, mtlsDir: path.join(tmp.dir, 'x'), ca: [pki.rogueCa.cert], modulusLength: 2048 }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EnrolStepError);
    expect(explainEnrolError(err, { provisionUrl: sim.provisionUrl })).toMatchObject({ step: 'id', cause: 'ca', field: 'caFile', message: expect.stringContaining('set the CA file') });
  });
});

describe('importCredentials', () => {
  it('imports a pair that belongs together and refuses one that does not', async () => {
    const key = tmp.write('k.pem', pki.client.key);
    const cert = tmp.write('c.pem', pki.client.cert);
    const r = await importCredentials({ mtlsDir: path.join(tmp.dir, 'imp'), keyFile: key, certFile: cert });
    expect(r.certificate.agentId).toBe('07048933');
    const wrong = tmp.write('k2.pem', pki.rogueClient.key);
    await expect(importCredentials({ mtlsDir: path.join(tmp.dir, 'imp2'), keyFile: wrong, certFile: cert })).rejects.toThrow(/does not belong/);
  });
});

describe('CredentialWatcher', () => {
  it('accepts a new valid pair and rejects an invalid one, keeping the current pair', async () => {
    const dir = path.join(tmp.dir, 'watch');
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    const accepted: string[] = [];
    const rejected: string[] = [];
    const w = new CredentialWatcher({ dir, pollMs: 100_000, settleMs: 50, onAccepted: (c) => accepted.push(c.info.fingerprint256), onRejected: (r) => rejected.push(r) });
    await w.start();
    const next = await pki.ca.issueClient({ cn: '07048933' });
    await storeCredentials(dir, next.key, next.cert);
    await w.check();
    await storeCredentials(dir, pki.client.key, next.cert);
    await w.check();
    w.stop();
    expect(accepted).toHaveLength(2);
    expect(rejected).toEqual(['the private key does not belong to the certificate']);
    expect(w.current?.info.fingerprint256).toBe(accepted[1]);
  });

  it('polls fast while not enrolled, and slowly once a valid pair is in use and every watch is armed', async () => {
    const dir = path.join(tmp.dir, 'watch-poll');
    const accepted: string[] = [];
    const w = new CredentialWatcher({ dir, pollMs: 30_000, settleMs: 50, onAccepted: (c) => accepted.push(c.info.fingerprint256), onRejected: () => undefined });
    await w.start();
    // No directory yet: nothing to watch but its parent, so the poll is what finds the enrolment.
    expect(w.pollDelayMs).toBe(30_000);
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    // The parent's watch sees the directory appear; after the settle time the pair is read and all three watches armed.
    await waitFor(() => w.pollDelayMs, (ms) => ms === 5 * 60_000, { timeoutMs: 10_000, intervalMs: 20, what: 'the slow poll' });
    expect(accepted).toHaveLength(1);
    w.forget();
    expect(w.pollDelayMs).toBe(30_000);
    w.stop();
  });

  it('polls every 5 min once watched, and is back at 30 s as soon as the pair is forgotten', async () => {
    const dir = path.join(tmp.dir, 'watch-rearm');
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    // Every check reads the clock first, synchronously: this counts the polls as the fake timers fire them.
    let checks = 0;
    const now = (): number => ((checks += 1), Date.now());
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    const w = new CredentialWatcher({ dir, pollMs: 30_000, settleMs: 50, now, onAccepted: () => undefined, onRejected: () => undefined });
    try {
      await w.start();
      expect(checks).toBe(1);
      vi.advanceTimersByTime(4 * 60_000);
      expect(checks).toBe(1);
      w.forget();
      vi.advanceTimersByTime(30_000);
      expect(checks).toBe(2);
    } finally {
      w.stop();
      vi.useRealTimers();
    }
  });
});
