// cloud.webrtc.enabled = false in the settings file of the whole built agent (docs/protocol.md §4.11, docs/debug.md
// "WebRTC sessions"): the cloud link answers webrtc:offer / webrtc:ice / webrtc:disconnect with the "turned off" error
// and the session_id, for a real vPLC name too, and stays connected. Simulator over real mTLS; no vPLC is created (the
// orchestrator still opens real dockerd). Runtime: about 10 s.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const TURNED_OFF = 'WebRTC is turned off on this orchestrator (cloud.webrtc.enabled)';
const run = newRunId();
const tmp = tempDir('vplc-webrtc-off-');
let sim: CloudSim;
let agent: AgentProcess;
let cid = 0;
const send = async (topic: string, payload: Record<string, unknown>): Promise<Record<string, unknown>> => (await sim.send(topic, { correlation_id: ++cid, ...payload }, 30_000)) as Record<string, unknown>;

beforeAll(async () => {
  const pki = await createPkiSet('07048934');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(tmp.dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const settings = { ...(JSON.parse(testSettingsFile()) as Record<string, unknown>), cloud: { webrtc: { enabled: false } } };
  agent = spawnAgent(
    [
      '--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', tmp.write('ca.crt', pki.ca.cert),
      '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-rtcoff`,
      '--settings', tmp.write('settings.json', JSON.stringify(settings)),
      '--internal-pool', '198.19.100.0/24', '--no-metrics',
    ],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  await agent.ready;
  await sim.waitForConnection(30_000);
});

afterAll(async () => {
  await agent?.stop();
  await sim?.close();
  tmp.dispose();
});

describe('cloud.webrtc.enabled false in the built agent', () => {
  it('answers the three signalling topics "turned off" with their session_id', async () => {
    expect(await send('webrtc:offer', { session_id: 's1', device_id: `vt-${run}-x`, sdp: 'v=0', sdp_type: 'offer' })).toEqual({
      action: 'webrtc:offer', correlation_id: cid, status: 'error', error: TURNED_OFF, session_id: 's1',
    });
    expect(await send('webrtc:ice', { session_id: 's1', candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host' })).toEqual({
      action: 'webrtc:ice', correlation_id: cid, status: 'error', error: TURNED_OFF, session_id: 's1',
    });
    expect(await send('webrtc:disconnect', { session_id: 's1' })).toEqual({
      action: 'webrtc:disconnect', correlation_id: cid, status: 'error', error: TURNED_OFF, session_id: 's1',
    });
    expect(agent.output()).not.toMatch(/corrupt|moved to/);
  });
});
