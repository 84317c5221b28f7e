// A requested MAC that cannot be set is never a silent success: with no busybox to build the helper image from, the
// vNIC is reported not verified (with the reason) and retried with backoff; once the cause is removed (a busybox
// appears where the agent looks for one), the next retry builds the image and puts the requested MAC on the wire.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import { docker, wireLinks } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, waitFor, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const run = newRunId();
const slot = workerSlot();
const name = `vt-${run}-macretry`;
const dir = mkdtempSync(path.join(tmpdir(), 'vplc-bb-'));
const busybox = path.join(dir, 'busybox');
// A MAC of our own on the second vNIC: below API 1.44 only the helper can put it there.
const requested = '02:5a:00:00:4e:21';
let a: VethParent;
let b: VethParent;
let fx: OrchestratorFixture;

const warningsOf = async (): Promise<string[]> => (((await fx.orch.status(name)).orchestrator_state as { warnings?: string[] } | undefined)?.warnings ?? []);

beforeAll(async () => {
  a = createVethParent(run, 9, `${lanAddress(slot, 9, 254)}/24`);
  b = createVethParent(run, 10, `${lanAddress(slot, 10, 254)}/24`);
  fx = await openOrchestrator({ busyboxPaths: [busybox], arpProbeMs: 0 }, {});
}, 60_000);

afterAll(async () => {
  await fx?.dispose();
  a?.dispose();
  b?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a requested MAC the helper cannot set yet', () => {
  it('is reported with the reason and retried until the cause is gone, then is on the wire', async () => {
    const spec: VplcSpec = {
      name,
      runtimeVersion: 'latest',
      vnics: [
        { name: 'lan', parentInterface: a.name, mode: 'static', ip: lanAddress(slot, 9, 40), subnet: lanSubnet(slot, 9), dns: [] },
        { name: 'field', parentInterface: b.name, mode: 'static', ip: lanAddress(slot, 10, 40), subnet: lanSubnet(slot, 10), dns: [], mac: requested },
      ],
    };
    expect((await fx.orch.create(spec, 'cli')).status).toBe('creating');
    await fx.orch.settled(name);
    const warned = await waitFor(warningsOf, (w) => w.some((x) => x.startsWith('MACs could not be verified on the wire: no static busybox found')), { timeoutMs: 30_000, what: 'the MAC warning' });
    expect(warned.find((x) => x.startsWith('MACs could not be verified'))).toMatch(/install the busybox-static package\)?; retrying$/);

    // The cause goes away: the next retry builds the helper image and sets the MAC, and the warning goes.
    copyFileSync('/bin/busybox', busybox);
    await waitFor(warningsOf, (w) => !w.some((x) => x.startsWith('MAC')), { timeoutMs: 60_000, intervalMs: 500, what: 'the MAC warning to clear after a retry' });
    const id = (await docker.getContainer(name).inspect()).Id;
    const links = await wireLinks(id, run);
    expect(links.map((l) => l.mac)).toContain(requested);
    expect(links.find((l) => l.mac === requested)?.ipv4).toEqual([lanAddress(slot, 10, 40)]);
  });
});
