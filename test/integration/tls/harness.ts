/** Shared setup of the TLS suites: credentials in a mkdtemp mTLS dir and a link (fast test timings) against a simulator. */
import path from 'node:path';
import { storeCredentials } from '../../../electron/lib/certs/store.js';
import { CloudLink } from '../../../electron/workers/cloudlink/link.js';
import { CommandRouter } from '../../../electron/workers/cloudlink/router.js';
import type { CloudCommandTarget, LinkTiming, Logger } from '../../../electron/workers/cloudlink/types.js';
import { silentLogger } from '../../../electron/workers/cloudlink/types.js';
import type { Pem } from '../../support/pki.js';
import { tempDir } from '../../support/pki.js';

/** Linking-window retry and backoff shortened so refusals and cuts take milliseconds. */
export const FAST_TIMING: Partial<LinkTiming> = {
  firstConnectRetryMs: 100,
  backoffBaseMs: 20,
  backoffCapMs: 200,
  backoffFloorMs: 20,
  connectTimeoutMs: 5_000,
  heartbeatMs: 5_000,
  certPollMs: 1_000,
  drainMs: 2_000,
};

export const echoTarget: CloudCommandTarget = { execute: (topic, request) => Promise.resolve({ status: 'success', topic, request }) };

export interface LinkFixture {
  link: CloudLink;
  router: CommandRouter;
  mtlsDir: string;
  dispose(): Promise<void>;
}

export async function startLink(opts: {
  url: string;
  trust: string[];
  client: Pem | null;
  target?: CloudCommandTarget;
  timing?: Partial<LinkTiming>;
  log?: Logger;
}): Promise<LinkFixture> {
  const tmp = tempDir('vplc-link-');
  const mtlsDir = path.join(tmp.dir, 'mtls');
  if (opts.client) await storeCredentials(mtlsDir, opts.client.key, opts.client.cert);
  const log = opts.log ?? silentLogger;
  const router = new CommandRouter({ target: opts.target ?? echoTarget, log });
  const link = new CloudLink({
    url: opts.url,
    mtlsDir,
    trust: opts.trust,
    router,
    heartbeat: { latest: () => ({ cpu_usage: 1.5, memory_usage: 2.5, memory_total: 16, disk_usage: 45.8, disk_total: 500 }), uptimeSeconds: () => 42 },
    log,
    timing: { ...FAST_TIMING, ...opts.timing },
  });
  await link.start();
  return {
    link,
    router,
    mtlsDir,
    dispose: async () => {
      await link.close();
      tmp.dispose();
    },
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
