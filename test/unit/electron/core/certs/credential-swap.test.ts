// The mTLS directory's generation layout: a new pair is staged in its own directory and published with one rename of
// `current`; the previous pair is kept until the new one has connected; pairs put at the usual paths (docs/protocol.md §9) by hand or by
// an older agent are adopted; re-enrolling or importing over a working identity needs `replace`.
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, readlinkSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerCerts } from '../../../../../electron/core/api/handlers/certs.js';
import { EventHub } from '../../../../../electron/core/api/event-hub.js';
import { ApiRegistry } from '../../../../../electron/core/api/registry.js';
import { IdentityExistsError, importCredentials } from '../../../../../electron/core/certs/enroll.js';
import { SettingsStore } from '../../../../../electron/core/settings/store.js';
import { readCredentials } from '../../../../../electron/lib/certs/credentials.js';
import { pruneCredentialGenerations, retireCredentials, storeCredentials } from '../../../../../electron/lib/certs/store.js';
import { createPkiSet, tempDir, type Pem, type PkiSet } from '../../../../support/pki.js';

let pki: PkiSet;
let other: Pem;
const tmp = tempDir('vplc-swap-');
let n = 0;
const fresh = (): string => path.join(tmp.dir, `mtls-${++n}`);

beforeAll(async () => {
  pki = await createPkiSet('07048933');
  other = await pki.ca.issueClient({ cn: '07048999' });
});
afterAll(() => tmp.dispose());

async function currentCert(dir: string): Promise<string> {
  const r = await readCredentials(dir);
  if (!r.ok) throw new Error(r.reason);
  return r.credentials.tls.cert;
}
const mode = (p: string): string => (statSync(p).mode & 0o777).toString(8);

describe('storeCredentials', () => {
  it('publishes a pair as a generation behind `current`, with the usual paths (docs/protocol.md §9) as links and exact modes', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    expect(readlinkSync(path.join(dir, 'current'))).toBe('gen-1');
    expect(readlinkSync(path.join(dir, 'client.key'))).toBe('current/client.key');
    expect(readlinkSync(path.join(dir, 'client.crt'))).toBe('current/client.crt');
    expect([mode(dir), mode(path.join(dir, 'gen-1')), mode(path.join(dir, 'client.key')), mode(path.join(dir, 'client.crt'))]).toEqual(['700', '700', '600', '644']);
    expect(readFileSync(path.join(dir, 'client.crt'), 'utf8')).toBe(pki.client.cert);
    expect(await currentCert(dir)).toBe(pki.client.cert);
  });

  it('keeps the previous pair until the new one has connected, then prunes it', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    await storeCredentials(dir, other.key, other.cert);
    expect(await currentCert(dir)).toBe(other.cert);
    expect(readFileSync(path.join(dir, 'gen-1', 'client.crt'), 'utf8')).toBe(pki.client.cert);
    // A connect with a pair that is no longer current prunes nothing.
    expect(await pruneCredentialGenerations(dir, pki.client.cert)).toEqual([]);
    expect(await pruneCredentialGenerations(dir, other.cert)).toEqual(['gen-1']);
    expect(readdirSync(dir).sort()).toEqual(['client.crt', 'client.key', 'current', 'gen-2']);
    expect(await currentCert(dir)).toBe(other.cert);
  });

  it('adopts a pair stored as plain files (reference installer, older agent) and keeps it as the previous one', async () => {
    const dir = fresh();
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(path.join(dir, 'client.key'), pki.client.key, { mode: 0o600 });
    writeFileSync(path.join(dir, 'client.crt'), pki.client.cert, { mode: 0o644 });
    expect(await currentCert(dir)).toBe(pki.client.cert);
    await storeCredentials(dir, other.key, other.cert);
    expect(await currentCert(dir)).toBe(other.cert);
    expect(lstatSync(path.join(dir, 'client.key')).isSymbolicLink()).toBe(true);
    expect(readFileSync(path.join(dir, 'gen-1', 'client.key'), 'utf8')).toBe(pki.client.key);
    expect(readFileSync(path.join(dir, 'client.key'), 'utf8')).toBe(other.key);
  });

  it('reads a pair someone dropped over the links (hot reload of replaced files) and keeps it at the next swap', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    for (const [file, pem] of [['client.key', other.key], ['client.crt', other.cert]] as const) {
      writeFileSync(path.join(tmp.dir, 'drop'), pem);
      renameSync(path.join(tmp.dir, 'drop'), path.join(dir, file));
    }
    expect(await currentCert(dir)).toBe(other.cert);
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    expect(await currentCert(dir)).toBe(pki.client.cert);
    expect(readFileSync(path.join(dir, 'gen-2', 'client.crt'), 'utf8')).toBe(other.cert);
  });

  it('never shows a reader one pair’s key with another pair’s certificate while pairs are swapped', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    let swapping = true;
    const seen = new Set<string>();
    const reader = (async () => {
      while (swapping) {
        const r = await readCredentials(dir);
        if (!r.ok) throw new Error(`reader saw a broken pair: ${r.reason}`);
        seen.add(r.credentials.info.agentId);
      }
    })();
    for (let i = 0; i < 40; i++) {
      const p = i % 2 === 0 ? other : pki.client;
      await storeCredentials(dir, p.key, p.cert);
      if (i % 10 === 9) await pruneCredentialGenerations(dir, p.cert);
    }
    swapping = false;
    await reader;
    expect([...seen].every((id) => id === '07048933' || id === '07048999')).toBe(true);
  });

  it('removes the leftovers of an interrupted swap', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    mkdirSync(path.join(dir, '.swap-123-x'));
    writeFileSync(path.join(dir, '.swap-123-x', 'client.key'), 'partial');
    await storeCredentials(dir, other.key, other.cert);
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('a retired directory still reads as a whole (relative links)', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    const moved = await retireCredentials(dir, 1_700_000_000_000);
    expect(moved).not.toBeNull();
    expect(existsSync(dir)).toBe(false);
    expect(await currentCert(moved ?? '')).toBe(pki.client.cert);
  });
});

