// WebRTC signalling through the whole built agent (docs/debug.md "WebRTC sessions"): the cloud link worker asks the
// orchestrator worker over the bus (`debug.has-device`, routed in electron/core/commands/routes.ts) before it answers an
// offer, and reads its webrtc settings from the settings file (the cap of 2 sessions and the 5 s idle timeout are
// asserted on real sessions, which also runs the built code's lazy werift import). Simulator over real mTLS, one
// stand-in vPLC on real dockerd. Runtime: about 30 s.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { Label } from '../../../electron/workers/orchestrator/docker/labels.js';
import { docker, removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';
import { offerSession, type BrowserPeer } from '../../support/webrtc-browser.js';

requireDocker();
requireRoot();

const run = newRunId();
const tmp = tempDir('vplc-webrtc-agent-');
let sim: CloudSim;
let agent: AgentProcess;
let cid = 0;
const peers: BrowserPeer[] = [];
const name = `vt-${run}-rtca`;
const send = async (topic: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> => (await sim.send(topic, { correlation_id: ++cid, ...payload }, 30_000)) as Record<string, unknown>;

beforeAll(async () => {
  const pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(tmp.dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const settings = { ...(JSON.parse(testSettingsFile()) as Record<string, unknown>), cloud: { webrtc: { iceServers: [], maxSessions: 2, idleTimeoutMs: 5_000, idleCheckMs: 1_000 } } };
  agent = spawnAgent(
    [
      '--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', tmp.write('ca.crt', pki.ca.cert),
      '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-rtc`,
      '--settings', tmp.write('settings.json', JSON.stringify(settings)),
      '--internal-pool', '198.19.96.0/24', '--runtime-image', STANDIN_REPO, '--no-metrics',
    ],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  await agent.ready;
  await sim.waitForConnection(30_000);
});

afterAll(async () => {
  for (const p of peers) await p.close().catch(() => undefined);
  const installation = sim ? await installationOf().catch(() => '') : '';
  await agent?.stop();
  await sim?.close();
  if (installation) await removeByLabels({ instance: installation });
  tmp.dispose();
});

/** The agent's installation id, from the vPLC's labels (read with the test's own Docker client). */
async function installationOf(): Promise<string> {
  const list = await docker.listContainers({ all: true, filters: { name: [name] } });
  return list[0]?.Labels[Label.instance] ?? '';
}

describe('WebRTC signalling in the built agent', () => {
  it('checks the offer\'s device with the orchestrator over the bus and answers the other topics', async () => {
    expect(await send('webrtc:offer', { session_id: 's1', device_id: `vt-${run}-none`, sdp: 'v=0', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer', correlation_id: cid, status: 'error', error: `Device vt-${run}-none not found`, session_id: 's1',
    });
    expect(await send('webrtc:ice', { session_id: 's1', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' })).toEqual({
      action: 'webrtc:ice', correlation_id: cid, status: 'error', error: 'Session s1 not found', session_id: 's1',
    });
    expect(await send('webrtc:disconnect', { session_id: 's1' })).toEqual({
      action: 'webrtc:disconnect', correlation_id: cid, status: 'warning', message: 'Session not found (may already be closed)', session_id: 's1',
    });
    expect(agent.output()).not.toMatch(/not allowed|no route/i);
  });

  it('applies the settings file: a third concurrent session is refused with the cap, a quiet one closes after 5 s', async () => {
    expect(await send('create_new_runtime', { container_name: name, vnic_configs: [] })).toMatchObject({ status: 'creating' });
    await waitFor(() => send('get_device_status', { device_id: name }), (a) => a['status'] === 'success', { timeoutMs: 90_000, what: 'the vPLC to run' });
    const open = async (id: string): Promise<BrowserPeer> => {
      const p = await offerSession(sim, `${id}-${run}`, name, ++cid);
      peers.push(p);
      return p;
    };
    const a = await open('a');
    const b = await open('b');
    expect([a.ack['status'], b.ack['status']], JSON.stringify([a.ack, b.ack])).toEqual(['success', 'success']);
    const c = await open('c');
    expect(c.ack).toMatchObject({ status: 'error', error: 'Too many WebRTC sessions (at most 2)', session_id: `c-${run}` });
    await a.data.next((m) => m['type'] === 'ready');
    // Nothing more is sent: the agent closes both sessions after the 5 s idle timeout (the default would be 300 s).
    const started = performance.now();
    await Promise.all([a.data.closed, b.data.closed]);
    console.log(`webrtc-agent: idle sessions closed ${Math.round(performance.now() - started)} ms after open`);
    expect(await send('webrtc:disconnect', { session_id: `a-${run}` })).toMatchObject({ status: 'warning', message: 'Session not found (may already be closed)' });
  }, 150_000);
});
