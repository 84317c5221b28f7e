// EXTEND auto_update against a real registry (Debian's docker-registry on loopback): a new digest of the runtime tag
// is pulled but not applied to the running vPLC until the change is confirmed; then it is applied; a later update whose
// runtime never answers is rolled back automatically to the image that ran before; a good update after that prunes the
// rollback image no vPLC needs any more, and nothing else. Runtime: about 40-60 s.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, STANDIN_REPO } from '../../support/docker.js';
import type { OrchestratorFixture } from '../../support/orchestrator.js';
import { openUpdatingVplc, sh, type UpdateFixture } from '../../support/update-fixture.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-upd`;
let u: UpdateFixture;
let repo = '';
let fx: OrchestratorFixture;
const imageId = (ref: string): string => sh('image', 'inspect', '--format', '{{.Id}}', ref);
const publish = (variant: string): string => u.publish(variant);
const runningImage = async (): Promise<string> => (await docker.getContainer(name).inspect()).Image;
const rollbackTags = (): string[] => sh('image', 'ls', '--format', '{{.Repository}}:{{.Tag}}', repo).split('\n').filter((t) => t.includes(':vplc-rollback-')).sort();

beforeAll(async () => {
  u = await openUpdatingVplc(run, name);
  ({ repo, fx } = u);
});

afterAll(async () => {
  await u?.dispose();
});

describe('runtime image updates', () => {
  const ids = { latest: '', v2: '', broken: '', burn: '' };

  it('finds nothing to do while the registry digest is the one running', async () => {
    ids.latest = await runningImage();
    expect(await fx.orch.checkUpdate(name)).toEqual({ vplc: name, result: 'up-to-date' });
  });

  it('pulls a new digest but leaves the running vPLC alone until the change is confirmed', async () => {
    ids.v2 = publish('v2');
    expect(await fx.orch.checkUpdate(name)).toMatchObject({ result: 'pulled' });
    const r = await fx.orch.reconcileOnce();
    expect(r?.actions).toEqual([]);
    expect(r?.pending).toEqual([{ vplc: name, reason: expect.stringContaining('waits for the change window') }]);
    expect(await runningImage()).toBe(ids.latest);
    const status = await fx.orch.status(name);
    expect((status.orchestrator_state as { warnings: string[] }).warnings).toContainEqual(expect.stringContaining("is ready; it is applied in the vPLC's change window"));

    await fx.orch.applyPendingChanges(name, 'ui');
    const applied = await fx.orch.reconcileOnce();
    expect(applied?.actions.map((a) => [a.kind, a.result])).toEqual([['update', 'done']]);
    expect(await runningImage()).toBe(ids.v2);
    expect(fx.orch.desiredRecord(name)?.image_update).toMatchObject({ phase: 'applied', from_image: ids.latest, to_image: ids.v2 });
    expect(rollbackTags()).toEqual([`${repo}:vplc-rollback-${ids.latest.slice(7, 19)}`]);
  });

  it('rolls back automatically when the new runtime never answers', async () => {
    ids.broken = publish('nolisten');
    expect(await fx.orch.checkUpdate(name)).toMatchObject({ result: 'pulled' });
    await fx.orch.applyPendingChanges(name, 'ui');
    const r = await fx.orch.reconcileOnce();
    expect(r?.actions).toEqual([expect.objectContaining({ kind: 'update', result: 'failed', detail: expect.stringContaining('rolled back to the previous image') })]);
    expect(await runningImage()).toBe(ids.v2);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    expect(fx.orch.desiredRecord(name)?.image_update).toMatchObject({ phase: 'rolled-back' });
    // The same digest is not tried again.
    expect(await fx.orch.checkUpdate(name)).toEqual({ vplc: name, result: 'already-known' });
  });

  it('prunes rollback images no vPLC needs after the next good update, and nothing else', async () => {
    ids.burn = publish('burn');
    expect(await fx.orch.checkUpdate(name)).toMatchObject({ result: 'pulled' });
    await fx.orch.applyPendingChanges(name, 'ui');
    expect((await fx.orch.reconcileOnce())?.actions.map((a) => a.result)).toEqual(['done']);
    expect(await runningImage()).toBe(ids.burn);
    expect(rollbackTags()).toEqual([`${repo}:vplc-rollback-${ids.v2.slice(7, 19)}`]);
    // Never another image: the stand-in images these were made from are all still there.
    for (const v of ['latest', 'v2', 'nolisten', 'burn']) expect(imageId(`${STANDIN_REPO}:${v}`)).toMatch(/^sha256:/);
  });
});
