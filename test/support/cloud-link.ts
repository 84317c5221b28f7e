import path from 'node:path';
import type { HeartbeatMetrics } from '../../shared/cloud/heartbeat.js';
import { storeCredentials } from '../../electron/lib/certs/store.js';
import { startCloudLink, type CloudLinkHandle, type StartCloudLinkOptions } from '../../electron/workers/cloudlink/start.js';
import { orchestratorTarget } from '../../electron/workers/orchestrator/cloud/adapter.js';
import type { Orchestrator } from '../../electron/workers/orchestrator/orchestrator.js';
import { CloudSim } from '../cloud-sim/sim.js';
import { createPkiSet, type tempDir } from './pki.js';

/**
 * The cloud link bound in-process to a real orchestrator, as the agent binds it across its workers: the adapter
 * executes topics, the orchestrator's debug bridge answers WebRTC sessions (unless `debug` replaces it), the usage
 * sampler feeds the heartbeat, and self-destruct retires the credentials.
 */
export async function startInProcessLink(
  orch: Orchestrator,
  opts: Omit<StartCloudLinkOptions, 'target' | 'heartbeat'> & { allowRemoteRemoval?: () => boolean },
): Promise<CloudLinkHandle> {
  let latest: HeartbeatMetrics | null = null;
  try {
    orch.onHostSample((s) => {
      latest = { cpu_usage: s.cpu_usage, memory_usage: s.memory_usage, memory_total: s.memory_total, disk_usage: s.disk_usage, disk_total: s.disk_total };
    });
  } catch {
    // Sampling not started: heartbeats carry zeros, which the tests that care avoid by starting the lifecycle first.
  }
  const holder: { handle?: CloudLinkHandle } = {};
  const target = orchestratorTarget({
    orchestrator: orch,
    interfaces: { list: () => orch.hostInterfaces() },
    allowRemoteRemoval: opts.allowRemoteRemoval ?? (() => true),
    removeSelf: async () => {
      await holder.handle?.retire();
    },
  });
  const { allowRemoteRemoval: _ignored, ...rest } = opts;
  holder.handle = await startCloudLink({
    debug: orch.debug,
    ...rest,
    target,
    heartbeat: { latest: () => latest, uptimeSeconds: () => process.uptime() },
    runCommandTimeoutMs: orch.settings.runCommand.timeoutMs,
  });
  return holder.handle;
}

export type SimCloud = { sim: CloudSim; mtlsDir: string; caFile: string };

/** The cloud simulator with a fresh PKI (`serial` is the client's), the client's credentials in `<tmp>/mtls`, the CA in `<tmp>/ca.crt`. */
export async function startSimCloud(tmp: ReturnType<typeof tempDir>, serial: string): Promise<SimCloud> {
  const pki = await createPkiSet(serial);
  const sim = await CloudSim.start({ ca: pki.ca, server: pki.server });
  const mtlsDir = path.join(tmp.dir, 'mtls');
  await storeCredentials(mtlsDir, pki.client.key, pki.client.cert);
  return { sim, mtlsDir, caFile: tmp.write('ca.crt', pki.ca.cert) };
}

const QUIET = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

/** `startInProcessLink` to the simulator, logging nothing; resolves once the simulator has the connection. */
export async function linkToSim(
  orch: Orchestrator,
  cloud: SimCloud,
  opts: Pick<StartCloudLinkOptions, 'timing' | 'debug' | 'webrtc' | 'peerFactory'> & { allowRemoteRemoval?: () => boolean },
): Promise<CloudLinkHandle> {
  const handle = await startInProcessLink(orch, { mtlsDir: cloud.mtlsDir, cloudUrl: cloud.sim.url, caFile: cloud.caFile, log: QUIET, ...opts });
  await cloud.sim.waitForConnection();
  return handle;
}
