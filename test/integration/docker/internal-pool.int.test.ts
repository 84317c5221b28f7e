// 200 internal /29 bridges from the dedicated pool on a real dockerd (Docker's default pools run out near 30).
// Runtime: about 60-120 s on 2 cores (200 bridge networks are created and removed).
import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Engine } from '../../../electron/workers/orchestrator/docker/engine.js';
import { Executor } from '../../../electron/workers/orchestrator/exec/executor.js';
import { Networks } from '../../../electron/workers/orchestrator/net/networks.js';
import { cidrsOverlap } from '../../../shared/net/ipv4.js';
import { removeByLabels } from '../../support/docker.js';
import { requireDocker } from '../../support/require.js';
import { internalPoolFor, newRunId, workerSlot } from '../../support/run.js';

requireDocker();

const run = newRunId();
const instance = randomUUID();
const engine = new Engine();
const networks = new Networks({ engine, exec: new Executor(engine, { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }), instance, internalPool: internalPoolFor(workerSlot()), avoidSubnets: () => Promise.resolve([]) });

afterAll(async () => {
  await removeByLabels({ instance });
});

describe('internal network pool', () => {
  it('fits 200 vPLC internal networks, each a distinct /29 with gateway .1 and runtime .2', async () => {
    const made = [];
    for (let i = 0; i < 200; i++) made.push(await networks.ensureInternal(`vt-${run}-p${i}`, 'pool-test'));
    const subnets = made.map((n) => n.subnet);
    expect(new Set(subnets).size).toBe(200);
    for (const s of subnets) expect(s).toMatch(/\/29$/);
    for (let i = 1; i < subnets.length; i++) expect(cidrsOverlap(subnets[i - 1]!, subnets[i]!)).toBe(false);
    const first = made[0]!;
    expect(first.gateway.split('.').at(-1)).toBe(String(Number(first.subnet.split('/')[0]!.split('.').at(-1)) + 1));
    expect(first.runtimeIp.split('.').at(-1)).toBe(String(Number(first.subnet.split('/')[0]!.split('.').at(-1)) + 2));
  });

  it('reuses an existing internal network of ours instead of allocating another block', async () => {
    const again = await networks.ensureInternal(`vt-${run}-p0`, 'pool-test');
    expect(again.created).toBe(false);
  });
});
