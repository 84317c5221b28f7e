// A create rolled back while the engine cannot remove (or even list) what it made must not forget the vPLC: the
// desired record stays as a tombstone, so reconcile removes the container once the engine answers (docs/lifecycle.md
// "Engine outages"). A rollback that removed everything forgets the vPLC as before.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrchestratorContext } from '../../../../../../electron/workers/orchestrator/context.js';
import { rollbackCreate } from '../../../../../../electron/workers/orchestrator/create/rollback.js';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

async function storeWith(name: string): Promise<StateStore> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vplc-rollback-'));
  dirs.push(dir);
  const store = new StateStore(dir);
  await store.load();
  const now = new Date().toISOString();
  await store.putDesired(name, { desired_state: 'running', created_at: now, updated_at: now, degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false });
  await store.putJournal(name, { op_id: 'op1', operation: 'create', step: 'creating_container', started_at: now, requested_by: 'cli', created: { lan_networks: [] }, past_start: false });
  return store;
}

const engineDown = Object.assign(new Error('connect ENOENT /var/run/docker.sock'), { code: 'ENOENT' });

function ctxFor(store: StateStore, o: { list: 'ok' | 'down'; remove: 'ok' | 'down' }): { ctx: OrchestratorContext; removed: string[] } {
  const removed: string[] = [];
  const list = (): Promise<never[]> => (o.list === 'ok' ? Promise.resolve([]) : Promise.reject(engineDown));
  const ctx = {
    store,
    engine: { docker: { listContainers: list, listNetworks: list } },
    exec: {
      run: (step: { kind: string; container: string }): Promise<void> => {
        if (o.remove === 'down') return Promise.reject(engineDown);
        removed.push(step.container);
        return Promise.resolve();
      },
    },
    networks: { inUse: () => Promise.resolve(false), removeNetwork: () => Promise.resolve() },
    usage: { register: () => undefined, unregister: () => undefined },
  } as unknown as OrchestratorContext;
  return { ctx, removed };
}

describe('rollbackCreate', () => {
  it('forgets the vPLC when its container was removed', async () => {
    const store = await storeWith('plc1');
    const { ctx, removed } = ctxFor(store, { list: 'ok', remove: 'ok' });
    expect(await rollbackCreate(ctx, 'plc1', { container: 'c1', lanNetworks: [] }, { opId: 'op1', by: 'cli', keepRecords: false })).toEqual([]);
    expect(removed).toEqual(['c1']);
    expect(store.getDesired('plc1')).toBeUndefined();
    expect(store.journalEntries()).toEqual([]);
  });

  it('keeps a tombstone when the engine could not remove the container', async () => {
    const store = await storeWith('plc1');
    const { ctx } = ctxFor(store, { list: 'down', remove: 'down' });
    const incomplete = await rollbackCreate(ctx, 'plc1', { container: 'c1', lanNetworks: [] }, { opId: 'op1', by: 'cli', keepRecords: false });
    expect(incomplete).toEqual([expect.stringMatching(/^container plc1: /)]);
    expect(store.getDesired('plc1')).toMatchObject({ tombstone: true, desired_state: 'stopped' });
    expect(store.journalEntries()).toEqual([]);
  });

  it('keeps a tombstone when the engine could not even say which container the create made', async () => {
    const store = await storeWith('plc1');
    const { ctx } = ctxFor(store, { list: 'down', remove: 'ok' });
    const incomplete = await rollbackCreate(ctx, 'plc1', { lanNetworks: [] }, { opId: 'op1', by: 'cli', keepRecords: false });
    expect(incomplete).toEqual([expect.stringMatching(/^containers of this create could not be listed: /)]);
    expect(store.getDesired('plc1')).toMatchObject({ tombstone: true });
  });

  it('leaves the records of a recreate alone (the vPLC is still wanted), whatever the engine did', async () => {
    const store = await storeWith('plc1');
    const { ctx } = ctxFor(store, { list: 'down', remove: 'down' });
    await rollbackCreate(ctx, 'plc1', { container: 'c1', lanNetworks: [] }, { opId: 'op1', by: 'reconcile', keepRecords: true });
    expect(store.getDesired('plc1')).toMatchObject({ tombstone: false, desired_state: 'running' });
  });
});
