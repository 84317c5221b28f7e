import { PassThrough, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { ScriptHelper, type HelperOps } from '../../../../../../electron/workers/orchestrator/docker/script-helper.js';

/**
 * When `discard` removes a helper by id: only when its attach stream ended before anyone closed stdin (the engine went
 * away with the container still running), once, whatever closed it meanwhile. The protocol itself runs on the real
 * engine in test/integration/docker/wire-helper.int.test.ts.
 */
function rig(): { helper: ScriptHelper; stream: PassThrough; removed: string[] } {
  const removed: string[] = [];
  const ops: HelperOps = {
    create: () => Promise.reject(new Error('not used')),
    start: () => Promise.reject(new Error('not used')),
    remove: (id, reason) => {
      removed.push(`${id}: ${reason}`);
      return Promise.resolve();
    },
  };
  const stream = new PassThrough();
  const docker = { modem: { demuxStream: () => undefined } } as unknown as Docker;
  return { helper: new ScriptHelper(docker, ops, 'c1', stream as unknown as Duplex, 'MAC helper'), stream, removed };
}

const ended = (stream: PassThrough): Promise<void> =>
  new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });

describe('ScriptHelper.discard', () => {
  it('removes a helper whose stream was lost, also when a failed script closed it first, and only once', async () => {
    const { helper, stream, removed } = rig();
    await ended(stream);
    expect(helper.ended).toBe(true);
    await expect(helper.run('echo hi', { timeoutMs: 1_000 })).rejects.toThrow('MAC helper already closed');
    helper.close();
    helper.discard();
    helper.discard();
    expect(removed).toEqual(['c1: MAC helper lost its attach stream']);
  });

  it('leaves a helper alone whose stream ended after stdin was closed: it exited and Docker removes it', async () => {
    const { helper, stream, removed } = rig();
    helper.close();
    await ended(stream);
    helper.discard();
    expect(removed).toEqual([]);
  });

  it('does not remove again a helper its timeout already removed', async () => {
    const { helper, removed } = rig();
    await expect(helper.run('sleep 30', { timeoutMs: 20 })).rejects.toThrow('MAC helper timed out after 20 ms');
    helper.discard();
    expect(removed).toEqual(['c1: MAC helper timed out']);
  });
});