describe('replacing a working identity', () => {
  it('import refuses without replace, and replaces with it', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    const keyFile = tmp.write(`o-${n}.key`, other.key);
    const certFile = tmp.write(`o-${n}.crt`, other.cert);
    const refused = importCredentials({ mtlsDir: dir, keyFile, certFile });
    await expect(refused).rejects.toBeInstanceOf(IdentityExistsError);
    await expect(refused).rejects.toThrow(/already has a working identity \(agent id 07048933/);
    expect(await currentCert(dir)).toBe(pki.client.cert);
    expect((await importCredentials({ mtlsDir: dir, keyFile, certFile, replace: true })).id).toBe('07048999');
    expect(await currentCert(dir)).toBe(other.cert);
  });

  it('needs no confirmation over an expired or broken pair', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.expiredClient.key, pki.expiredClient.cert);
    const keyFile = tmp.write(`p-${n}.key`, other.key);
    const certFile = tmp.write(`p-${n}.crt`, other.cert);
    expect((await importCredentials({ mtlsDir: dir, keyFile, certFile })).id).toBe('07048999');
  });

  it('the API channel refuses with CONFLICT naming the replace field, and accepts replace: true', async () => {
    const dir = fresh();
    await storeCredentials(dir, pki.client.key, pki.client.cert);
    const registry = new ApiRegistry();
    registerCerts(registry, { mtlsDir: dir, provisionUrl: 'https://127.0.0.1:9', caFile: undefined, events: new EventHub(), settings: new SettingsStore(path.join(dir, 'settings.json')), caFileSetting: undefined });
    const keyFile = tmp.write(`q-${n}.key`, other.key);
    const certFile = tmp.write(`q-${n}.crt`, other.cert);
    const refused = await registry.call('certs:import', { keyFile, certFile }, { via: 'test' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', field: 'replace', message: expect.stringContaining('send replace: true') } });
    // Enrolment is refused before any network use (the provisioning address is a closed port).
    expect(await registry.call('certs:enroll', {}, { via: 'test' })).toMatchObject({ ok: false, error: { code: 'CONFLICT', field: 'replace' } });
    expect(await registry.call('certs:import', { keyFile, certFile, replace: true }, { via: 'test' })).toMatchObject({ ok: true, value: { id: '07048999' } });
    expect(await registry.call('certs:import', { keyFile, certFile, replace: 'yes' }, { via: 'test' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });
});
