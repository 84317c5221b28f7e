// The old MACVLAN network of a moved parent (issue 19): a disconnect that fails is logged, a removal refused for
// "active endpoints" is retried after force-disconnecting what Docker still lists (a container by id, an endpoint
// whose container is gone by its endpoint name), and a network Docker refuses with nothing listed is reported as the
// engine fault it is, not as a bare Docker error.
import { describe, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { OperationError } from '../../../../../../electron/workers/orchestrator/docker/errors.js';
import { emptyAndRemove, stuckNetworkMessage } from '../../../../../../electron/workers/orchestrator/reattach/old-network.js';

const NET = { Id: 'n0123456789ab', Name: 'macvlan_vt0a_198.18.0.0_24' };
const activeEndpoints = Object.assign(new Error(`error while removing network: network ${NET.Name} id ${NET.Id} has active endpoints`), {
  statusCode: 403,
  json: { message: `error while removing network: network ${NET.Name} id ${NET.Id} has active endpoints` },
});

type Listed = Record<string, { Name: string }>;

/** A fake engine: `listed` is what each inspect shows, `refusals` how many removals Docker refuses. */
function fake(o: { attached: string[]; listed: Listed[]; refusals: number; failDisconnect?: string }) {
  const disconnects: string[] = [];
  const logs: Array<[string, string, Record<string, unknown> | undefined]> = [];
  let removals = 0;
  let inspects = 0;
  const log = (level: string) => (msg: string, data?: Record<string, unknown>): void => void logs.push([level, msg, data]);
  const ctx = {
    log: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
    engine: {
      docker: { listContainers: () => Promise.resolve(o.attached.map((Id) => ({ Id, Labels: { 'io.vplc-orchestrator.vplc': `v-${Id}` } }))) },
      inspectNetwork: () => Promise.resolve({ Id: NET.Id, Name: NET.Name, Containers: o.listed[Math.min(inspects++, o.listed.length - 1)] ?? {} }),
    },
    exec: {
      run: (s: { kind: string; container: string }): Promise<void> => {
        disconnects.push(s.container);
        return s.container === o.failDisconnect ? Promise.reject(new Error('engine said no')) : Promise.resolve();
      },
    },
    networks: { removeNetwork: () => (removals++ < o.refusals ? Promise.reject(activeEndpoints) : Promise.resolve()) },
  } as unknown as OrchestratorContext;
  return { ctx, disconnects, logs, removals: () => removals };
}

describe('emptyAndRemove: the old network of a moved parent', () => {
  it('disconnects every attached container and removes the network', async () => {
    const f = fake({ attached: ['c1', 'c2'], listed: [], refusals: 0 });
    await emptyAndRemove(f.ctx, NET, 'vt0a', 'moved');
    expect(f.disconnects.sort()).toEqual(['c1', 'c2']);
    expect(f.removals()).toBe(1);
  });

  it('logs a disconnect that failed instead of swallowing it', async () => {
    const f = fake({ attached: ['c1', 'c2'], listed: [], refusals: 0, failDisconnect: 'c2' });
    await emptyAndRemove(f.ctx, NET, 'vt0a', 'moved');
    expect(f.logs).toContainEqual(['warn', 're-attach: disconnect from the old network failed', expect.objectContaining({ container: 'c2', vplc: 'v-c2', err: 'engine said no' })]);
  });

  it('force-disconnects what is still listed (an ep-<id> endpoint by its name) and retries the removal', async () => {
    const f = fake({ attached: ['c1'], listed: [{ c9: { Name: 'v9' }, 'ep-4f5e6d': { Name: 'v-gone' } }], refusals: 1 });
    await emptyAndRemove(f.ctx, NET, 'vt0a', 'moved');
    expect(f.disconnects).toEqual(['c1', 'c9', 'v-gone']);
    expect(f.removals()).toBe(2);
  });

  it('reports a network Docker refuses with nothing listed as a stuck network after a bounded number of tries', async () => {
    const f = fake({ attached: ['c1'], listed: [{}], refusals: 99 });
    const err = await emptyAndRemove(f.ctx, NET, 'vt0a', 'moved', 3).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OperationError);
    expect((err as Error).message).toBe(stuckNetworkMessage(NET.Name, 'vt0a'));
    expect(f.removals()).toBe(3);
  });

  it('passes any other removal error through', async () => {
    const f = fake({ attached: [], listed: [], refusals: 0 });
    (f.ctx.networks as unknown as { removeNetwork: () => Promise<void> }).removeNetwork = () => Promise.reject(new Error('engine down'));
    await expect(emptyAndRemove(f.ctx, NET, 'vt0a', 'moved')).rejects.toThrow('engine down');
  });
});
