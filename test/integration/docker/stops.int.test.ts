// Clean PLC stops on a real dockerd: vPLCs run under Docker's init, so SIGTERM reaches a runtime whose own PID 1 would
// ignore it (the stand-in, like the real runtime); a runtime that ignores it anyway is killed after the stop timeout
// (a setting) and the stop says so.
// Runtime: about 25 s on 2 cores (two vPLCs, one stop that waits out a 2 s timeout).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VplcSpec } from '../../../shared/domain/vplc.js';
import type { Logger } from '../../../electron/workers/orchestrator/context.js';
import { docker, removeByLabels } from '../../support/docker.js';
import { openOrchestrator, type OrchestratorFixture } from '../../support/orchestrator.js';
import { requireDocker, requireRoot } from '../../support/require.js';
import { lanAddress, lanSubnet, newRunId, workerSlot } from '../../support/run.js';
import { createVethParent, type VethParent } from '../../support/veth.js';

requireDocker();
requireRoot();

const LAN = 11;
const STOP_TIMEOUT_SEC = 2;
const run = newRunId();
const slot = workerSlot();
let parent: VethParent;
let fx: OrchestratorFixture;
const lines: Array<{ level: string; msg: string; data?: Record<string, unknown> }> = [];

const record =
  (level: string) =>
  (msg: string, data?: Record<string, unknown>): void =>
    void lines.push({ level, msg, ...(data ? { data } : {}) });
const log: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };

const spec = (name: string, host: number, version: string): VplcSpec => ({
  name,
  runtimeVersion: version,
  vnics: [{ name: 'lan', parentInterface: parent.name, mode: 'static', ip: lanAddress(slot, LAN, host), subnet: lanSubnet(slot, LAN), dns: [] }],
});

async function created(name: string, host: number, version: string): Promise<void> {
  expect((await fx.orch.create(spec(name, host, version), 'cli')).status).toBe('creating');
  await fx.orch.settled(name);
  expect((await docker.getContainer(name).inspect()).State.Running).toBe(true);
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, seconds: (performance.now() - started) / 1000 };
}

const exitCode = async (name: string): Promise<number> => (await docker.getContainer(name).inspect()).State.ExitCode;

beforeAll(async () => {
  parent = createVethParent(run, LAN, `${lanAddress(slot, LAN, 254)}/24`);
  fx = await openOrchestrator({ stopTimeoutSec: STOP_TIMEOUT_SEC }, { log });
});

afterAll(async () => {
  await removeByLabels({ run });
  await fx?.dispose();
  parent?.dispose();
});

describe('clean PLC stops', () => {
  it('stops a runtime whose PID 1 ignores SIGTERM quickly through the init: exit 143, reported as clean', async () => {
    const name = `vt-${run}-clean`;
    await created(name, 10, 'latest');
    expect((await docker.getContainer(name).inspect()).HostConfig.Init).toBe(true);

    const stop = await timed(() => fx.orch.stop(name, 'ui'));
    console.log(`vPLC stop under init: ${stop.seconds.toFixed(2)} s, exit ${await exitCode(name)}; ack: ${JSON.stringify(stop.value)}`);

    expect(stop.value).toMatchObject({ status: 'success', container_status: 'exited', message: expect.stringMatching(new RegExp(`^Container ${name} stopped cleanly in \\d+\\.\\d\\d s$`)) });
    expect(await exitCode(name)).toBe(143);
    // Without the init the stand-in ignores SIGTERM and the stop lasts the whole timeout.
    expect(stop.seconds).toBeLessThan(STOP_TIMEOUT_SEC);
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^vPLC stopped cleanly in /), data: expect.objectContaining({ vplc: name, exitCode: 143 }) }));
  });

  it('says a stop of a stopped vPLC found it stopped, and a restart carries how the stop went', async () => {
    const name = `vt-${run}-clean`;
    expect(await fx.orch.stop(name, 'ui')).toMatchObject({ status: 'success', message: `Container ${name} was already stopped` });
    expect(await fx.orch.start(name, 'ui')).toMatchObject({ status: 'success', container_status: 'running' });

    const restart = await timed(() => fx.orch.restart(name, 'cli'));
    console.log(`vPLC restart under init: ${restart.seconds.toFixed(2)} s; ack: ${JSON.stringify(restart.value)}`);

    expect(restart.value).toMatchObject({ status: 'success', container_status: 'running', message: expect.stringMatching(new RegExp(`^Container ${name} restarted \\(stopped cleanly in \\d+\\.\\d\\d s\\)$`)) });
  });

  it('kills a runtime that ignores SIGTERM even under the init after the stop timeout, and reports the kill', async () => {
    const name = `vt-${run}-stubborn`;
    await created(name, 11, 'stubborn');

    const stop = await timed(() => fx.orch.stop(name, 'cloud'));
    console.log(`stubborn vPLC stop (timeout ${STOP_TIMEOUT_SEC} s): ${stop.seconds.toFixed(2)} s, exit ${await exitCode(name)}; ack: ${JSON.stringify(stop.value)}`);

    expect(stop.value).toMatchObject({
      status: 'success',
      container_status: 'exited',
      message: `Container ${name} stopped by kill after ${STOP_TIMEOUT_SEC} s (the runtime did not shut down in time)`,
    });
    expect(await exitCode(name)).toBe(137);
    expect(stop.seconds).toBeGreaterThanOrEqual(STOP_TIMEOUT_SEC);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 'warn', msg: `vPLC stopped by kill after ${STOP_TIMEOUT_SEC} s (the runtime did not shut down in time)`, data: expect.objectContaining({ vplc: name, exitCode: 137 }) }),
    );
  });

  it('uses the stop timeout for a delete too, and logs the kill', async () => {
    const name = `vt-${run}-stubborn`;
    expect(await fx.orch.start(name, 'ui')).toMatchObject({ status: 'success', container_status: 'running' });
    lines.length = 0;

    expect((await fx.orch.delete(name, 'cli')).status).toBe('deleting');
    await fx.orch.settled(name);

    await expect(docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect(lines).toContainEqual(expect.objectContaining({ level: 'warn', msg: expect.stringMatching(/^vPLC stopped by kill after 2 s/), data: expect.objectContaining({ vplc: name, by: 'cli', reason: 'delete' }) }));
  });
});
