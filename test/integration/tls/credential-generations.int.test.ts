// needs: nothing outside this process (in-process PKI, TLS server and simulator on loopback)
// The previous client pair is kept until a new one has connected: a pair the cloud refuses leaves the earlier
// generations on disk; once a new pair connects, the link removes them. Real TLS against the simulator.
// Runtime: about 2-5 s.
import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { createPkiSet, type PkiSet } from '../../support/pki.js';
import { waitFor } from '../../support/run.js';
import { sleep, startLink, type LinkFixture } from './harness.js';

let pki: PkiSet;
let sim: CloudSim;
let fx: LinkFixture;
const generations = (): string[] => readdirSync(fx.mtlsDir).filter((n) => n.startsWith('gen-')).sort();

beforeAll(async () => {
  pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  fx = await startLink({ url: sim.url, trust: [pki.ca.cert], client: pki.client });
  await sim.waitForConnection();
});

afterAll(async () => {
  await fx?.dispose();
  await sim?.close();
});

describe('credential generations and the link', () => {
  it('keeps the previous pair while the new one cannot connect', async () => {
    const elsewhere = await createPkiSet('99000003');
    await storeCredentials(fx.mtlsDir, elsewhere.client.key, elsewhere.client.cert);
    await waitFor(() => fx.link.stats(), (s) => s.agentId === '99000003' && s.lastError !== null, { timeoutMs: 10_000, what: 'a refused attempt with the new pair' });
    await sleep(200);
    expect(generations()).toEqual(['gen-1', 'gen-2']);
  });

  it('removes the earlier pairs once a new one has connected', async () => {
    const rotated = await pki.ca.issueClient({ cn: '07048933' });
    await storeCredentials(fx.mtlsDir, rotated.key, rotated.cert);
    await waitFor(() => sim.connections.at(-1)?.fingerprint, (f) => f === fx.link.stats().fingerprint && fx.link.stats().agentId === '07048933', { timeoutMs: 10_000, what: 'a connection with the rotated pair' });
    await waitFor(generations, (g) => g.length === 1, { timeoutMs: 5_000, what: 'the earlier generations removed' });
    expect(generations()).toEqual(['gen-3']);
  });
});
