// The warm NET_RAW host helper of ARP probes on a real engine (docker/warm-host-helper.ts): one container serves
// probe after probe, a probe while one runs and a helper that cannot serve fall back to a one-shot run, a timeout is
// not retried, and the helper exits (and Docker removes it) when idle, closed or stopped. Runtime: about 10 s.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine, type HelperResult } from '../../../electron/workers/orchestrator/docker/engine.js';
import { Label, ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import { HelperTimeout, type HelperOps } from '../../../electron/workers/orchestrator/docker/script-helper.js';
import { WarmHostHelper } from '../../../electron/workers/orchestrator/docker/warm-host-helper.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { waitFor } from '../../support/run.js';

requireDocker();

const instance = randomUUID();
/** Container steps as the engine wrapper gives them, counting the creates. */
let creates = 0;
const ops: HelperOps = {
  create: async (spec) => ((creates += 1), (await docker.createContainer(spec)).id),
  start: async (id) => void (await docker.getContainer(id).start()),
  remove: async (id) => void (await docker.getContainer(id).remove({ force: true }).catch(() => undefined)),
};
const labels = ownLabels(instance, 'helper', { vplc: 'vt-warm', parent: 'vt-warm-p' });

/** This test's helper containers, warm or one-shot: id, state and labels. */
async function helpers(): Promise<Array<{ id: string; state: string; labels: Record<string, string> }>> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${Label.instance}=${instance}`] } });
  return list.map((c) => ({ id: c.Id, state: c.State, labels: c.Labels }));
}

/** A one-shot stand-in that records its calls. */
function oneShotSpy(result: HelperResult = { exitCode: 0, stdout: 'one-shot\n', stderr: '' }): { calls: number; run: () => Promise<HelperResult> } {
  const spy = { calls: 0, run: async () => ((spy.calls += 1), result) };
  return spy;
}

afterAll(async () => {
  await removeByLabels({ instance });
});

describe('WarmHostHelper', () => {
  it('serves consecutive scripts from one container in the host network namespace, labelled only as a probe helper of the installation', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      const a = await warm.run(NETHELPER_IMAGE, 'echo one; exit 4', labels, 10_000, oneShot.run);
      const first = await helpers();
      const b = await warm.run(NETHELPER_IMAGE, 'cat /proc/net/dev | grep -c lo: ; echo "caps=$(grep CapEff /proc/self/status)"', labels, 10_000, oneShot.run);
      expect(a).toMatchObject({ exitCode: 4, stdout: 'one\n' });
      expect(b.exitCode).toBe(0);
      // NET_RAW only: bit 13.
      expect(b.stdout).toContain('caps=CapEff:\t0000000000002000');
      expect(oneShot.calls).toBe(0);
      expect(first).toHaveLength(1);
      expect(await helpers()).toEqual(first);
      // The labels given (the image brings its own), none of which names a vPLC, a parent or a vNIC.
      const image = (await docker.getImage(NETHELPER_IMAGE).inspect()).Config.Labels ?? {};
      const given = Object.fromEntries(Object.entries(first[0]?.labels ?? {}).filter(([k]) => !(k in image)));
      expect(given).toEqual(ownLabels(instance, 'probe-helper'));
      const inspect = await docker.getContainer(first[0]?.id ?? '').inspect();
      expect(inspect.HostConfig.NetworkMode).toBe('host');
      expect(inspect.HostConfig.AutoRemove).toBe(true);
    } finally {
      warm.close();
    }
    await waitFor(helpers, (h) => h.length === 0, { timeoutMs: 10_000, what: 'the closed helper to be removed' });
  });

  it('sends a script that comes while another runs to the one-shot runner', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      const slow = warm.run(NETHELPER_IMAGE, 'sleep 1; echo slow', labels, 10_000, oneShot.run);
      await waitFor(helpers, (h) => h.some((x) => x.state === 'running'), { timeoutMs: 10_000, what: 'the warm helper to run' });
      const meanwhile = await warm.run(NETHELPER_IMAGE, 'echo fast', labels, 10_000, oneShot.run);
      expect(meanwhile.stdout).toBe('one-shot\n');
      expect((await slow).stdout).toBe('slow\n');
      expect(oneShot.calls).toBe(1);
    } finally {
      warm.close();
    }
  });

  it('starts a new helper when the old one died, and falls back when the script kills it', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      await warm.run(NETHELPER_IMAGE, 'true', labels, 10_000, oneShot.run);
      const [old] = await helpers();
      await docker.getContainer(old?.id ?? '').kill();
      await waitFor(helpers, (h) => !h.some((x) => x.id === old?.id), { timeoutMs: 10_000, what: 'the killed helper to go' });
      const again = await warm.run(NETHELPER_IMAGE, 'echo again', labels, 10_000, oneShot.run);
      expect(again.stdout).toBe('again\n');
      expect(oneShot.calls).toBe(0);
      // The helper dies under a script: the marker never comes, so the script runs once more on a one-shot helper.
      const [second] = await helpers();
      const dying = warm.run(NETHELPER_IMAGE, 'sleep 5; echo late', labels, 10_000, oneShot.run);
      await new Promise((r) => setTimeout(r, 300));
      await docker.getContainer(second?.id ?? '').kill();
      expect((await dying).stdout).toBe('one-shot\n');
      expect(oneShot.calls).toBe(1);
    } finally {
      warm.close();
    }
  });

  it('keeps the stderr of each script apart from the next, and earlier output out of later results', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      const a = await warm.run(NETHELPER_IMAGE, 'echo out; echo err1 >&2; echo err2 >&2; exit 2', labels, 10_000, oneShot.run);
      expect(a).toEqual({ exitCode: 2, stdout: 'out\n', stderr: 'err1\nerr2\n' });
      const b = await warm.run(NETHELPER_IMAGE, 'echo clean', labels, 10_000, oneShot.run);
      expect(b).toEqual({ exitCode: 0, stdout: 'clean\n', stderr: '' });
      expect(oneShot.calls).toBe(0);
    } finally {
      warm.close();
    }
  });

  it('uses one-shot helpers, without trying again at every probe, when the warm helper cannot start', async () => {
    const warned: string[] = [];
    const warm = new WarmHostHelper(docker, ops, 30_000, (msg) => warned.push(msg));
    const oneShot = oneShotSpy();
    const before = creates;
    try {
      for (let i = 0; i < 3; i++) expect((await warm.run('vt-no-such-image:none', 'true', labels, 10_000, oneShot.run)).stdout).toBe('one-shot\n');
      expect(creates - before).toBe(1);
      expect(oneShot.calls).toBe(3);
      expect(warned).toEqual(['the warm ARP probe helper could not start; probes use one-shot helpers for a while']);
    } finally {
      warm.close();
    }
  });

  it('does not retry a script that timed out, and removes that helper', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      await expect(warm.run(NETHELPER_IMAGE, 'sleep 30', labels, 300, oneShot.run)).rejects.toBeInstanceOf(HelperTimeout);
      expect(oneShot.calls).toBe(0);
      await waitFor(helpers, (h) => h.length === 0, { timeoutMs: 10_000, what: 'the timed-out helper to be removed' });
    } finally {
      warm.close();
    }
  });

  it('exits when idle, and after close every script runs one-shot', async () => {
    const warm = new WarmHostHelper(docker, ops, 300);
    const oneShot = oneShotSpy();
    await warm.run(NETHELPER_IMAGE, 'true', labels, 10_000, oneShot.run);
    await waitFor(helpers, (h) => h.length === 0, { timeoutMs: 10_000, what: 'the idle helper to exit' });
    await warm.run(NETHELPER_IMAGE, 'true', labels, 10_000, oneShot.run);
    expect(oneShot.calls).toBe(0);
    warm.close();
    await waitFor(helpers, (h) => h.length === 0, { timeoutMs: 10_000, what: 'the closed helper to exit' });
    expect((await warm.run(NETHELPER_IMAGE, 'echo after', labels, 10_000, oneShot.run)).stdout).toBe('one-shot\n');
    expect(await helpers()).toEqual([]);
  });

  it('ends at once when the engine stops it (SIGTERM, as a shutdown sends), so it never holds a Docker restart up', async () => {
    const warm = new WarmHostHelper(docker, ops);
    const oneShot = oneShotSpy();
    try {
      await warm.run(NETHELPER_IMAGE, 'true', labels, 10_000, oneShot.run);
      const [helper] = await helpers();
      expect(helper?.state).toBe('running');
      const events = (await docker.getEvents({ filters: { container: [helper?.id ?? ''], event: ['die'] } })) as unknown as NodeJS.ReadableStream;
      const died = new Promise<string>((resolve) => events.once('data', (b: Buffer) => resolve(b.toString('utf8'))));
      // A shell left as PID 1 without a handler ignores SIGTERM: the stop would end in SIGKILL (137) after its 30 s.
      await docker.getContainer(helper?.id ?? '').stop({ t: 30 });
      const die = JSON.parse(await died) as { Actor: { Attributes: Record<string, string> } };
      (events as unknown as { destroy(): void }).destroy();
      expect(die.Actor.Attributes['exitCode']).toBe('143');
      expect(oneShot.calls).toBe(0);
    } finally {
      warm.close();
    }
  });

  it('Engine.runOnHost uses it for NET_RAW scripts only, when asked for', async () => {
    const engine = new Engine(docker, { warmHostHelperIdleMs: 30_000 });
    try {
      const r = await engine.runOnHost(NETHELPER_IMAGE, 'echo probe', labels, ['NET_RAW']);
      expect(r).toMatchObject({ exitCode: 0, stdout: 'probe\n' });
      expect(await helpers()).toHaveLength(1);
      // Other rights: a one-shot helper, removed before the call returns.
      const other = await engine.runOnHost(NETHELPER_IMAGE, 'echo admin', labels, ['NET_ADMIN']);
      expect(other.stdout).toBe('admin\n');
      expect(await helpers()).toHaveLength(1);
    } finally {
      engine.close();
    }
    await waitFor(helpers, (h) => h.length === 0, { timeoutMs: 10_000, what: 'the warm helper to exit' });
  });
});
