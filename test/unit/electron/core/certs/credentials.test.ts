// Pair validation, expiry levels, storage modes and credential retirement. Runtime: < 1 s (P-256 fixtures).
import { createPrivateKey } from 'node:crypto';
import { statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPair, readCredentials } from '../../../../../electron/lib/certs/credentials.js';
import { expiryWarning } from '../../../../../electron/lib/certs/expiry.js';
import { retireCredentials, storeCredentials } from '../../../../../electron/lib/certs/store.js';
import { createPkiSet, tempDir, type PkiSet } from '../../../../support/pki.js';

let pki: PkiSet;
const tmp = tempDir('vplc-creds-');

beforeAll(async () => {
  pki = await createPkiSet('07048933');
});
afterAll(() => tmp.dispose());

describe('checkPair', () => {
  it('accepts a matching, valid clientAuth pair and reports CN and fingerprint, never the key', () => {
    const r = checkPair(pki.client.cert, pki.client.key);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.credentials.info.agentId).toBe('07048933');
    expect(r.credentials.info.fingerprint256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(JSON.stringify(r.credentials)).not.toContain('PRIVATE KEY');
  });

  it('refuses a key that belongs to another certificate', () => {
    expect(checkPair(pki.client.cert, pki.rogueClient.key)).toMatchObject({ ok: false, reason: 'the private key does not belong to the certificate' });
  });

  it('refuses an expired certificate', () => {
    expect(checkPair(pki.expiredClient.cert, pki.expiredClient.key)).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
  });

  it('refuses a certificate without clientAuth', async () => {
    const server = await pki.ca.issueClient({ cn: 'x', eku: 'serverAuth' });
    expect(checkPair(server.cert, server.key)).toMatchObject({ ok: false, reason: expect.stringMatching(/clientAuth/) });
  });

  it('refuses a CN that is not the expected orchestrator id', () => {
    expect(checkPair(pki.client.cert, pki.client.key, { expectedCn: '1' })).toMatchObject({ ok: false });
  });
});

describe('storage', () => {
  it('stores dir 0700, key 0600, cert 0644 and reads the pair back', async () => {
    const dir = path.join(tmp.dir, 'mtls');
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(dir, 'client.key')).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dir, 'client.crt')).mode & 0o777).toBe(0o644);
    expect((await readCredentials(dir)).ok).toBe(true);
  });

  it('reads a PKCS#1 RSA key as well as PKCS#8', async () => {
    const { generateKeyAndCsr } = await import('../../../../../electron/core/certs/enroll.js');
    const { keyPem, csrPem } = await generateKeyAndCsr('07048933', 2048);
    const cert = await pki.ca.signCsr(csrPem);
    const pkcs1 = createPrivateKey(keyPem).export({ format: 'pem', type: 'pkcs1' }).toString();
    expect(pkcs1).toContain('BEGIN RSA PRIVATE KEY');
    expect(checkPair(cert, pkcs1).ok).toBe(true);
  });

  it('says "not enrolled" for a missing directory', async () => {
    expect(await readCredentials(path.join(tmp.dir, 'nothing'))).toMatchObject({ ok: false, missing: true });
  });

  it('retires the directory to .removed-<ts> with mode 0700', async () => {
    const dir = path.join(tmp.dir, 'retire');
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    const moved = await retireCredentials(dir, 1_700_000_000_000);
    expect(moved).toBe(`${dir}.removed-1700000000`);
    expect(existsSync(dir)).toBe(false);
    expect(statSync(moved as string).mode & 0o777).toBe(0o700);
  });
});

describe('expiryWarning', () => {
  const day = 86_400_000;
  const at = (msLeft: number) => expiryWarning(new Date(1_000_000_000_000 + msLeft).toISOString(), 1_000_000_000_000).level;
  it('warns at 30, 7 and 1 days and once expired', () => {
    expect([at(31 * day), at(30 * day), at(7 * day), at(day), at(-1)]).toEqual(['ok', 'days30', 'days7', 'days1', 'expired']);
  });
});
