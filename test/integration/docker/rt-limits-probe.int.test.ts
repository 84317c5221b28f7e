// Issue 19: creates in flight on a host that refuses the real-time ulimits learn it from one probe container without
// a network, so no vPLC start fails while holding a MACVLAN endpoint (that churn, beside the other vPLCs joining the
// same network, made Docker's endpoint count drift, and the parent's network could not be removed at the next move).
// On a host that allows the ulimits every vPLC keeps them and nothing fails either.
// Runtime: about 20-40 s on 2 cores (five stand-in runtimes created together).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../electron/workers/orchestrator/context.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, newRunId, TEST_LABEL, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const N = 5;
const names = Array.from({ length: N }, (_, i) => `vt-${run}-rt${i}`);
const lines: Array<{ level: string; msg: string; data: Record<string, unknown> }> = [];
const keep = (level: string) => (msg: string, data?: Record<string, unknown>): void => void lines.push({ level, msg, data: data ?? {} });
const log: Logger = { debug: keep('debug'), info: keep('info'), warn: keep('warn'), error: keep('error') };
let parent: VethParent;
let fx: OrchestratorFixture;
/** Whether this engine refuses the ulimits, asked of Docker directly (not of the code under test). */
let hostRefuses = false;

beforeAll(async () => {
  const c = await docker.createContainer({ Image: NETHELPER_IMAGE, Cmd: ['true'], Labels: { [TEST_LABEL]: run }, HostConfig: { NetworkMode: 'none', Ulimits: [{ Name: 'rtprio', Soft: 99, Hard: 99 }] } });
  hostRefuses = await c.start().then(() => false, (err: unknown) => /rlimit/i.test(String(err)));
  await c.remove({ force: true });
  parent = createVethParent(run, 7, `${lanAddress(slot, 7, 254)}/24`);
  fx = await openOrchestrator({}, { log });
  for (const [i, name] of names.entries()) {
    const ack = await fx.orch.create({ name, runtimeVersion: 'latest', vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, 7, 10 + i), dns: [] }] }, 'cli');
    expect(ack.status).toBe('creating');
  }
  await fx.orch.settled();
}, 120_000);

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
});

describe('real-time ulimits learnt before concurrent creates start', () => {
  it('starts every vPLC at its first start: none fails and is recreated', async () => {
    const failedStarts = lines.filter((l) => l.msg === 'docker step failed' && l.data.step === 'start' && names.includes(String(l.data.vplc)));
    expect(failedStarts).toEqual([]);
    expect(lines.filter((l) => /recreating the vPLC without them/.test(l.msg))).toEqual([]);
    for (const name of names) expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
  });

  it('gives every vPLC the same ulimits: all with them, or all without where the engine refuses them', async () => {
    for (const name of names) {
      const info = await docker.getContainer(name).inspect();
      expect(info.HostConfig.Ulimits ?? [], name).toEqual(hostRefuses ? [] : [{ Name: 'rtprio', Soft: 99, Hard: 99 }, { Name: 'memlock', Soft: -1, Hard: -1 }]);
    }
  });
});
