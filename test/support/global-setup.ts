import Docker from 'dockerode';
import { ensureTestImages } from '../images/build.js';
import { requireDocker } from './require.js';
import { TEST_LABEL } from './run.js';

const HOUR_S = 3600;

/** Removes test-labelled containers and networks left by crashed runs more than an hour ago. */
async function sweepLeftovers(docker: Docker): Promise<void> {
  const cutoff = Date.now() / 1000 - HOUR_S;
  for (const c of await docker.listContainers({ all: true, filters: { label: [TEST_LABEL] } })) {
    if (c.Created < cutoff) await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
  }
  for (const n of await docker.listNetworks({ filters: { label: [TEST_LABEL] } })) {
    if (Date.parse(n.Created ?? '') / 1000 < cutoff) await docker.getNetwork(n.Id).remove().catch(() => undefined);
  }
}

export default async function setup(): Promise<void> {
  requireDocker();
  await ensureTestImages();
  await sweepLeftovers(new Docker());
}
