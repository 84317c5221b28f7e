// The one Docker writer on a real engine: a plan of steps runs in order and each step is logged with its vPLC, who
// asked and why; a tolerated 404 counts as done, any other failure rejects and ends the plan. Runtime: a few seconds.
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Logger } from '../../../electron/workers/orchestrator/context.js';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { isNotFound } from '../../../electron/workers/orchestrator/docker/errors.js';
import { ownLabels } from '../../../electron/workers/orchestrator/docker/labels.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import { docker, NETHELPER_IMAGE, removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { newRunId } from '../../support/run.js';

requireDocker();

const run = newRunId();
const instance = randomUUID();
const vplc = `vt-${run}-exec`;
type Line = { level: string; msg: string; data: Record<string, unknown> };
const lines: Line[] = [];
const at = (level: string): Logger[keyof Logger] => (msg, data = {}) => void lines.push({ level, msg, data });
const log: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
const exec = new Executor(new Engine(), log);
const about = { vplc, by: 'cli', reason: 'executor test' } as const;

afterAll(async () => {
  await removeByLabels({ instance });
});

describe('Executor', () => {
  it('runs a plan in order through the engine and logs every step with its vPLC, requester and reason', async () => {
    const id = await exec.run({ kind: 'create-container', ...about, options: { name: vplc, Image: NETHELPER_IMAGE, Cmd: ['sleep', '60'], Labels: ownLabels(instance, 'vplc', { vplc }) } });
    await exec.plan([
      { kind: 'start', container: id, ...about },
      { kind: 'update', container: id, restartPolicy: 'no', ...about },
    ]);
    expect((await docker.getContainer(id).inspect()).State.Running).toBe(true);
    await exec.plan([
      { kind: 'stop', container: id, timeoutSec: 1, ...about },
      { kind: 'remove', container: id, ...about },
    ]);
    await expect(docker.getContainer(id).inspect()).rejects.toSatisfy(isNotFound);
    const steps = lines.filter((l) => l.msg === 'docker step');
    expect(steps.map((l) => l.data['step'])).toEqual(['create-container', 'start', 'update', 'stop', 'remove']);
    for (const l of steps) expect(l.data).toMatchObject({ vplc, by: 'cli', reason: 'executor test' });
  });

  it('counts a tolerated 404 as done, and rejects and logs any other failure, ending the plan there', async () => {
    const gone = `vt-${run}-gone`;
    await exec.run({ kind: 'remove', container: gone, ...about, tolerate: ['not-found'] });
    lines.length = 0;
    const made = `vt-${run}-never`;
    const plan = exec.plan([
      { kind: 'stop', container: gone, timeoutSec: 1, ...about },
      { kind: 'create-container', ...about, options: { name: made, Image: NETHELPER_IMAGE, Labels: ownLabels(instance, 'vplc', { vplc: made }) } },
    ]);
    await expect(plan).rejects.toSatisfy(isNotFound);
    expect(lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.data['step'], l.data['vplc']])).toEqual([['docker step failed', 'stop', vplc]]);
    await expect(docker.getContainer(made).inspect()).rejects.toSatisfy(isNotFound);
  });
});
