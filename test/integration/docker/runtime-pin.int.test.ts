// The runtime TLS pin belongs to a container (docs/decisions.md "Runtime TLS"). The stand-in runtime makes a new certificate
// for every new container, as the real one does; every recreate by the agent (reconcile after `docker rm -f`, an
// auto-update, its rollback) must leave the vPLC reachable by run_command, while a restart of the same container keeps
// its certificate and its pin. Runtime: about 40-60 s (a local registry, five containers one after the other).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeCertPin } from '../../../electron/workers/orchestrator/store/schemas.js';
import { docker } from '../../support/docker.js';
import type { OrchestratorFixture } from '../../support/orchestrator.js';
import { openUpdatingVplc, sh, type UpdateFixture } from '../../support/update-fixture.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const name = `vt-${run}-pin`;
let u: UpdateFixture;
let fx: OrchestratorFixture;
const publish = (variant: string): void => void u.publish(variant);
const containerId = async (): Promise<string> => (await docker.getContainer(name).inspect()).Id;
const pin = (): RuntimeCertPin | undefined => fx.orch.desiredRecord(name)?.runtime_cert_pin;

/** run_command over HTTPS 8443 (pinned TLS) answers. */
async function reachable(): Promise<void> {
  const res = await fx.orch.runCommand({ device_id: name, method: 'GET', api: '/json' });
  expect(res).toMatchObject({ status: 'success', http_response: { status_code: 200, body: { result: 'ok' } } });
}

/** The pin is the current container's, and differs from every earlier one. */
async function pinnedForCurrentContainer(earlier: string[]): Promise<string> {
  const p = pin();
  expect(p?.container_id).toBe(await containerId());
  expect(earlier).not.toContain(p?.spki_sha256);
  return p?.spki_sha256 ?? '';
}

beforeAll(async () => {
  u = await openUpdatingVplc(run, name);
  ({ fx } = u);
});

afterAll(async () => {
  await u?.dispose();
});

describe('runtime TLS pin across recreates', () => {
  const seen: string[] = [];

  it('pins the first container at create and answers run_command', async () => {
    await reachable();
    seen.push(await pinnedForCurrentContainer([]));
  });

  it('keeps the pin across a restart of the same container (same certificate)', async () => {
    const before = pin();
    sh('restart', '--time', '5', name);
    await expect.poll(() => fx.orch.runCommand({ device_id: name, method: 'GET', api: '/json' }), { timeout: 20_000, interval: 300 }).toMatchObject({ status: 'success' });
    expect(pin()).toEqual(before);
  });

  it('reaches the vPLC after the reconcile loop recreated it (docker rm -f)', async () => {
    sh('rm', '-f', name);
    const r = await fx.orch.reconcileOnce();
    expect(r?.actions.map((a) => [a.kind, a.result])).toEqual([['create', 'done']]);
    await reachable();
    seen.push(await pinnedForCurrentContainer(seen));
  });

  it('reaches the vPLC after an auto-update recreated it with the new image', async () => {
    publish('v2');
    expect(await fx.orch.checkUpdate(name)).toMatchObject({ result: 'pulled' });
    await fx.orch.applyPendingChanges(name, 'ui');
    const r = await fx.orch.reconcileOnce();
    expect(r?.actions.map((a) => [a.kind, a.result])).toEqual([['update', 'done']]);
    await reachable();
    seen.push(await pinnedForCurrentContainer(seen));
  });

  it('reaches the vPLC after a failed update was rolled back (two more containers)', async () => {
    publish('nolisten');
    expect(await fx.orch.checkUpdate(name)).toMatchObject({ result: 'pulled' });
    await fx.orch.applyPendingChanges(name, 'ui');
    const r = await fx.orch.reconcileOnce();
    expect(r?.actions).toEqual([expect.objectContaining({ kind: 'update', result: 'failed', detail: expect.stringContaining('rolled back to the previous image') })]);
    expect(await fx.orch.status(name)).toMatchObject({ status: 'success', is_running: true });
    await reachable();
    seen.push(await pinnedForCurrentContainer(seen));
  });

  it('keeps the pin and reaches the vPLC after an agent restart adopts the container', async () => {
    const before = pin();
    const again = await fx.reopen();
    expect(again.desiredRecord(name)?.runtime_cert_pin).toEqual(before);
    expect(await again.runCommand({ device_id: name, method: 'GET', api: '/json' })).toMatchObject({ status: 'success' });
  });
});
