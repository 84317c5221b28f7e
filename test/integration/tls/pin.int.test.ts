// needs: nothing outside this process (in-process PKI, TLS server and simulator on loopback)
// The optional pin of the cloud's key or CA (settings `cloud.serverPins`) over real mutual TLS against the simulator:
// a matching leaf or CA pin connects, a mismatch refuses the connection, and an http: cloud URL is refused up front.
// Runtime: about 3 s.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { startCloudLink, type CloudLinkHandle } from '../../../electron/workers/cloudlink/start.js';
import { spkiSha256 } from '../../../electron/workers/cloudlink/transport.js';
import { silentLogger } from '../../../electron/workers/cloudlink/types.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { createPkiSet, tempDir, type PkiSet } from '../../support/pki.js';
import { waitFor } from '../../support/run.js';
import { echoTarget, FAST_TIMING } from './harness.js';

let pki: PkiSet;
let sim: CloudSim;
const tmp = tempDir('vplc-pin-');
const mtlsDir = path.join(tmp.dir, 'mtls');
let caFile: string;
const handles: CloudLinkHandle[] = [];

const pemSpki = (pem: string): string => spkiSha256(Buffer.from(pem.replace(/-----[^-]+-----|\s+/g, ''), 'base64'));

async function link(serverPins: string[], cloudUrl = sim.url): Promise<CloudLinkHandle> {
  const h = await startCloudLink({
    target: echoTarget,
    heartbeat: { latest: () => null, uptimeSeconds: () => 1 },
    mtlsDir,
    cloudUrl,
    caFile,
    serverPins,
    systemCaBundle: null,
    log: silentLogger,
    timing: FAST_TIMING,
  });
  handles.push(h);
  return h;
}

beforeAll(async () => {
  pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  caFile = tmp.write('ca.crt', pki.ca.cert);
});

afterAll(async () => {
  for (const h of handles) await h.close();
  await sim?.close();
  tmp.dispose();
});

describe('cloud server pin', () => {
  it('connects when the pin is the server leaf key', async () => {
    const h = await link([pemSpki(pki.server.cert)]);
    await waitFor(() => h.stats().state, (s) => s === 'connected', { timeoutMs: 10_000, what: 'a pinned connection (leaf)' });
    await h.close();
  });

  it('connects when the pin is the CA key (a certificate of the chain)', async () => {
    const h = await link([pemSpki(pki.rogueCa.cert), pemSpki(pki.ca.cert)]);
    await waitFor(() => h.stats().state, (s) => s === 'connected', { timeoutMs: 10_000, what: 'a pinned connection (CA)' });
    await h.close();
  });

  it('refuses the connection when no certificate of the chain matches the pin', async () => {
    const before = sim.connections.length;
    const h = await link([pemSpki(pki.rogueCa.cert)]);
    const st = await waitFor(() => h.stats(), (s) => s.attempts >= 3, { timeoutMs: 10_000, what: 'three refused attempts' });
    console.log(`pin mismatch: ${st.lastError ?? ''}`);
    expect(st.connects).toBe(0);
    expect(st.lastError).toContain('does not match the configured pin');
    expect(sim.connections.length).toBe(before);
    await h.close();
  });

  it('refuses an http: cloud URL with an error naming the field', async () => {
    await expect(link([], sim.url.replace('https:', 'http:'))).rejects.toThrow(/^cloudUrl: Value must be an https: URL/);
  });
});
