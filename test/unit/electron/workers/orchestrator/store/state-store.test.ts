/** The state store keys records by name in Maps: names such as `constructor` or `toString` are names like any other. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const open = async (dir?: string): Promise<StateStore> => {
  const d = dir ?? mkdtempSync(path.join(tmpdir(), 'vplc-store-'));
  if (!dir) dirs.push(d);
  const s = new StateStore(d);
  await s.load();
  return s;
};
const record = { desired_state: 'running' as const, created_at: 't', updated_at: 't', degraded_ulimits: false, tombstone: false, depends_on: [], auto_update: false };

describe('StateStore keys', () => {
  it('knows nothing about inherited names before they are stored', async () => {
    const s = await open();
    for (const n of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) {
      expect(s.getDesired(n)).toBeUndefined();
      expect(s.getVnics(n)).toEqual([]);
      expect(s.getClient(n)).toBeUndefined();
    }
    expect(s.desiredNames()).toEqual([]);
    await s.patchDesired('constructor', { desired_state: 'stopped' });
    expect(s.desiredNames()).toEqual([]);
  });

  it('stores, reloads and drops `constructor` and `toString` like any other name', async () => {
    const s = await open();
    await s.putDesired('constructor', record);
    await s.putClient('toString', '198.19.0.2');
    expect(s.getDesired('constructor')).toMatchObject({ desired_state: 'running' });
    const again = await open(s.dir);
    expect(again.desiredNames()).toEqual(['constructor']);
    expect(again.getClient('toString')).toEqual({ ip: '198.19.0.2', name: 'toString' });
    const onDisk = JSON.parse(readFileSync(path.join(s.dir, 'vplc_state.json'), 'utf8')) as Record<string, { desired_state?: string }>;
    expect(Object.keys(onDisk)).toEqual(['constructor']);
    expect(onDisk['constructor']?.desired_state).toBe('running');
    await again.dropDesired('constructor');
    expect(again.getDesired('constructor')).toBeUndefined();
    expect(again.desiredNames()).toEqual([]);
  });
});
