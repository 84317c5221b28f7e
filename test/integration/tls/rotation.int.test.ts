// needs: nothing outside this process (in-process PKI, TLS server and simulator on loopback)
// Certificate hot reload: a rotated pair on disk is validated and presented from the next connection, without a
// restart; an invalid pair is refused and the current one stays in use. Real TLS against the simulator.
// Runtime: about 2-4 s (fs.watch plus a 1 s test poll).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { createPkiSet, type PkiSet } from '../../support/pki.js';
import { waitFor } from '../../support/run.js';
import { sleep, startLink, type LinkFixture } from './harness.js';

let pki: PkiSet;
let sim: CloudSim;
let fx: LinkFixture;

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

describe('certificate rotation', () => {
  it('presents the rotated certificate on the next connection, at once and without a restart', async () => {
    const before = sim.connections[0]?.fingerprint;
    const attemptBefore = fx.link.stats().attempt;
    const rotated = await pki.ca.issueClient({ cn: '07048933' });
    await storeCredentials(fx.mtlsDir, rotated.key, rotated.cert);
    const next = await waitFor(() => sim.connections.at(-1), (c) => c !== undefined && c.fingerprint !== before, { timeoutMs: 10_000, what: 'a connection with the new certificate' });
    expect(next?.fingerprint).toBe(fx.link.stats().fingerprint);
    expect(next?.cn).toBe('07048933');
    expect(fx.link.stats().attempt).toBe(attemptBefore);
    await waitFor(() => sim.connectedCount, (n) => n === 1, { timeoutMs: 5_000, what: 'one live connection' });
  });

  it('keeps the current certificate when the new pair does not belong together', async () => {
    const current = fx.link.stats().fingerprint;
    const connections = sim.connections.length;
    const other = await pki.ca.issueClient({ cn: '07048933' });
    const mine = await pki.ca.issueClient({ cn: '07048933' });
    await storeCredentials(fx.mtlsDir, mine.key, other.cert);
    await waitFor(() => fx.link.stats().certificateWarning, (w) => w !== null && /does not belong/.test(w), { timeoutMs: 5_000, what: 'the rejection' });
    await sleep(300);
    expect(fx.link.stats()).toMatchObject({ fingerprint: current, state: 'connected' });
    expect(sim.connections).toHaveLength(connections);
  });

  it('re-enrolment under a new id reconnects with the new CN', async () => {
    const reenrolled = await pki.ca.issueClient({ cn: '99000001' });
    await storeCredentials(fx.mtlsDir, reenrolled.key, reenrolled.cert);
    const next = await waitFor(() => sim.connections.at(-1), (c) => c?.cn === '99000001', { timeoutMs: 10_000, what: 'a connection under the new id' });
    expect(next?.fingerprint).toBe(fx.link.stats().fingerprint);
    expect(fx.link.stats().agentId).toBe('99000001');
  });

  it('a re-enrolment after a self-destruct opens a new linking window', async () => {
    expect(fx.link.stats().everConnected).toBe(true);
    fx.link.forget();
    await waitFor(() => fx.link.stats().state, (s) => s === 'not_enrolled', { timeoutMs: 15_000, what: 'the link without credentials' });
    // A pair from a CA the simulator does not trust: accepted on disk, refused by the server, so the link stays in
    // its linking window and the window's state is visible.
    const elsewhere = await createPkiSet('99000002');
    await storeCredentials(fx.mtlsDir, elsewhere.client.key, elsewhere.client.cert);
    await waitFor(() => fx.link.stats(), (s) => s.agentId === '99000002' && s.attempts > 0, { timeoutMs: 10_000, what: 'an attempt under the new id' });
    expect(fx.link.stats()).toMatchObject({ everConnected: false, attempt: 0 });
  });
});
