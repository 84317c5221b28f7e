// The whole headless agent as one process with its three supervised workers (netmon, orchestrator, cloudlink) against
// the cloud simulator over real mTLS and a real dockerd: heartbeat, get_host_interfaces from netmon's cache, a create
// and delete driven from the cloud, and the agent status over the local bridge. Runtime: about 20-30 s.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { ApiClient } from '../../../electron/core/api/ws-client.js';
import { CloudSim } from '../../cloud-sim/sim.js';
import { removeByLabels, STANDIN_REPO } from '../../support/docker.js';
import { testSettingsFile } from '../../support/orchestrator.js';
import { spawnAgent, type AgentProcess } from '../../support/agent-process.js';
import { createPkiSet, tempDir } from '../../support/pki.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const tmp = tempDir('vplc-full-');
const mtlsDir = path.join(tmp.dir, 'mtls');
let sim: CloudSim;
let agent: AgentProcess;
let ready: { port: number; token: string };
let parent: VethParent;
let installation = '';
let cid = 0;
const send = async (topic: string, payload: Record<string, unknown> = {}): Promise<Record<string, unknown>> =>
  (await sim.send(topic, { correlation_id: ++cid, ...payload }, 30_000)) as Record<string, unknown>;

beforeAll(async () => {
  parent = createVethParent(run, 14, `${lanAddress(slot, 14, 254)}/24`);
  const pki = await createPkiSet('07048933');
  sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  const caFile = tmp.write('ca.crt', pki.ca.cert);
  agent = spawnAgent(
    [
      '--cloud-url', sim.url, '--mtls-dir', mtlsDir, '--ca-file', caFile,
      '--ui-port', '0', '--data-dir', path.join(tmp.dir, 'data'), '--lock-name', `vt-${run}-full`,
      '--settings', tmp.write('settings.json', testSettingsFile()),
      '--internal-pool', '198.19.95.0/24', '--runtime-image', STANDIN_REPO,
    ],
    { VPLC_TOKEN_FILE: path.join(tmp.dir, 'token'), XDG_CONFIG_HOME: path.join(tmp.dir, 'config') },
  );
  ready = await agent.ready;
  await sim.waitForConnection(30_000);
});

afterAll(async () => {
  await agent?.stop();
  await sim?.close();
  if (installation) await removeByLabels({ instance: installation });
  parent?.dispose();
  tmp.dispose();
});

describe('the agent with its three workers', () => {
  it('reports every worker running and the cloud connected over the local bridge', async () => {
    const client = await ApiClient.connect(ready.port, ready.token);
    const status = await waitFor(
      async () => (await client.call('agent:status', {})) as { ok: boolean; value?: { cloud: string; workers: Array<{ name: string; state: string }>; installationId: string } },
      (s) => s.ok && s.value?.cloud === 'connected' && s.value.workers.every((w) => w.state === 'running'),
      { timeoutMs: 20_000, what: 'every worker running and the cloud connected' },
    );
    installation = status.value?.installationId ?? '';
    expect(status.value?.workers.map((w) => w.name).sort()).toEqual(['cloudlink', 'netmon', 'orchestrator']);
    client.close();
  });

  it('sends heartbeats with the exact payload, carrying the host sampler’s real figures', async () => {
    type Metrics = { cpu_usage: number; memory_usage: number; memory_total: number; disk_usage: number; disk_total: number };
    // The first beats may go out before the first sample (zeros) or with the first CPU delta still 0.
    const beat = await waitFor(
      () => sim.heartbeats.at(-1),
      (b) => b !== undefined && (b.payload as Metrics).cpu_usage > 0 && (b.payload as Metrics).memory_usage > 0,
      { timeoutMs: 30_000, intervalMs: 250, what: 'a heartbeat with a CPU and memory sample' },
    );
    expect(beat?.valid).toBe(true);
    const m = beat?.payload as Metrics;
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1]);
    expect(m.memory_total).toBe(Math.round((memTotalKb * 1024 * 10) / 2 ** 30) / 10);
    expect(m.memory_usage).toBeLessThanOrEqual(m.memory_total);
    expect(m.cpu_usage).toBeLessThanOrEqual(100);
    expect(m.disk_total).toBeGreaterThan(0);
    expect(m.disk_usage).toBeGreaterThan(0);
    expect(m.disk_usage).toBeLessThanOrEqual(m.disk_total);
  });

  it('answers get_host_interfaces from netmon’s cache, including a NIC created after start', async () => {
    const late = createVethParent(run, 15, `${lanAddress(slot, 15, 254)}/24`);
    try {
      const ack = await waitFor(
        () => send('get_host_interfaces', { detailed: true }),
        (a) => Array.isArray(a.interfaces) && (a.interfaces as Array<{ name: string }>).some((i) => i.name === late.name),
        { timeoutMs: 15_000, intervalMs: 500, what: `${late.name} in get_host_interfaces` },
      );
      expect(ack.status).toBe('success');
      expect((ack.interfaces as Array<{ name: string; subnet?: string }>).find((i) => i.name === late.name)?.subnet).toBe(`${lanAddress(slot, 15, 0)}/24`);
    } finally {
      late.dispose();
    }
  });

  it('creates and deletes a vPLC from the cloud', async () => {
    const name = `vt-${run}-full`;
    const ack = await send('create_new_runtime', {
      container_name: name,
      vnic_configs: [{ name: 'lan', parent_interface: parent.name, network_mode: 'static', ip: lanAddress(slot, 14, 10), subnet: `${lanAddress(slot, 14, 0)}/24` }],
    });
    expect(ack).toMatchObject({ action: 'create_new_runtime', status: 'creating', container_id: name });
    const status = await waitFor(() => send('get_device_status', { device_id: name }), (s) => s.status !== 'creating', { timeoutMs: 60_000, intervalMs: 500, what: 'the create' });
    expect(status).toMatchObject({ status: 'success', is_running: true });
    expect(await send('delete_device', { device_id: name })).toMatchObject({ status: 'deleting' });
    await waitFor(() => send('get_device_status', { device_id: name }), (s) => s.status === 'not_found', { timeoutMs: 30_000, intervalMs: 500, what: 'not_found' });
  });
});
