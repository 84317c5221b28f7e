import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from '../../../../../../electron/workers/orchestrator/store/state-store.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const fresh = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), 'vplc-dedicated-'));
  dirs.push(d);
  return d;
};
const open = async (dir: string): Promise<StateStore> => {
  const s = new StateStore(dir);
  await s.load();
  return s;
};

describe('dedicated_nics.json in the state store', () => {
  it('is written in the reference shape, reloaded, dropped and wiped', async () => {
    const dir = fresh();
    const s = await open(dir);
    await s.putDedicated('plc-1', 'enp4s0');
    expect(JSON.parse(readFileSync(path.join(dir, 'dedicated_nics.json'), 'utf8'))).toEqual({ 'plc-1': { host_interface: 'enp4s0' } });
    const again = await open(dir);
    expect(again.getDedicated('plc-1')).toBe('enp4s0');
    expect(again.dedicatedEntries()).toEqual([['plc-1', 'enp4s0']]);
    await again.dropDedicated('plc-1');
    expect(JSON.parse(readFileSync(path.join(dir, 'dedicated_nics.json'), 'utf8'))).toEqual({});
    await again.putDedicated('plc-2', 'enp5s0');
    await again.wipe();
    expect(readdirSync(dir)).not.toContain('dedicated_nics.json');
  });

  it('quarantines a corrupt file (an empty host_interface is invalid) and reports it', async () => {
    const dir = fresh();
    writeFileSync(path.join(dir, 'dedicated_nics.json'), JSON.stringify({ 'plc-1': { host_interface: '' } }));
    const s = await open(dir);
    expect(s.dedicatedEntries()).toEqual([]);
    expect(s.problems).toEqual([expect.objectContaining({ file: path.join(dir, 'dedicated_nics.json') })]);
    expect(readdirSync(dir).some((f) => f.startsWith('dedicated_nics.json') && f !== 'dedicated_nics.json')).toBe(true);
  });
});
