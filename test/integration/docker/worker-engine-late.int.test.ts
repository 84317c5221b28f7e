// An orchestrator worker that starts before Docker answers keeps the discovery the bus replays to it while it waits,
// so boot sync sees the network ready as soon as the engine answers instead of waiting the fallback delay. "Docker
// appears" as a unix socket, missing at the worker's start, that then forwards to the real engine.
// Runtime: about 15-25 s on 2 cores (one stand-in vPLC created, stopped, started again by boot sync).
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NetmonEvent } from '../../../shared/netmon/events.js';
import { Orchestrator } from '../../../electron/workers/orchestrator/orchestrator.js';
import { OrchestratorWorker } from '../../../electron/workers/orchestrator/worker.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { testSettings } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { newRunId, waitFor } from '../../support/run.js';

requireDocker();
requireRoot();

const run = newRunId();
const name = `vt-${run}-late`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-late-'));
const dataDir = path.join(dir, 'data');
const socketPath = path.join(dir, 'docker.sock');
let installation = '';

/** A socket at `socketPath` forwarding every connection to the host's engine. */
function engineAppears(): Promise<Server> {
  const server = createServer((client) => {
    const upstream = createConnection('/var/run/docker.sock');
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  });
  return new Promise((resolve, reject) => server.once('error', reject).listen(socketPath, () => resolve(server)));
}

const discovery: NetmonEvent = {
  type: 'network_discovery',
  data: { timestamp: new Date().toISOString(), interfaces: [{ interface: `vt${run}x`, index: 999_999, operstate: 'UP', type: 'ethernet', ipv4_addresses: [], gateway: null, timestamp: new Date().toISOString() }] },
};

beforeAll(async () => {
  // A vPLC that should run but is stopped while no orchestrator watches: boot sync is what starts it again.
  const orch = await Orchestrator.open({ settings: testSettings(dataDir) });
  installation = orch.installationId;
  expect((await orch.create({ name, runtimeVersion: 'latest', vnics: [] }, 'cli')).status).toBe('creating');
  await orch.settled(name);
  await orch.close({ graceMs: 5_000 });
  await docker.getContainer(name).stop({ t: 1 });
  expect((await docker.getContainer(name).inspect()).State.Running).toBe(false);
}, 120_000);

afterAll(async () => {
  if (installation) await removeByLabels({ instance: installation });
  rmSync(dir, { recursive: true, force: true });
});

describe('an orchestrator worker started before the engine answers', () => {
  it('takes the replayed discovery while it waits, and boot sync runs as soon as the engine answers', async () => {
    const previous = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = `unix://${socketPath}`;
    const worker = new OrchestratorWorker();
    const note = (): void => undefined;
    const failures: unknown[] = [];
    const api = { emit: () => undefined, request: () => Promise.reject(new Error('no bus here')), log: { debug: note, info: note, warn: note, error: note }, fail: (err: unknown) => void failures.push(err) };
    let server: Server | undefined;
    try {
      // The fallback is far beyond this test's deadline: only the discovery can make the network ready in time.
      await worker.start({ settings: testSettings(dataDir, { networkReadyFallbackMs: 600_000 }), sampleUsage: false }, api);
      await expect(worker.handle('vplc.list', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(worker.handle('netmon.event', discovery)).resolves.toBeNull();
      // A settling hint has nothing to get ready yet; a malformed one is refused by its contract.
      await expect(worker.handle('netmon.settling', { interface: 'ens37' })).resolves.toBeNull();
      await expect(worker.handle('netmon.settling', { interface: '' })).rejects.toMatchObject({ code: 'VALIDATION' });
      server = await engineAppears();
      await waitFor(() => docker.getContainer(name).inspect(), (i) => i.State.Running, { timeoutMs: 30_000, intervalMs: 500, what: 'boot sync starting the vPLC' });
      expect(((await worker.handle('agent.info', {})) as { installationId: string }).installationId).toBe(installation);
      expect(failures).toEqual([]);
    } finally {
      await worker.stop(2_000);
      if (previous === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = previous;
      await new Promise((r) => server ? server.close(r) : r(undefined));
    }
  }, 90_000);
});
