// needs: nothing outside this process (in-process PKI, TLS server and simulator on loopback)
// Mutual-TLS handshake matrix against the cloud simulator (real TLS, real Socket.IO server on 127.0.0.1:0).
// Runtime: about 3 s (in-process P-256 PKI; each refusal is observed over ~0.5 s of fast retries).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSocket } from '../../../electron/workers/cloudlink/transport.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { createPkiSet, type PkiSet } from '../../support/pki.js';
import { waitFor } from '../../support/run.js';
import { sleep, startLink, type LinkFixture } from './harness.js';

let pki: PkiSet;
const sims: CloudSim[] = [];
const links: LinkFixture[] = [];

async function sim(over: Parameters<typeof CloudSim.start>[0] = {}): Promise<CloudSim> {
  const s = await CloudSim.start({ ca: pki.ca, ...over });
  sims.push(s);
  return s;
}

async function link(...args: Parameters<typeof startLink>): Promise<LinkFixture> {
  const l = await startLink(...args);
  links.push(l);
  return l;
}

/** Lets the link try a few times, then checks that the server saw no Socket.IO connection. */
async function expectRefused(s: CloudSim, l: LinkFixture): Promise<string> {
  await waitFor(() => l.link.stats(), (st) => st.attempts >= 3, { timeoutMs: 10_000, what: 'three connection attempts' });
  expect(s.connections).toHaveLength(0);
  expect(l.link.stats().connects).toBe(0);
  return l.link.stats().lastError ?? '';
}

beforeAll(async () => {
  pki = await createPkiSet('07048933');
});

afterAll(async () => {
  for (const l of links) await l.dispose();
  for (const s of sims) await s.close();
});

describe('cloud link handshake', () => {
  it('connects with a client certificate from the server CA and presents it on the WebSocket upgrade too', async () => {
    const s = await sim({ server: pki.server });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: pki.client });
    const c = await s.waitForConnection();
    expect(c.cn).toBe('07048933');
    expect(c.fingerprint).toBe(l.link.stats().fingerprint);
    await waitFor(() => s.transportOf(), (t) => t === 'websocket', { timeoutMs: 5_000, what: 'upgrade to websocket' });
    expect(l.link.stats()).toMatchObject({ state: 'connected', agentId: '07048933', connects: 1 });
  });

  it('is refused when it has no client certificate (and stays not_enrolled without trying)', async () => {
    const s = await sim({ server: pki.server });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: null });
    await sleep(300);
    expect(l.link.stats()).toMatchObject({ state: 'not_enrolled', attempts: 0 });
    // The server side of the same refusal: a raw client without a certificate is turned away by the TLS layer.
    const { socket, agent } = openSocket(s.url, { cert: '', key: '', ca: [pki.ca.cert] }, 5_000);
    const err = await new Promise<Error>((resolve) => {
      socket.on('connect_error', resolve);
      socket.connect();
    });
    socket.disconnect();
    agent.destroy();
    expect(err).toBeInstanceOf(Error);
    expect(s.connections).toHaveLength(0);
  });

  it('is refused with a client certificate from another CA', async () => {
    const s = await sim({ server: pki.server });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: pki.rogueClient });
    await expectRefused(s, l);
    await waitFor(() => s.tlsErrors.length + (l.link.stats().lastError ? 1 : 0), (n) => n > 0, { timeoutMs: 5_000, what: 'a TLS error' });
  });

  it('is refused with an expired client certificate: the link will not use it and the server rejects it', async () => {
    const s = await sim({ server: pki.server });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: pki.expiredClient });
    await sleep(300);
    expect(l.link.stats()).toMatchObject({ state: 'not_enrolled', attempts: 0 });
    expect(l.link.stats().certificateWarning).toMatch(/expired/);
    const { socket, agent } = openSocket(s.url, { ...pki.expiredClient, ca: [pki.ca.cert] }, 5_000);
    const err = await new Promise<Error>((resolve) => {
      socket.on('connect_error', resolve);
      socket.connect();
    });
    socket.disconnect();
    agent.destroy();
    expect(err).toBeInstanceOf(Error);
    expect(s.connections).toHaveLength(0);
  });

  it('refuses a server whose certificate is for another name', async () => {
    const s = await sim({ server: pki.wrongNameServer });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: pki.client });
    expect(await expectRefused(s, l)).toMatch(/altnames|does not match|Hostname|IP: 127\.0\.0\.1/i);
  });

  it('refuses a server certificate from a CA it does not trust', async () => {
    const s = await sim({ server: pki.untrustedServer, clientCas: [pki.ca.cert] });
    const l = await link({ url: s.url, trust: [pki.ca.cert], client: pki.client });
    expect(await expectRefused(s, l)).toMatch(/self[- ]signed|unable to (verify|get)|certificate/i);
  });
});
